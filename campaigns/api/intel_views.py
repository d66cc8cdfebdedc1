"""API: cross-force links, the line network, intelligence reports and the national picture.

Cross-force links and the network are the signed-in force's own view; other forces appear
only as codes, contact persons and counts. The national picture is for the NCLCC role only
and holds counts, nothing else.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from campaigns.api.errors import ApiError
from campaigns.api.fields import MAX_ID, QueryInt, Text
from campaigns.api.fields import text as short_text
from campaigns.api.pagination import PageQuery, paginate
from campaigns.api.routes import Page, fetch, operation
from campaigns.api_tokens import token_recipient
from campaigns.audit import record
from campaigns.auth import current_user
from messaging.audience.cross_force import cross_force_links
from messaging.db import db
from messaging.inbound.national import national_picture
from messaging.inbound.network import line_network
from messaging.inbound.reports import (
    HANDLING_CODE,
    INTELLIGENCE_ASSESSMENT,
    SOURCE_EVALUATION,
    Grading,
    ReportDraft,
    ReportError,
    report_document,
    write_report,
)
from messaging.models import IntelligenceReport, Line


@operation(
    "/lines/<int:line_id>/cross-force-links",
    tag="intelligence",
    summary="Numbers of a line that other forces' lines hold too",
    permission="lines:read",
)
def get_cross_force_links(line_id: int) -> dict[str, Any]:
    """ "Also on N lines in M other forces": per other force its code, name, contact person,
    how many of its lines and of this line's numbers; per number (by contact, masked) the
    other forces' codes. Never another force's references, names or numbers."""
    line = fetch(Line, line_id, "Line")
    links = cross_force_links(db.session, line.force_id, line_id=line.id)
    record(
        "combination",
        "cross_force_links_read",
        "line",
        line.id,
        details={"numbers_linked": len(links.numbers), "forces": len(links.forces)},
        recipient=token_recipient(),
    )
    out = links.as_json()
    out["line_id"] = line.id
    out["numbers"] = [
        {"other_lines": n.other_lines, "other_forces": n.other_forces, "summary": n.sentence()}
        for n in links.numbers
    ]
    return out


@operation(
    "/network",
    tag="intelligence",
    summary="The force's network of lines",
    permission="replies:read",
)
def get_network() -> dict[str, Any]:
    """Nodes (lines, possible new lines) and edges, each with its kind, counts, the replies
    behind it (ids) and an explanation in words."""
    network = line_network(db.session, current_user().force_id)
    record(
        "combination",
        "line_network_read",
        "line",
        "",
        details={"nodes": len(network.nodes), "edges": len(network.edges)},
        recipient=token_recipient(),
    )
    return network.as_json()


@operation(
    "/national",
    tag="national",
    summary="Counts across every force (NCLCC only)",
    permission="national:read",
)
def get_national() -> dict[str, Any]:
    """Per force: lines, campaigns by state, texts by status, replies by label and by risk
    kind; per pair of forces: how many numbers they share. Counts only."""
    picture = national_picture(db.session)
    record(
        "consultation",
        "national_picture_read",
        "national",
        "",
        details={"forces": len(picture.forces)},
        recipient=token_recipient(),
    )
    return picture.as_json()


class ReportIn(Schema):
    title = short_text(160, blank=False, required=True)
    text = Text(required=True, validate=validate.Length(min=1, max=20_000))
    line_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    reply_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    finding = short_text(200, load_default="")
    source_evaluation = fields.String(required=True, validate=validate.OneOf(SOURCE_EVALUATION))
    intelligence_assessment = fields.String(
        required=True, validate=validate.OneOf(INTELLIGENCE_ASSESSMENT)
    )
    handling_code = fields.String(required=True, validate=validate.OneOf(HANDLING_CODE))
    handling_conditions = short_text(1000, load_default="")
    include_replier_number = fields.Boolean(load_default=False)
    number_reason = short_text(500, load_default="")


class ReportQuery(PageQuery):
    line = QueryInt(load_default=None, validate=validate.Range(min=1, max=MAX_ID))


@operation(
    "/reports",
    tag="intelligence",
    summary="List intelligence reports",
    permission="reports:read",
    query=ReportQuery,
    paged=False,
)
def list_reports(query: dict[str, Any]) -> dict[str, Any]:
    """Reports, newest first (``line`` for one line's), with their grading."""
    statement = select(IntelligenceReport).order_by(IntelligenceReport.id.desc())
    if query["line"] is not None:
        statement = statement.where(IntelligenceReport.line_id == query["line"])
    rows, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    items = [report_document(db.session, r) for r in rows]
    record(
        "disclosure",
        "reports_listed",
        "intelligence_report",
        "",
        details={"report_ids": [r.id for r in rows]},
        recipient=token_recipient(),
    )
    page = Page(items, query["page"], query["per_page"], total)
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": total}


@operation(
    "/reports",
    method="POST",
    tag="intelligence",
    summary="Write an intelligence report",
    permission="reports:write",
    body=ReportIn,
    status=201,
)
def create_report(body: dict[str, Any]) -> dict[str, Any]:
    """A graded report (3x5x2). The replier's number is withheld unless
    ``include_replier_number`` is true with a ``number_reason``; handling code C needs
    ``handling_conditions``."""
    draft = ReportDraft(
        title=body["title"],
        body=body["text"],
        line_id=body["line_id"],
        reply_id=body["reply_id"],
        finding=body["finding"],
    )
    grading = Grading(
        body["source_evaluation"],
        body["intelligence_assessment"],
        body["handling_code"],
        body["handling_conditions"],
    )
    try:
        report = write_report(
            db.session,
            draft,
            grading,
            author=current_user(),
            include_number=body["include_replier_number"],
            number_reason=body["number_reason"],
        )
    except ReportError as exc:
        db.session.rollback()
        status = 404 if exc.field in ("line_id", "reply_id") else 422
        code = "not_found" if status == 404 else "validation_failed"
        raise ApiError(status, code, exc.message, fields={exc.field: [exc.message]}) from exc
    record(
        "collection",
        "report_written",
        "intelligence_report",
        report.id,
        details={
            "line_id": report.line_id,
            "reply_id": report.reply_id,
            "grading": f"{report.source_evaluation}{report.intelligence_assessment}"
            f"{report.handling_code}",
            "replier_number_included": report.includes_number,
        },
        reason=report.number_reason,
        commit=False,
    )
    db.session.commit()
    return report_document(db.session, report)


@operation(
    "/reports/<int:report_id>",
    tag="intelligence",
    summary="One intelligence report, as its JSON export",
    permission="reports:read",
)
def get_report(report_id: int) -> dict[str, Any]:
    """The report with its grading and text (as the JSON export)."""
    report = fetch(IntelligenceReport, report_id, "Report")
    record(
        "disclosure",
        "report_exported",
        "intelligence_report",
        report.id,
        details={"format": "json"},
        recipient=token_recipient(),
    )
    return report_document(db.session, report)
