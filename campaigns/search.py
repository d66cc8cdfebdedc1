"""Free-text search helpers shared by the web pages and the API."""

from __future__ import annotations

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
