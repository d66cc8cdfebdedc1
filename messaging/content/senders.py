"""Who a campaign sends from: validating sender IDs, numbers and Messaging Services.

Four kinds of sender are accepted:

- an alphanumeric sender ID (at most 11 of A–Z a–z 0–9 space . & _ -, at least one letter,
  not a generic word that UK networks block). Nobody can reply to one: it is one-way, so a
  one-way campaign must name another route in its text (see ``names_other_route``) and
  must not ask for a reply ("Reply STOP"; see ``asks_for_reply``);
- a UK mobile long code, given as +447… or 07… and normalised to E.164;
- a short code (5 or 6 digits);
- a Twilio Messaging Service SID (``MG`` + 32 hex digits), which sends from a pool of
  numbers and so can receive replies.

Ofcom's drama range +447700900000–+447700900999 is accepted as a long code although
``phonenumbers`` calls it invalid: it is the only safe sender for demo and training setups
(the sandbox carrier), and a real carrier would reject it anyway.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberType

ALPHANUMERIC_MAX_LENGTH = 11


class SenderKind(enum.StrEnum):
    """How a message's From is expressed to the carrier."""

    ALPHANUMERIC = "alphanumeric"
    LONG_CODE = "long_code"
    SHORT_CODE = "short_code"
    MESSAGING_SERVICE = "messaging_service"


# Default pacing in message segments per second per sender. Long code (1/s) and
# alphanumeric (10/s) are the UK figures Twilio publishes. A short code's real rate is set
# when it is provisioned; 30/s is a conservative start. A Messaging Service's rate is the sum
# of its pool, so 10/s (one alphanumeric-equivalent) is a floor. All are configurable.
SENDER_RATE_PER_SECOND: dict[SenderKind, float] = {
    SenderKind.LONG_CODE: 1.0,
    SenderKind.ALPHANUMERIC: 10.0,
    SenderKind.SHORT_CODE: 30.0,
    SenderKind.MESSAGING_SERVICE: 10.0,
}

# Words UK networks filter as sender IDs because anyone could claim them; the list is the
# common ones, not every word a network might block. Compared after removing everything
# but letters, so "I.N.F.O" and "SMS 1" are caught too.
GENERIC_SENDER_WORDS = frozenset(
    {
        "ACCOUNT",
        "ADMIN",
        "ALERT",
        "ALERTS",
        "AUTH",
        "CODE",
        "CONFIRM",
        "HELLO",
        "HELP",
        "INFO",
        "INFORM",
        "MESSAGE",
        "MESSAGES",
        "MOBILE",
        "MSG",
        "NEWS",
        "NOREPLY",
        "NOTICE",
        "NOTIFY",
        "OTP",
        "PHONE",
        "REMINDER",
        "SECURITY",
        "SERVICE",
        "SMS",
        "SUPPORT",
        "TEST",
        "TEXT",
        "UPDATE",
        "UPDATES",
        "VERIFY",
        "WARNING",
    }
)

_ALPHANUMERIC_CHARS = re.compile(r"[A-Za-z0-9 .&_-]+")
_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
_NUMBER_LIKE = re.compile(r"[+0-9 ()-]+")
_SHORT_CODE = re.compile(r"[1-9][0-9]{4,5}")
_DRAMA_RANGE = re.compile(r"\+447700900[0-9]{3}")


class SenderErrorCode(enum.StrEnum):
    """Why a value cannot be used as a sender."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_CHARACTERS = "bad_characters"
    NO_LETTER = "no_letter"
    GENERIC = "generic"
    NOT_UK_MOBILE = "not_uk_mobile"
    BAD_SERVICE_SID = "bad_service_sid"
    NOT_A_SENDER = "not_a_sender"


_MESSAGES = {
    SenderErrorCode.EMPTY: "Enter a sender ID, number, short code or Messaging Service SID.",
    SenderErrorCode.TOO_LONG: "A sender ID can be at most 11 characters.",
    SenderErrorCode.BAD_CHARACTERS: (
        "A sender ID can only use letters, digits, spaces and . & _ -"
    ),
    SenderErrorCode.NO_LETTER: "A sender ID must contain at least one letter.",
    SenderErrorCode.GENERIC: "UK networks block generic sender IDs such as {value}.",
    SenderErrorCode.NOT_UK_MOBILE: "A long code must be a UK mobile number (+447…).",
    SenderErrorCode.BAD_SERVICE_SID: "A Messaging Service SID is MG followed by 32 hex digits.",
    SenderErrorCode.NOT_A_SENDER: "This is not a sender ID, UK mobile, short code or MG SID.",
}


class SenderError(ValueError):
    """A sender value was refused; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: SenderErrorCode, **details: str) -> None:
        self.code = code
        self.message = _MESSAGES[code].format(**details)
        super().__init__(self.message)


@dataclass(frozen=True)
class Sender:
    """A validated sender, normalised to the form the carrier expects."""

    value: str
    kind: SenderKind
    two_way: bool


def parse_sender(value: str) -> Sender:
    """Validate and normalise a sender; raise ``SenderError`` saying what is wrong."""
    value = value.strip()
    if not value:
        raise SenderError(SenderErrorCode.EMPTY)
    if _MESSAGING_SERVICE_SID.fullmatch(value):
        # Twilio issues SIDs in lower-case hex; the MG prefix is case-sensitive.
        return Sender("MG" + value[2:].lower(), SenderKind.MESSAGING_SERVICE, two_way=True)
    if value.startswith("MG") and len(value) > ALPHANUMERIC_MAX_LENGTH:
        # Too long for a sender ID, so it was meant as a SID: say what is wrong with it.
        raise SenderError(SenderErrorCode.BAD_SERVICE_SID)
    if _NUMBER_LIKE.fullmatch(value):
        return _parse_number(value)
    return _parse_alphanumeric(value)


def _parse_number(value: str) -> Sender:
    digits = re.sub(r"[^0-9]", "", value)
    if not value.startswith("+") and _SHORT_CODE.fullmatch(digits):
        return Sender(digits, SenderKind.SHORT_CODE, two_way=True)
    if len(digits) < 5:
        raise SenderError(SenderErrorCode.NOT_A_SENDER)
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        raise SenderError(SenderErrorCode.NOT_UK_MOBILE) from exc
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if _DRAMA_RANGE.fullmatch(e164):
        return Sender(e164, SenderKind.LONG_CODE, two_way=True)
    # Isle of Man and Channel Islands mobiles are +447… on UK networks too.
    if (
        number.country_code != 44
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != PhoneNumberType.MOBILE
    ):
        raise SenderError(SenderErrorCode.NOT_UK_MOBILE)
    return Sender(e164, SenderKind.LONG_CODE, two_way=True)


def _parse_alphanumeric(value: str) -> Sender:
    if len(value) > ALPHANUMERIC_MAX_LENGTH:
        raise SenderError(SenderErrorCode.TOO_LONG)
    if not _ALPHANUMERIC_CHARS.fullmatch(value):
        raise SenderError(SenderErrorCode.BAD_CHARACTERS)
    letters = re.sub(r"[^A-Za-z]", "", value).upper()
    if not letters:
        raise SenderError(SenderErrorCode.NO_LETTER)
    if letters in GENERIC_SENDER_WORDS:
        raise SenderError(SenderErrorCode.GENERIC, value=value)
    return Sender(value, SenderKind.ALPHANUMERIC, two_way=False)


# Routes that need no reply to the sender: national lines by name or number.
_NAMED_ROUTES = re.compile(
    r"\bcrime\s?stoppers\b|\bFRANK\b|\btalktofrank\b|\bsafecall\b"
    r"|(?<![0-9])(?:101|999|111|116 ?000)(?![0-9])",
    re.IGNORECASE,
)
_FRANK_WORD = re.compile(r"\bfrank\b", re.IGNORECASE)
_URL = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:uk|com|org|net|info|wales|cymru|scot|london)\b",
    re.IGNORECASE,
)


def names_other_route(body: str) -> bool:
    """Tell whether a one-way text names a route that is not a reply to the sender.

    Counts: a phone number of plausible length (so Ofcom drama numbers in demos count), a
    URL or bare domain, or Crimestoppers, FRANK, SafeCall, 101, 999, 111 or 116 000.
    """
    for match in _NAMED_ROUTES.finditer(body):
        # "to be frank" is not a route; the service always writes its name in capitals.
        if _FRANK_WORD.fullmatch(match.group()) and match.group() != "FRANK":
            continue
        return True
    if _URL.search(body):
        return True
    # POSSIBLE rather than VALID so drama-range numbers in demos count; the length floor
    # keeps years and counts ("1010") out. UK numbers have 9 or 10 national digits.
    matcher = phonenumbers.PhoneNumberMatcher(body, "GB", leniency=Leniency.POSSIBLE)
    return any(len(str(match.number.national_number)) >= 9 for match in matcher)


# Asking the recipient to answer the sender: "Reply STOP", "reply to this message", "text
# back", "text HELP" (but not "text STOP to 07700 900123": that is another number).
_REPLY_ASK = re.compile(
    r"\b(?:reply|respond)\b"
    r"|\b(?:text|txt|send|message)\s+(?:back|us|me)\b"
    r"|\b(?:text|txt|send)\s+(?:stop|help|start|yes|info|unstop)\b(?!\s+to\s+[+0-9])",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:do\s+not|don'?t|cannot|can'?t|can\s+not|not|no|never|please\s+don'?t)\s*$",
    re.IGNORECASE,
)


def asks_for_reply(body: str) -> bool:
    """Tell whether a text asks the recipient to reply to its sender ("Reply STOP", "text
    back"); "do not reply" and "text STOP to <another number>" do not count."""
    for match in _REPLY_ASK.finditer(body):
        if not _NEGATED.search(body[max(0, match.start() - 24) : match.start()]):
            return True
    return False
