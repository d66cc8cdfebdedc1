"""Check a create-message request the way Twilio does, answering with Twilio's error codes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

MAX_BODY_CHARS: Final = 1600
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_SHORT_CODE = re.compile(r"\d{3,8}")
# Alphanumeric sender IDs: at most 11 of A–Z a–z 0–9 space . & _ -, with at least one letter.
_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 .&_\-]{1,11}")
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")


class Rejected(Exception):
    """The request is refused with a Twilio error code (HTTP 400)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A valid create-message request."""

    to: str
    from_: str | None
    service_sid: str | None
    body: str
    status_callback: str | None
    validity_period: int | None

    @property
    def sender(self) -> str:
        """The sender as given: the Messaging Service SID, else From."""
        return self.service_sid or self.from_ or ""


def parse_create(form: Mapping[str, str]) -> CreateRequest:
    """Return the request's fields, or raise ``Rejected`` with the code Twilio would give."""
    to = form.get("To", "").strip()
    from_ = form.get("From", "").strip() or None
    service_sid = form.get("MessagingServiceSid", "").strip() or None
    body = form.get("Body", "")
    if not to:
        raise Rejected(21604)
    if from_ is None and service_sid is None:
        raise Rejected(21603)
    if not body:
        raise Rejected(21602)
    if _E164.fullmatch(to) is None:
        raise Rejected(21211)
    if from_ is not None and not _valid_from(from_):
        raise Rejected(21212)
    if service_sid is not None and _SERVICE_SID.fullmatch(service_sid) is None:
        raise Rejected(21212)
    if len(body) > MAX_BODY_CHARS:
        raise Rejected(21617)
    return CreateRequest(
        to=to,
        from_=from_,
        service_sid=service_sid,
        body=body,
        status_callback=_status_callback(form.get("StatusCallback")),
        validity_period=_validity_period(form.get("ValidityPeriod")),
    )


def _valid_from(sender: str) -> bool:
    if sender.startswith("+"):
        return _E164.fullmatch(sender) is not None
    if sender.isdigit():
        return _SHORT_CODE.fullmatch(sender) is not None
    return _ALPHANUMERIC.fullmatch(sender) is not None


def _status_callback(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Rejected(21609)
    return value


def _validity_period(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise Rejected(21624) from None
    if not 1 <= seconds <= 36_000:
        raise Rejected(21624)
    return seconds
