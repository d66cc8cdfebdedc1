"""Why a whole file was refused: a code for programs, a message for the officer."""

from __future__ import annotations

import enum


class RefusalCode(enum.StrEnum):
    """Reasons a file cannot be read at all; messages live in REFUSAL_MESSAGES."""

    UNREADABLE = "unreadable"
    EMPTY_FILE = "empty_file"
    TOO_LARGE = "too_large"
    UNKNOWN_FORMAT = "unknown_format"
    NOT_TEXT = "not_text"
    BAD_ENCODING = "bad_encoding"
    CORRUPT_ZIP = "corrupt_zip"
    ZIP_BOMB = "zip_bomb"
    TOO_MANY_MEMBERS = "too_many_members"
    MISSING_REPORT = "missing_report"
    BAD_XML = "bad_xml"
    UNSAFE_XML = "unsafe_xml"
    CORRUPT_WORKBOOK = "corrupt_workbook"
    NO_CONTACTS_SHEET = "no_contacts_sheet"
    NO_VCARDS = "no_vcards"
    COLUMNS_UNCLEAR = "columns_unclear"
    UNKNOWN_COLUMN = "unknown_column"
    LINE_TOO_LONG = "line_too_long"
    TOO_MANY_RECORDS = "too_many_records"


REFUSAL_MESSAGES: dict[RefusalCode, str] = {
    RefusalCode.UNREADABLE: "The file could not be opened.",
    RefusalCode.EMPTY_FILE: "The file is empty.",
    RefusalCode.TOO_LARGE: "The file is larger than the import limit.",
    RefusalCode.UNKNOWN_FORMAT: (
        "This is not a file type that can be imported: use CSV, vCard (.vcf), a Cellebrite "
        "Excel export (.xlsx) or a Cellebrite report (.ufdr)."
    ),
    RefusalCode.NOT_TEXT: "The file is named like a text file but holds binary data.",
    RefusalCode.BAD_ENCODING: "The file's text encoding could not be read.",
    RefusalCode.CORRUPT_ZIP: "The file is a damaged or incomplete zip archive.",
    RefusalCode.ZIP_BOMB: "The archive expands to more data than the import limit.",
    RefusalCode.TOO_MANY_MEMBERS: "The archive holds more files than the import limit.",
    RefusalCode.MISSING_REPORT: "The Cellebrite report has no report.xml inside.",
    RefusalCode.BAD_XML: "The report's XML is damaged or incomplete.",
    RefusalCode.UNSAFE_XML: "The XML uses entity or DTD tricks and was not read.",
    RefusalCode.CORRUPT_WORKBOOK: "The Excel workbook is damaged and could not be read.",
    RefusalCode.NO_CONTACTS_SHEET: "The Excel workbook has no 'Contacts' sheet.",
    RefusalCode.NO_VCARDS: "The file holds no vCard (no BEGIN:VCARD line).",
    RefusalCode.COLUMNS_UNCLEAR: (
        "Which column holds the phone numbers is unclear: choose the columns to use."
    ),
    RefusalCode.UNKNOWN_COLUMN: "A chosen column is not in the file.",
    RefusalCode.LINE_TOO_LONG: "A line of the file is too long for a contacts export.",
    RefusalCode.TOO_MANY_RECORDS: "The file holds more records than the import limit.",
}


class ExtractionRefused(Exception):
    """The file cannot be read at all; ``code`` says why, ``details`` helps fix it."""

    def __init__(
        self,
        code: RefusalCode | str,
        message: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        self.code = RefusalCode(code)
        self.message = message or REFUSAL_MESSAGES[self.code]
        self.details: dict[str, object] = dict(details or {})
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
