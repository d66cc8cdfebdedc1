"""Read a seized-phone extraction file of any supported format: the package's entry point."""

from __future__ import annotations

import logging
from pathlib import Path

from messaging.intake.extractions.cellebrite_xlsx import extract_xlsx
from messaging.intake.extractions.column_map import ColumnMap
from messaging.intake.extractions.csv_format import extract_csv
from messaging.intake.extractions.detect import detect_format
from messaging.intake.extractions.limits import ExtractionLimits, checked_file_size
from messaging.intake.extractions.records import FORMATS, Extraction
from messaging.intake.extractions.ufdr import extract_ufdr
from messaging.intake.extractions.vcard import extract_vcf

logger = logging.getLogger(__name__)


def extract(
    path: Path,
    *,
    filename: str | None = None,
    format: str = "auto",
    column_map: ColumnMap | None = None,
    limits: ExtractionLimits = ExtractionLimits(),
) -> Extraction:
    """Read every number and interaction in a file; raise ExtractionRefused if it cannot be read.

    ``filename`` is the name as uploaded (the stored path may have none). ``format`` is
    "auto" or one of FORMATS; ``column_map`` applies to CSV files only. Bad records never
    abort the file: they come back in ``Extraction.rejected``.
    """
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"format must be 'auto' or one of {FORMATS}, not {format!r}")
    size = checked_file_size(Path(path), limits)
    chosen = detect_format(Path(path), filename=filename) if format == "auto" else format
    if chosen == "csv":
        extraction = extract_csv(Path(path), column_map=column_map, limits=limits)
    elif chosen == "vcf":
        extraction = extract_vcf(Path(path), limits=limits)
    elif chosen == "xlsx":
        extraction = extract_xlsx(Path(path), limits=limits)
    else:
        extraction = extract_ufdr(Path(path), limits=limits)
    logger.info(
        "extraction read format=%s bytes=%d records=%d numbers=%d interactions=%d rejected=%d",
        chosen,
        size,
        extraction.records,
        len(extraction.numbers),
        len(extraction.interactions),
        len(extraction.rejected),
    )
    return extraction
