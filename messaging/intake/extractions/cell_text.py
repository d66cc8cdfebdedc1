"""Read the text conventions found inside export cells: Cellebrite entries and party lists.

Cellebrite's Excel and CSV exports pack several values into one multi-line cell:
``Entries`` holds ``Phone-Mobile: +44 7700 900123`` / ``User ID-Username: dave``, and call
and message ``Parties`` hold ``From: +44 7700 900123 Dave`` / ``To: +44 7700 900999 (owner)``.
Only ``Phone-*`` entries are numbers; other entries are ignored, not errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Phone-Mobile: value", "Phone-: value", "Phone: value", "User ID-Username: value".
_ENTRY = re.compile(
    r"\s*(?P<kind>[^\W\d][^:\-\n]{0,39}?)\s*(?:-(?P<category>[^:\n]{0,60}))?:\s?(?P<value>.*)"
)
_ROLE = re.compile(r"\s*(?P<role>from|to|cc|bcc)\s*:\s*", re.IGNORECASE)
_OWNER = re.compile(r"\(\s*(?:phone\s+)?owner\s*\)|\bphone owner\b|\[\s*owner\s*\]", re.IGNORECASE)
# A phone number or messaging identifier inside free text.
_IDENTIFIER = re.compile(r"\+?\(?\d[\d\s().\-]{4,}\d(?:@[\w.\-]+)?|[\w.+\-]+@[\w.\-]+")
_PLAIN_NUMBER = re.compile(r"\s*\+?[\d\s().\-\u00a0]{5,40}")
_DATE_LIKE = re.compile(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}")
_NUMBER_CHARS = frozenset("0123456789+-(). \u00a0eE")


@dataclass(frozen=True, slots=True)
class Entry:
    """One phone entry of a Cellebrite Entries cell."""

    label: str | None
    value: str


@dataclass(frozen=True, slots=True)
class Party:
    """One party of a call or message, as a log cell names it."""

    raw: str
    role: str | None  # "from" | "to" | None
    is_owner: bool
    name: str | None = None  # the name the log shows for this party, when it gives one


def is_entries_cell(text: str) -> bool:
    """Return True if a cell looks like Cellebrite entries (every line "Kind-Category: …")."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all(_ENTRY.fullmatch(line) for line in lines)


def phone_entries(text: str) -> list[Entry]:
    """Return the Phone-* entries of a Cellebrite Entries cell, ignoring the other entries."""
    entries: list[Entry] = []
    for line in text.splitlines():
        match = _ENTRY.fullmatch(line)
        if match is None or match["kind"].strip().casefold() != "phone":
            continue
        value = match["value"].strip()
        if value:
            entries.append(Entry((match["category"] or "").strip() or None, value))
    return entries


def parse_parties(text: str, role: str | None = None) -> list[Party]:
    """Return the parties a log cell names, one per line; lines without a number are left out.

    A plain single value is kept exactly as written; lines with a role prefix or a name are
    cut down to the identifier they hold.
    """
    if _PLAIN_NUMBER.fullmatch(text):
        return [Party(text.strip(), role, False)]  # the usual case, kept cheap for big logs
    parties: list[Party] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        line_role = role
        prefix = _ROLE.match(stripped)
        if prefix:
            line_role = prefix["role"].casefold()
            stripped = stripped[prefix.end() :]
        is_owner = bool(_OWNER.search(stripped))
        raw = _identifier(stripped, plain=not prefix and not is_owner)
        if raw:
            parties.append(Party(raw, line_role if line_role in ("from", "to") else None, is_owner))
    return parties


def party_key(raw: str) -> str | None:
    """Return a key that matches the same number however it was written (last 9 digits)."""
    digits = "".join(c for c in raw.split("@", 1)[0] if c.isdigit())
    return digits[-9:] if len(digits) >= 6 else None


def looks_like_number(text: str) -> bool:
    """Return True if a cell looks like a phone number (for guessing columns, not validating)."""
    stripped = text.strip()
    if not 6 <= len(stripped) <= 40 or _DATE_LIKE.fullmatch(stripped):
        return False
    digits = sum(c.isdigit() for c in stripped)
    if "@" in stripped:  # a messaging id such as 447700900123@s.whatsapp.net
        local, _, domain = stripped.partition("@")
        return digits >= 6 and local.isdigit() and not any(c.isspace() for c in domain)
    return digits >= 6 and all(c in _NUMBER_CHARS for c in stripped)


def _identifier(text: str, *, plain: bool) -> str | None:
    if plain and looks_like_number(text):
        return text
    match = _IDENTIFIER.search(text)
    if match is None:
        return None
    return match.group(0).strip()
