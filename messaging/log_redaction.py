"""Keeping phone numbers out of logs, whichever library writes the line.

Access logs (werkzeug, gunicorn) print request lines, and a search for a number puts it in
the query string; a traceback can quote one too. :func:`install` makes every log record
created in this process pass through :class:`PhoneNumberRedactor` before any handler sees
it, so it covers handlers configured later (gunicorn's, the CLI's) as well.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

REDACTED = "[number]"
# A digit run of phone-number length, optionally led by +, 00 or its URL encoding, whose
# digits may be split by spaces, hyphens, brackets or URL-encoded spaces and pluses, and
# that is not part of a longer word (so hashes and ids with letters in them survive).
_SEPARATOR = r"(?:[ \-()]|%20|\+|%2[bB]|%28|%29){0,2}"
_CANDIDATE = re.compile(r"(?<!\w)(?:\+|%2[bB])?\(?\d(?:" + _SEPARATOR + r"\d){8,15}(?!\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_DIGITS = 10  # UK numbers have 10 digits without the leading 0; ids stay shorter


def redact(text: str) -> str:
    """``text`` with anything that looks like a phone number replaced."""
    if not any(ch.isdigit() for ch in text):
        return text
    return _CANDIDATE.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < _MIN_DIGITS or _DATE.search(found):
        return found
    return REDACTED


class PhoneNumberRedactor(logging.Filter):
    """A logging filter that rewrites a record's message (and traceback) without numbers."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_lock = threading.Lock()
_installed: Callable[..., logging.LogRecord] | None = None


def install() -> None:
    """Redact every log record made in this process from now on (idempotent)."""
    global _installed
    with _lock:
        current = logging.getLogRecordFactory()
        if _installed is not None and current is _installed:
            return
        redactor = PhoneNumberRedactor()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = current(*args, **kwargs)
            redactor.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = factory
