"""Bounds on what one extraction may read, so a hostile file costs bounded memory and time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode

_MIB = 2**20


@dataclass(frozen=True)
class ExtractionLimits:
    """Import limits; the defaults suit one seized handset's export."""

    max_file_bytes: int = 100 * _MIB
    max_uncompressed_bytes: int = 512 * _MIB  # zip members read, summed
    max_zip_members: int = 10_000
    max_records: int = 1_000_000
    max_line_chars: int = 100_000


def checked_file_size(path: Path, limits: ExtractionLimits) -> int:
    """Return the file's size in bytes, refusing a missing, empty or oversized file unread."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionRefused(RefusalCode.UNREADABLE) from exc
    if not path.is_file():
        raise ExtractionRefused(RefusalCode.UNREADABLE, "This is not a regular file.")
    if size == 0:
        raise ExtractionRefused(RefusalCode.EMPTY_FILE)
    if size > limits.max_file_bytes:
        raise ExtractionRefused(
            RefusalCode.TOO_LARGE,
            f"The file is {_mib(size)} MB; the import limit is {_mib(limits.max_file_bytes)} MB.",
            {"size_bytes": size, "limit_bytes": limits.max_file_bytes},
        )
    return size


def check_record_count(records: int, limits: ExtractionLimits) -> None:
    """Refuse the file once it has more records than the limit allows."""
    if records > limits.max_records:
        raise ExtractionRefused(
            RefusalCode.TOO_MANY_RECORDS,
            f"The file holds more than {limits.max_records:,} records.",
            {"limit": limits.max_records},
        )


def _mib(size: int) -> str:
    return f"{size / _MIB:.1f}"
