"""Masked phone numbers for API answers that list people without needing their numbers."""

from __future__ import annotations

MASK = "*"


def mask_phone(number: str | None) -> str | None:
    """``+447700900123`` → ``+44*******123``: enough to tell rows apart, not to dial.

    Short values (under 8 characters) are masked entirely; ``None`` (a purged number)
    stays ``None``.
    """
    if number is None:
        return None
    if len(number) < 8:
        return MASK * len(number)
    return number[:3] + MASK * (len(number) - 6) + number[-3:]
