"""An intelligence report as a PDF (fpdf2, pure Python): the grading first, then the text.

The PDF uses the core Helvetica font, which covers Latin-1. Punctuation a phone substitutes
(curly quotes, dashes, an ellipsis) becomes its plain form, and a compatibility form (full-
width letters, ligatures) its Latin-1 equivalent; every other character is written as its
Unicode name in brackets, never dropped or turned into ``?``: in drug texts an emoji is
often the word (``[SNOWFLAKE]``, ``[HERB]``, ``[ELECTRIC PLUG]``), and a name must not lose
its letters (``[LATIN CAPITAL LETTER L WITH STROKE]``). Emoji presentation selectors, which
carry no meaning of their own, are left out. The PDF then says that it names characters;
the JSON export holds the exact text.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fpdf import FPDF

_REPLACEMENTS = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}
_PRESENTATION_ONLY = frozenset("\ufe0e\ufe0f")  # text / emoji variation selectors
NAMED_NOTE = (
    "Characters this PDF's font cannot show are given by their Unicode names in brackets; "
    "the JSON export holds the exact text."
)


def latin1(text: str) -> str:
    """``text`` in the characters the PDF's core font can show, naming the others."""
    parts = []
    for char in unicodedata.normalize("NFC", text):
        shown = _shown(char)
        parts.append(_name(char) if shown is None else shown)
    return "".join(parts)


def names_characters(text: str) -> bool:
    """Whether :func:`latin1` names any character of ``text``."""
    return any(_shown(char) is None for char in unicodedata.normalize("NFC", text))


def _shown(char: str) -> str | None:
    """How the core font shows ``char`` (possibly as nothing); None when it must be named."""
    if char in _PRESENTATION_ONLY:
        return ""
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if _is_latin1(char):
        return char
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char and _is_latin1(compatible):
        return compatible
    return None


def _name(char: str) -> str:
    return f"[{unicodedata.name(char, f'U+{ord(char):04X}')}]"


def _is_latin1(text: str) -> bool:
    return all(ord(c) < 256 for c in text)


def report_pdf(document: dict[str, Any]) -> bytes:
    """The report (as :func:`messaging.inbound.reports.report_document` gives it) as PDF."""
    grading = document["grading"]
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Intelligence report {document['id']}"))
    pdf.set_author(latin1(document["force"]))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(width, 6, latin1(f"HANDLING CODE {grading['handling_code']}"), align="C")
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(width, 8, latin1(document["title"]))
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    facts = [
        ("Report", f"{document['force']}-{document['id']}"),
        ("Line", document["line_reference"] or "none"),
        ("Reply", str(document["reply_id"]) if document["reply_id"] else "none"),
        ("Finding", document["finding"] or "none"),
        ("Written by", f"{document['written_by']} at {document['written_at']}"),
        ("Replier's number", _number_line(document)),
    ]
    for label, value in facts:
        pdf.multi_cell(width, 5, latin1(f"{label}: {value}"))
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(width, 7, latin1(f"Grading (3x5x2): {grading['code']}"))
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 10)
    lines = [
        f"Source evaluation: {grading['source_evaluation']} - "
        f"{grading['source_evaluation_meaning']}",
        f"Intelligence assessment: {grading['intelligence_assessment']} - "
        f"{grading['intelligence_assessment_meaning']}",
        f"Handling code: {grading['handling_code']} - {grading['handling_code_meaning']}",
    ]
    if grading["handling_conditions"]:
        lines.append(f"Handling conditions: {grading['handling_conditions']}")
    for line in lines:
        pdf.multi_cell(width, 5, latin1(line))
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(width, 7, "Intelligence")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(width, 5, latin1(document["text"]))
    if any(names_characters(str(value)) for value in _texts(document)):
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(width, 4, NAMED_NOTE)
    return bytes(pdf.output())


def _texts(document: dict[str, Any]) -> list[Any]:
    grading = document["grading"]
    return [
        document["title"],
        document["text"],
        document["finding"],
        document["line_reference"],
        document["force"],
        document["written_by"],
        document.get("replier_number_reason"),
        grading["handling_conditions"],
    ]


def _number_line(document: dict[str, Any]) -> str:
    if document["replier_number"] == "included":
        return f"included ({document['replier_number_reason']})"
    return "withheld"
