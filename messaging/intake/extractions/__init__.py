"""Parsers for seized-phone extractions: CSV/TSV, vCard, Cellebrite Excel and UFDR reports.

``extract(path)`` returns an :class:`Extraction` of raw numbers (with saved names, labels,
source apps and deleted states), interactions (calls and messages with the line) and
rejected records, each with a position a person can find in the file. Whole files that
cannot be read raise :class:`ExtractionRefused` with a :class:`RefusalCode`. Nothing here
touches the database, and numbers are passed on as written for the normaliser.
"""

from messaging.intake.extractions.column_map import ColumnMap
from messaging.intake.extractions.detect import detect_format
from messaging.intake.extractions.dispatch import extract
from messaging.intake.extractions.errors import REFUSAL_MESSAGES, ExtractionRefused, RefusalCode
from messaging.intake.extractions.limits import ExtractionLimits
from messaging.intake.extractions.records import (
    DIRECTIONS,
    FORMATS,
    KINDS,
    REJECT_REASON_MESSAGES,
    ExtractedInteraction,
    ExtractedNumber,
    Extraction,
    RejectedRecord,
    RejectReason,
    is_handset_source,
)

__all__ = [
    "DIRECTIONS",
    "FORMATS",
    "KINDS",
    "REFUSAL_MESSAGES",
    "REJECT_REASON_MESSAGES",
    "ColumnMap",
    "ExtractedInteraction",
    "ExtractedNumber",
    "Extraction",
    "ExtractionLimits",
    "ExtractionRefused",
    "RefusalCode",
    "RejectReason",
    "RejectedRecord",
    "detect_format",
    "extract",
    "is_handset_source",
]
