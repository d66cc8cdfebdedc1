"""Strict marshmallow fields for the API, each able to describe itself as JSON Schema.

The web forms are lenient (a browser sends strings); the API is strict so that what the
OpenAPI document promises is exactly what is accepted: an integer is a JSON integer (never
``true`` or ``"5"``), a boolean is ``true`` or ``false``, a timestamp carries its offset,
and text may not hold control characters or unpaired surrogates (which the database and
the encryption layer cannot store).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL; larger values can name nothing
# Printable text: no C0 controls except tab, newline and carriage return, and no DEL.
SAFE_TEXT = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*"
# Printable text with at least one character that is not blank.
NON_BLANK_TEXT = SAFE_TEXT + r"[^\x00-\x20\x7f]" + SAFE_TEXT
RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
QUERY_INT = re.compile(r"-?[0-9]{1,12}")


class Text(fields.String):
    """A string matching ``pattern`` in full (printable text by default)."""

    def __init__(self, *, pattern: str = SAFE_TEXT, pattern_error: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.pattern = pattern
        self._regex = re.compile(pattern)
        self._pattern_error = pattern_error or "Remove control characters from the text."

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError("The text holds characters that are not valid Unicode.") from exc
        if not self._regex.fullmatch(text):
            raise ValidationError(self._pattern_error)
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^(?:{self.pattern})$"}


class Int(fields.Integer):
    """A JSON integer (``true``, ``"5"`` and ``5.5`` are refused; ``5.0`` is 5)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer"}


class Bool(fields.Boolean):
    """A JSON boolean: ``true`` or ``false`` only."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class QueryInt(fields.Integer):
    """An integer in a query string: decimal digits only."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not QUERY_INT.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return int(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer"}


class QueryBool(fields.Boolean):
    """A boolean in a query string: ``true`` or ``false``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise ValidationError("Use true or false.")
        return value == "true"

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class AwareDateTime(fields.DateTime):
    """An RFC 3339 timestamp with its offset (``Z`` or ``+01:00``), returned in UTC."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not RFC3339.fullmatch(value):
            raise ValidationError(
                "Give a date and time with its offset, like 2026-11-25T09:30:00Z."
            )
        text = value.upper().replace("Z", "+00:00")
        if "." in text:  # Python keeps microseconds: drop digits beyond the sixth
            head, _, tail = text.partition(".")
            digits = re.match(r"[0-9]+", tail)
            assert digits is not None
            text = f"{head}.{digits.group()[:6].ljust(6, '0')}{tail[digits.end() :]}"
        try:
            return datetime.fromisoformat(text).astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise ValidationError("That date and time does not exist.") from exc

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


class IsoDate(fields.Date):
    """A calendar date as YYYY-MM-DD."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise ValidationError("Give a date like 2026-11-25.")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError("That date does not exist.") from exc

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


def object_id(**kwargs: Any) -> Int:
    """An id of a stored object (1 … 2³¹−1)."""
    return Int(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def text(
    max_length: int, *, blank: bool = True, min_length: int | None = None, **kwargs: Any
) -> Text:
    """Printable text up to ``max_length``; ``blank=False`` needs a non-space character."""
    minimum = min_length if min_length is not None else (0 if blank else 1)
    return Text(
        pattern=SAFE_TEXT if blank else NON_BLANK_TEXT,
        pattern_error="" if blank else "Enter some text (not only spaces).",
        validate=validate.Length(min=minimum, max=max_length),
        **kwargs,
    )
