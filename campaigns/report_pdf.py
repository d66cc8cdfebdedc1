"""An intelligence report as a PDF (fpdf2, pure Python): the grading first, then the text.

The PDF uses the core Helvetica font, which covers Latin-1: any other character (an emoji,
a curly quote from a phone) is written as its closest Latin-1 form or ``?``. The JSON
export holds the exact text.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fpdf import FPDF

_REPLACEMENTS = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}


def latin1(text: str) -> str:
    """``text`` in the characters the PDF's core font can show."""
    for wide, narrow in _REPLACEMENTS.items():
        text = text.replace(wide, narrow)
    text = unicodedata.normalize("NFKC", text)
    return text.encode("latin-1", errors="replace").decode("latin-1")


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
    return bytes(pdf.output())


def _number_line(document: dict[str, Any]) -> str:
    if document["replier_number"] == "included":
        return f"included ({document['replier_number_reason']})"
    return "withheld"
