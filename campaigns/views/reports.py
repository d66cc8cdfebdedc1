"""Intelligence reports: written from a reply or a cross-line finding, graded 3x5x2, listed
per line, exported as PDF and JSON. Writing and every export are audited."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from campaigns.audit import download_recipient, record
from campaigns.auth import current_user
from campaigns.permissions import requires, role_has
from campaigns.report_pdf import report_pdf
from messaging.db import db
from messaging.inbound.reports import (
    HANDLING_CODE,
    INTELLIGENCE_ASSESSMENT,
    SOURCE_EVALUATION,
    Grading,
    ReportDraft,
    ReportError,
    draft_from_reply,
    report_document,
    write_report,
)
from messaging.models import IntelligenceReport, Line, Reply

bp = Blueprint("reports", __name__, url_prefix="/reports")
LIST_LIMIT = 200


def _int_arg(source, name: str) -> int | None:  # type: ignore[no-untyped-def]
    value = source.get(name, "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


@bp.route("/")
@requires("reports:read")
def index():  # type: ignore[no-untyped-def]
    line_id = _int_arg(request.args, "line")
    query = select(IntelligenceReport).order_by(IntelligenceReport.id.desc()).limit(LIST_LIMIT)
    if line_id is not None:
        query = query.where(IntelligenceReport.line_id == line_id)
    reports = db.session.scalars(query).all()
    references = dict(db.session.execute(select(Line.id, Line.reference)).all())
    record(
        "consultation",
        "reports_listed",
        "intelligence_report",
        "",
        details={"line_id": line_id, "shown": len(reports)},
    )
    return render_template(
        "reports/index.html",
        reports=reports,
        references=references,
        line_id=line_id,
        can_write=role_has(current_user().role, "reports:write"),
    )


def _draft_from_request() -> ReportDraft:
    """The starting draft: from ``reply`` (sanitised), or a ``line`` and a ``finding``."""
    reply_id = _int_arg(request.values, "reply")
    if reply_id is not None:
        reply = db.session.get(Reply, reply_id)
        if reply is None:
            abort(404)
        return draft_from_reply(db.session, reply)
    line_id = _int_arg(request.values, "line")
    if line_id is not None and db.session.get(Line, line_id) is None:
        abort(404)
    finding = request.values.get("finding", "").strip()[:200]
    return ReportDraft(title=finding[:160], body="", line_id=line_id, finding=finding)


@bp.route("/new", methods=["GET", "POST"])
@requires("reports:write")
def new():  # type: ignore[no-untyped-def]
    draft = _draft_from_request()
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        written = ReportDraft(
            title=form.get("title", ""),
            body=form.get("body", ""),
            line_id=draft.line_id,
            reply_id=draft.reply_id,
            finding=draft.finding,
        )
        grading = Grading(
            form.get("source_evaluation", ""),
            form.get("intelligence_assessment", ""),
            form.get("handling_code", ""),
            form.get("handling_conditions", ""),
        )
        try:
            report = write_report(
                db.session,
                written,
                grading,
                author=current_user(),
                include_number=form.get("include_number") == "yes",
                number_reason=form.get("number_reason", ""),
            )
        except ReportError as exc:
            db.session.rollback()
            errors[exc.field] = exc.message
        else:
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
            return redirect(url_for("reports.show", report_id=report.id))
    return render_template(
        "reports/new.html",
        draft=draft,
        form=form,
        errors=errors,
        sources=SOURCE_EVALUATION,
        assessments=INTELLIGENCE_ASSESSMENT,
        handling=HANDLING_CODE,
    ), 422 if errors else 200


def _report_or_404(report_id: int) -> IntelligenceReport:
    report = db.session.get(IntelligenceReport, report_id)
    if report is None:
        abort(404)
    return report


@bp.route("/<int:report_id>")
@requires("reports:read")
def show(report_id: int):  # type: ignore[no-untyped-def]
    report = _report_or_404(report_id)
    document = report_document(db.session, report)
    record("consultation", "report_viewed", "intelligence_report", report.id)
    return render_template("reports/show.html", report=report, document=document)


def _export(report_id: int, fmt: str) -> Response:
    report = _report_or_404(report_id)
    document = report_document(db.session, report)
    record(
        "disclosure",
        "report_exported",
        "intelligence_report",
        report.id,
        details={"format": fmt},
        recipient=download_recipient(),
    )
    name = f"intelligence-report-{document['force']}-{report.id}.{fmt}"
    if fmt == "pdf":
        body, mimetype = report_pdf(document), "application/pdf"
    else:
        body, mimetype = json.dumps(document, ensure_ascii=False, indent=1), "application/json"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/<int:report_id>.pdf")
@requires("reports:read")
def pdf(report_id: int):  # type: ignore[no-untyped-def]
    return _export(report_id, "pdf")


@bp.route("/<int:report_id>.json")
@requires("reports:read")
def json_export(report_id: int):  # type: ignore[no-untyped-def]
    return _export(report_id, "json")
