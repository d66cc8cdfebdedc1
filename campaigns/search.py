"""Free-text search helpers shared by the web pages and the API."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from messaging.models import Line

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching ``text`` literally anywhere: ``%`` and ``_`` are not wildcards.

    Use with ``column.ilike(pattern, escape=LIKE_ESCAPE)``.
    """
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def line_matches(text: str) -> ColumnElement[bool]:
    """Lines whose reference, name, operation, exhibit reference or force area hold ``text``."""
    like = contains_pattern(text)
    columns = (Line.reference, Line.name, Line.operation, Line.exhibit_reference, Line.force_area)
    return or_(*(column.ilike(like, escape=LIKE_ESCAPE) for column in columns))
