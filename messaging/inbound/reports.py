"""Intelligence reports: an analyst's write-up of a reply or a cross-line finding, graded.

Grading is the 3x5x2 system used by UK policing: a **source evaluation** (1 reliable,
2 untested, 3 not reliable), an **intelligence assessment** (A known directly to the source,
B known indirectly but corroborated, C known indirectly, D not known, E suspected to be
false) and a **handling code** (P: lawful sharing permitted; C: lawful sharing permitted
with conditions, which must then be written down).

A report is **sanitised of the replier's number** by default: wherever the replier's own
number is written in the title or text (in any of the ways people type numbers), it is
replaced by :data:`WITHHELD`. Including it is an explicit choice with a reason, which the
caller audits. Other numbers written in a reply stay: they are the intelligence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.inbound.reply_numbers import find_numbers
from messaging.models import Force, IntelligenceReport, Line, Reply, User

SOURCE_EVALUATION = {"1": "Reliable", "2": "Untested", "3": "Not reliable"}
INTELLIGENCE_ASSESSMENT = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false",
}
HANDLING_CODE = {
    "P": "Lawful sharing permitted",
    "C": "Lawful sharing permitted with conditions",
}
WITHHELD = "[replier's number withheld]"
MAX_TITLE = 160
MAX_BODY = 20_000
MIN_REASON = 10


class ReportError(ValueError):
    """A report cannot be saved as given; ``field`` says which part, the message why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Grading:
    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    handling_conditions: str = ""

    def checked(self) -> Grading:
        """The grading, validated (conditions are required for handling code C)."""
        if self.source_evaluation not in SOURCE_EVALUATION:
            raise ReportError("source_evaluation", "Choose a source evaluation: 1, 2 or 3.")
        if self.intelligence_assessment not in INTELLIGENCE_ASSESSMENT:
            raise ReportError(
                "intelligence_assessment", "Choose an intelligence assessment from A to E."
            )
        if self.handling_code not in HANDLING_CODE:
            raise ReportError("handling_code", "Choose handling code P or C.")
        conditions = " ".join(self.handling_conditions.split())
        if self.handling_code == "C" and len(conditions) < MIN_REASON:
            raise ReportError(
                "handling_conditions", "Handling code C needs its conditions written down."
            )
        return Grading(
            self.source_evaluation,
            self.intelligence_assessment,
            self.handling_code,
            conditions if self.handling_code == "C" else "",
        )

    @property
    def code(self) -> str:
        """The grade as written on the report, e.g. ``2 / B / C``."""
        return f"{self.source_evaluation} / {self.intelligence_assessment} / {self.handling_code}"


@dataclass(frozen=True)
class ReportDraft:
    title: str
    body: str
    line_id: int | None = None
    reply_id: int | None = None
    finding: str = ""


def sanitise(text: str, replier: str | None) -> str:
    """``text`` with every writing of the replier's number replaced by :data:`WITHHELD`."""
    if not replier or not text:
        return text
    spans = [(n.start, n.end) for n in find_numbers(text) if n.e164 == replier]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + WITHHELD + text[end:]
    return text.replace(replier, WITHHELD)


def draft_from_reply(session: Session, reply: Reply) -> ReportDraft:
    """A first draft from a reply: its text (without the replier's number) and its line."""
    reference = session.scalar(select(Line.reference).where(Line.id == reply.line_id))
    where = f" on line {reference}" if reference else ""
    return ReportDraft(
        title=f"Reply {reply.id}{where}",
        body=sanitise(reply.body or "", reply.phone),
        line_id=reply.line_id,
        reply_id=reply.id,
    )


def write_report(
    session: Session,
    draft: ReportDraft,
    grading: Grading,
    *,
    author: User,
    include_number: bool = False,
    number_reason: str = "",
) -> IntelligenceReport:
    """Save a graded report in the caller's transaction (the scope's force); refuses a
    report without a title or text, an incomplete grading, a line or reply the force does
    not hold, and including the replier's number without a reason."""
    grading = grading.checked()
    title = " ".join(draft.title.split())[:MAX_TITLE]
    body = draft.body.strip()
    if not title:
        raise ReportError("title", "Give the report a title.")
    if not body:
        raise ReportError("body", "Write the report.")
    if len(body) > MAX_BODY:
        raise ReportError("body", f"Keep the report to {MAX_BODY:,} characters.")
    reply = session.get(Reply, draft.reply_id) if draft.reply_id else None
    if draft.reply_id and reply is None:
        raise ReportError("reply_id", "No such reply.")
    line_id = draft.line_id if draft.line_id is not None else (reply.line_id if reply else None)
    if line_id is not None and session.get(Line, line_id) is None:
        raise ReportError("line_id", "No such line.")
    reason = " ".join(number_reason.split())
    if include_number and (reply is None or len(reason) < MIN_REASON):
        raise ReportError(
            "number_reason",
            "Say why the replier's number must be in the report (it is left out by default).",
        )
    replier = reply.phone if reply is not None and not include_number else None
    report = IntelligenceReport(
        line_id=line_id,
        reply_id=reply.id if reply else None,
        finding=draft.finding[:200],
        title=sanitise(title, replier),
        body=sanitise(body, replier),
        source_evaluation=grading.source_evaluation,
        intelligence_assessment=grading.intelligence_assessment,
        handling_code=grading.handling_code,
        handling_conditions=grading.handling_conditions,
        includes_number=bool(include_number and reply is not None),
        number_reason=reason if include_number else "",
        created_by_id=author.id,
    )
    session.add(report)
    session.flush()
    return report


def grading_of(report: IntelligenceReport) -> Grading:
    return Grading(
        report.source_evaluation,
        report.intelligence_assessment,
        report.handling_code,
        report.handling_conditions,
    )


def report_document(session: Session, report: IntelligenceReport) -> dict[str, Any]:
    """The report as one JSON-ready document (what the JSON and PDF exports hold)."""
    grading = grading_of(report)
    force = session.get(Force, report.force_id)
    author = session.get(User, report.created_by_id)
    reference = (
        session.scalar(select(Line.reference).where(Line.id == report.line_id))
        if report.line_id
        else None
    )
    return {
        "id": report.id,
        "force": force.code if force else "",
        "title": report.title,
        "line_id": report.line_id,
        "line_reference": reference,
        "reply_id": report.reply_id,
        "finding": report.finding,
        "grading": {
            "code": grading.code,
            "source_evaluation": grading.source_evaluation,
            "source_evaluation_meaning": SOURCE_EVALUATION[grading.source_evaluation],
            "intelligence_assessment": grading.intelligence_assessment,
            "intelligence_assessment_meaning": INTELLIGENCE_ASSESSMENT[
                grading.intelligence_assessment
            ],
            "handling_code": grading.handling_code,
            "handling_code_meaning": HANDLING_CODE[grading.handling_code],
            "handling_conditions": grading.handling_conditions,
        },
        "replier_number": "included" if report.includes_number else "withheld",
        "replier_number_reason": report.number_reason,
        "text": report.body or "",
        "written_by": author.email if author else "",
        "written_at": report.created_at.isoformat(),
    }


def reports_for_line(session: Session, line_id: int) -> list[IntelligenceReport]:
    return list(
        session.scalars(
            select(IntelligenceReport)
            .where(IntelligenceReport.line_id == line_id)
            .order_by(IntelligenceReport.id.desc())
        )
    )
