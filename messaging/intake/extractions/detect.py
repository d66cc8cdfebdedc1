"""Tell which kind of extraction a file is: by its first bytes, then by its name."""

from __future__ import annotations

import zipfile
from pathlib import Path

from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.text_encoding import (
    decode_head,
    encoding_from_head,
    read_head,
    text_problem,
)

_HEAD_BYTES = 8 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".tab": "csv",
    ".vcf": "vcf",
    ".vcard": "vcf",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ufdr": "ufdr",
    ".xml": "ufdr",
}


def detect_format(path: Path, *, filename: str | None = None) -> str:
    """Return "csv", "vcf", "xlsx" or "ufdr" for a file, or refuse it with a reason.

    The content decides first; the name (``filename``, as uploaded, else the path's) only
    breaks ties, such as a zip holding neither a workbook nor a report.
    """
    head = read_head(path, _HEAD_BYTES)
    if not head:
        raise ExtractionRefused(RefusalCode.EMPTY_FILE)
    named = _EXTENSIONS.get(Path(filename or path.name).suffix.lower())
    if head.startswith(_ZIP_MAGIC):
        return _zip_format(path, named)
    if head.startswith(_OLE2_MAGIC):
        raise ExtractionRefused(
            RefusalCode.UNKNOWN_FORMAT,
            "This is an old Excel (.xls) file: save it as .xlsx or CSV and import that.",
        )
    encoding = encoding_from_head(head)
    if encoding is None:
        raise ExtractionRefused(_binary_code(named))
    text = decode_head(head, encoding)
    problem = text_problem(text)
    if problem is RefusalCode.NOT_TEXT:
        raise ExtractionRefused(_binary_code(named))
    if problem is not None:
        raise ExtractionRefused(problem, details={"encoding": encoding.label})
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise ExtractionRefused(RefusalCode.EMPTY_FILE)
    folded = stripped[:4096].upper()
    if folded.startswith("BEGIN:VCARD") or "\nBEGIN:VCARD" in folded:
        return "vcf"
    if stripped.startswith("<"):
        if "PA.CELLEBRITE.COM/REPORT" in folded or named == "ufdr":
            return "ufdr"
        raise ExtractionRefused(
            RefusalCode.UNKNOWN_FORMAT, "This XML or HTML file is not a Cellebrite report."
        )
    return "csv"


def _zip_format(path: Path, named: str | None) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.lower() for name in archive.namelist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionRefused(RefusalCode.CORRUPT_ZIP) from exc
    if "[content_types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(name.rsplit("/", 1)[-1] == "report.xml" for name in names):
        return "ufdr"
    if named in ("xlsx", "ufdr"):
        return named  # let the reader say what is missing
    raise ExtractionRefused(
        RefusalCode.UNKNOWN_FORMAT,
        "This zip archive holds neither an Excel workbook nor a Cellebrite report.",
    )


def _binary_code(named: str | None) -> RefusalCode:
    return RefusalCode.NOT_TEXT if named in ("csv", "vcf") else RefusalCode.UNKNOWN_FORMAT
