"""Read the time, direction and kind of a call or message from the text a log holds.

Times: ISO 8601 (as Cellebrite's report.xml writes them), UK day-first dates
("01/03/2024 14:22:05", with an optional "(UTC+1)" as Cellebrite's Excel export writes),
year-first dates, spreadsheet datetimes and Unix epoch seconds or milliseconds. A time
without a zone is taken as UTC: the exports do not say which zone a bare time is in, and a
fixed rule keeps counts in a date window reproducible. A day-first date whose month would be
over 12 is read month-first (03/25/2024), since it cannot be anything else.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone

_DATE_TIME = re.compile(
    r"""(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})
        (?:[\sT,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?
           \s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?
        \s*(?:\(?\s*(?:UTC|GMT|Z)\s*(?:(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?)?\s*\)?)?
    """,
    re.VERBOSE,
)
_EPOCH = re.compile(r"\d{10}(?:\d{3})?")

_INCOMING = frozenset(
    {
        "incoming",
        "in",
        "inbound",
        "received",
        "missed",
        "rejected",
        "declined",
        "inbox",
        "unanswered",
        "mt",
        "przychodzace",
        "primite",
        "recibida",
        "recebida",
        "entrant",
    }
)
_OUTGOING = frozenset(
    {
        "outgoing",
        "out",
        "outbound",
        "sent",
        "dialled",
        "dialed",
        "outbox",
        "placed",
        "mo",
        "wychodzace",
        "trimise",
        "enviada",
        "sortant",
    }
)
_SMS_WORDS = frozenset({"sms", "mms", "text", "message", "messages", "imessage", "msg"})
_CHAT_WORDS = frozenset(
    {"chat", "im", "instant", "whatsapp", "telegram", "signal", "messenger", "snapchat"}
)
_CALL_WORDS = frozenset({"call", "calls", "voice", "video", "dialled", "dialed", "missed"})
_WORD = re.compile(r"[^\W\d_]+")


def parse_timestamp(value: object) -> datetime | None:
    """Return an aware datetime for a log's time value, or None if it cannot be read."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if text[4:5] != "-":
        return _parse_loose(text)  # not ISO 8601: skip the costly failed ISO attempt
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return _parse_loose(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_direction(value: object) -> str | None:
    """Return "incoming", "outgoing" or None from a direction, folder or call-type value."""
    if not isinstance(value, str) or not value:
        return None
    return _direction(value)


def parse_kind(value: object) -> str | None:
    """Return "call", "sms" or "chat" from a type value such as "Outgoing SMS", else None."""
    if not isinstance(value, str) or not value:
        return None
    return _kind(value)


# A log repeats a handful of direction and type values: read each once.
@functools.lru_cache(maxsize=1024)
def _direction(value: str) -> str | None:
    words = set(_WORD.findall(value.casefold()))
    if words & _INCOMING:
        return "incoming"
    if words & _OUTGOING:
        return "outgoing"
    return None


@functools.lru_cache(maxsize=1024)
def _kind(value: str) -> str | None:
    words = set(_WORD.findall(value.casefold()))
    if words & _CHAT_WORDS:
        return "chat"
    if words & _SMS_WORDS:
        return "sms"
    if words & _CALL_WORDS:
        return "call"
    return None


def _parse_loose(text: str) -> datetime | None:
    if _EPOCH.fullmatch(text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    a, b, c, hour_text, minute_text, second_text, ampm, sign, oh, om = match.groups()
    if len(a) == 4:
        candidates = [(int(a), int(b), int(c))]
    else:
        year = int(c) + (2000 if len(c) <= 2 else 0)
        candidates = [(year, int(b), int(a)), (year, int(a), int(b))]
    hour, minute = int(hour_text or 0), int(minute_text or 0)
    second = int(second_text or 0)
    if ampm:
        pm = ampm[0] in "pP"
        if pm and hour < 12:
            hour += 12
        elif not pm and hour == 12:
            hour = 0
    zone = _zone(sign, oh, om)
    for year, month, day in candidates:
        try:
            return datetime(year, month, day, hour, minute, second, tzinfo=zone)
        except ValueError:
            continue
    return None


def _zone(sign: str | None, hours: str | None, minutes: str | None) -> timezone:
    if not sign or hours is None:
        return UTC
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset >= timedelta(hours=24):
        return UTC
    return timezone(-offset if sign == "-" else offset)
