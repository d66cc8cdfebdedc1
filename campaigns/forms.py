"""Validation of what people type into the web forms (marshmallow schemas)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from messaging.send_window import LONDON

REFERENCE = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$",
    error="Use letters, digits and / _ . - only (up to 64 characters).",
)


class LocalDateTime(fields.DateTime):
    """A date and time typed in London time (an HTML datetime-local input), stored in UTC."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime | None:
        if value in ("", None):
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError("Enter a date and time like 2026-11-25 09:30.") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=LONDON)
        return parsed.astimezone(UTC)


class BlankToNone(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def strip(self, data: Any, **_: Any) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for key in data:
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            value: Any = values if key in self.list_fields() else values[-1]
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned

    def list_fields(self) -> set[str]:
        return {name for name, f in self.fields.items() if isinstance(f, fields.List)}


class LineForm(BlankToNone):
    reference = fields.String(
        required=True, validate=REFERENCE, error_messages={"required": "Enter a reference."}
    )
    name = fields.String(
        required=True,
        validate=validate.Length(max=120),
        error_messages={"required": "Enter the line's name (its brand, e.g. 'Tony')."},
    )
    force_area = fields.String(load_default="", validate=validate.Length(max=120))
    operation = fields.String(load_default="", validate=validate.Length(max=120))
    exhibit_reference = fields.String(load_default="", validate=validate.Length(max=120))
    line_number = fields.String(load_default=None, validate=validate.Length(max=40))
    seized_on = fields.Date(load_default=None, error_messages={"invalid": "Enter a real date."})
    retention_days = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=3650, error="Between 1 and 3650 days."),
        error_messages={"invalid": "Enter a whole number of days."},
    )


class CampaignForm(BlankToNone):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=160),
        error_messages={"required": "Give the campaign a name."},
    )
    line_ids = fields.List(
        fields.Integer(),
        required=True,
        validate=validate.Length(min=1, error="Choose a line."),
        error_messages={"required": "Choose at least one line."},
    )
    template_version_id = fields.Integer(
        required=True, error_messages={"required": "Choose a message template."}
    )
    service_id = fields.Integer(load_default=None)
    sender = fields.String(
        required=True,
        validate=validate.Length(max=40),
        error_messages={"required": "Enter the sender (an 11-character name or a number)."},
    )
    force_name = fields.String(
        required=True,
        validate=validate.Length(max=60),
        error_messages={"required": "Enter the force's name as it should appear in the text."},
    )
    area = fields.String(load_default="", validate=validate.Length(max=60))
    reply_route = fields.String(load_default="", validate=validate.Length(max=80))
    kinds = fields.List(
        fields.String(validate=validate.OneOf(["mobile", "landline", "non_geographic"])),
        load_default=["mobile"],
    )
    min_interactions = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10000))
    window_from = LocalDateTime(load_default=None)
    window_to = LocalDateTime(load_default=None)
    exclude_cross_line = fields.Boolean(load_default=False, truthy={"on", "1", "true", "yes"})
    not_before = LocalDateTime(load_default=None)
    not_after = LocalDateTime(load_default=None)
    urgent = fields.Boolean(load_default=False, truthy={"on", "1", "true", "yes"})
    urgency_reason = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def check_window(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("urgent") and not data.get("urgency_reason"):
            errors["urgency_reason"] = ["Say why this must go outside quiet hours."]
        nb, na = data.get("not_before"), data.get("not_after")
        if nb and na and na <= nb:
            errors["not_after"] = ["The end of the send window must be after its start."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def tuples(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["line_ids"] = tuple(data["line_ids"])
        data["kinds"] = tuple(data.get("kinds") or ("mobile",))
        return data


def first_errors(error: ValidationError) -> dict[str, str]:
    """One message per field, for inline errors and the summary at the top of a form."""
    out: dict[str, str] = {}
    messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
    for field_name, problem in messages.items():
        while isinstance(problem, (list, dict)):
            problem = next(iter(problem.values())) if isinstance(problem, dict) else problem[0]
        out[field_name] = str(problem)
    return out
