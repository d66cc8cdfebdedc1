"""What an extraction yields: numbers, interactions and rejected records, with provenance.

Every record carries a deterministic ``position`` a person can find in the original file
("row 12", "card 3", "model 7f3c…", "sheet Contacts row 9") and the ``raw`` text exactly as
the file held it: repairing and validating numbers is the normaliser's job
(:mod:`messaging.intake.phone_numbers`), so nothing here rewrites a number.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

FORMATS: tuple[str, ...] = ("csv", "vcf", "xlsx", "ufdr")

KINDS: tuple[str, ...] = ("call", "sms", "chat")
DIRECTIONS: tuple[str, ...] = ("incoming", "outgoing")

# Cellebrite marks the handset's own address book with an empty Source or "Phone".
_HANDSET_SOURCES = frozenset({"", "phone", "native", "contacts"})


class RejectReason(enum.StrEnum):
    """Why one record of a file gave no usable number; the rest of the file still counts."""

    NO_NUMBER = "no_number"
    FORMULA = "formula"
    UNDECODABLE = "undecodable"
    MALFORMED = "malformed"
    LINE_TOO_LONG = "line_too_long"
    DIRECTION_UNCLEAR = "direction_unclear"


REJECT_REASON_MESSAGES: dict[RejectReason, str] = {
    RejectReason.NO_NUMBER: "No phone number in this record.",
    RejectReason.FORMULA: "A spreadsheet formula, not a value: it was not evaluated.",
    RejectReason.UNDECODABLE: "Characters that could not be read in the file's encoding.",
    RejectReason.MALFORMED: "The record is damaged (for example an unclosed quote).",
    RejectReason.LINE_TOO_LONG: "A line is too long to be part of a contact.",
    RejectReason.DIRECTION_UNCLEAR: "Both parties are given but not which one is the line.",
}


@dataclass(frozen=True, slots=True)
class ExtractedNumber:
    """One phone number saved on the seized handset (an address-book entry)."""

    position: str
    raw: str
    saved_name: str | None
    label: str | None  # vCard TEL TYPE, Cellebrite Category, or the CSV column header
    source_app: str | None
    account: str | None
    deleted_state: str | None  # as the tool wrote it: "Intact", "Deleted", "Unknown"


@dataclass(frozen=True, slots=True)
class ExtractedInteraction:
    """One call or message between the line and a counterpart identifier (raw)."""

    position: str
    raw: str
    kind: str  # "call" | "sms" | "chat"
    occurred_at: datetime | None  # aware; a time without a zone is taken as UTC
    direction: str | None  # "incoming" | "outgoing" | None when the file does not say
    deleted_state: str | None = None  # as the tool wrote it: "Intact", "Deleted", "Unknown"
    source_app: str | None = None  # the app a chat came from (WhatsApp, ...), when known
    saved_name: str | None = None  # the name the log shows for the party (evidence only)


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record that gave no number, kept so the officer can see what was left out."""

    position: str
    raw: str
    reason: str  # a RejectReason value


@dataclass
class Extraction:
    """Everything read from one file, for the import preview and the import itself."""

    format: str  # one of FORMATS
    records: int  # records read: rows, cards, contact models, log entries
    numbers: list[ExtractedNumber] = field(default_factory=list)
    interactions: list[ExtractedInteraction] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    # What was detected or used, for the preview: numbers, name, delimiter, encoding, ...
    columns: dict[str, object] = field(default_factory=dict)


def is_handset_source(source_app: str | None) -> bool:
    """Return True if a number came from the handset's own address book, not an app."""
    return source_app is None or source_app.strip().casefold() in _HANDSET_SOURCES
