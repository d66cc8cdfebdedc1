"""Seized lines: register, list, view provenance, import extractions."""

from __future__ import annotations

import csv
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from campaigns.api.masking import mask_phone
from campaigns.audit import record, request_origin
from campaigns.auth import current_user
from campaigns.forms import LineForm, first_errors
from campaigns.line_facts import line_facts, retention_by_line
from campaigns.permissions import requires, role_has
from campaigns.search import line_matches
from campaigns.uploads import UploadError, safe_filename, save_upload, upload_path
from campaigns.views.imports import REJECTED_SHOWN
from messaging import runtime
from messaging.audience.cross_force import cross_force_links
from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.inbound.reports import reports_for_line
from messaging.intake.contact_import import ImportRefused, import_contacts
from messaging.intake.extractions import ColumnMap
from messaging.intake.import_jobs import queue_import
from messaging.intake.phone_numbers import normalise
from messaging.models import Contact, Line

bp = Blueprint("lines", __name__, url_prefix="/lines")
MAPPABLE = frozenset({"columns_unclear", "unknown_column"})  # refusals a column choice fixes
LIST_LIMIT = 200


@bp.route("/")
@requires("lines:read")
def index():  # type: ignore[no-untyped-def]
    q = request.args.get("q", "").strip()[:120]
    show = request.args.get("show", "open")
    if show not in ("open", "purged", "all"):
        show = "open"
    query = select(Line).order_by(Line.created_at.desc())
    if show != "all":
        query = query.where(
            Line.purged_at.is_(None) if show == "open" else Line.purged_at.is_not(None)
        )
    if q:
        query = query.where(line_matches(q))
    lines = db.session.scalars(query.limit(LIST_LIMIT + 1)).all()
    more = len(lines) > LIST_LIMIT
    lines = lines[:LIST_LIMIT]
    ids = [line.id for line in lines]
    counts = dict(
        db.session.execute(
            select(Contact.line_id, func.count())
            .where(Contact.line_id.in_(ids))
            .group_by(Contact.line_id)
        ).all()
    )
    record(
        "consultation",
        "lines_listed",
        "line",
        "",
        details={"shown": len(lines), "searched": bool(q), "show": show},
    )
    return render_template(
        "lines/index.html",
        lines=lines,
        counts=counts,
        retention=retention_by_line(db.session, ids),
        q=q,
        show=show,
        more=more,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("lines:write")
def new():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = LineForm().load(request.form)
        except ValidationError as exc:
            errors = first_errors(exc)
        else:
            if db.session.scalar(select(Line.id).where(Line.reference == data["reference"])):
                errors["reference"] = "A line with that reference already exists."
            number = data.pop("line_number", None)
            normalised = normalise(number) if number else None
            if normalised is not None and normalised.e164 is None:
                errors["line_number"] = "That is not a valid phone number."
            if not errors:
                settings = runtime.current().settings
                line = Line(
                    **{k: v for k, v in data.items() if k != "retention_days"},
                    retention_days=data.get("retention_days") or settings.default_retention_days,
                    created_by_id=current_user().id,
                )
                if normalised is not None:
                    line.line_number = normalised.e164
                    line.line_number_hash = lookup_hash(normalised.e164)
                db.session.add(line)
                db.session.flush()
                record("collection", "line_registered", "line", line.id, commit=False)
                db.session.commit()
                flash(f"Line {line.reference} registered. Now import its extraction.")
                return redirect(url_for("lines.show", line_id=line.id))
    return render_template("lines/new.html", errors=errors, form=request.form), (
        422 if errors else 200
    )


def _line_or_404(line_id: int) -> Line:
    line = db.session.get(Line, line_id)
    if line is None:
        abort(404)
    return line


@bp.route("/<int:line_id>")
@requires("lines:read")
def show(line_id: int):  # type: ignore[no-untyped-def]
    line = _line_or_404(line_id)
    facts = line_facts(db.session, line)
    links = cross_force_links(db.session, line.force_id, line_id=line.id)
    role = current_user().role
    reports = reports_for_line(db.session, line.id) if role_has(role, "reports:read") else None
    record(
        "consultation",
        "line_viewed",
        "line",
        line.id,
        details={
            "contacts": facts.contacts,
            "imports": len(facts.imports),
            "cross_force_numbers": len(links.numbers),
            "cross_force_forces": len(links.forces),
        },
    )
    return render_template(
        "lines/show.html",
        line=line,
        facts=facts,
        now=utcnow(),
        cross_force=links,
        reports=reports,
        can_write_reports=role_has(role, "reports:write"),
    )


@bp.route("/<int:line_id>/import", methods=["POST"])
@requires("contacts:import")
def upload(line_id: int):  # type: ignore[no-untyped-def]
    """Step 1: store the file and show a preview of what importing it would do."""
    line = _line_or_404(line_id)
    settings = runtime.current().settings
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Choose a file to import.", "error")
        return redirect(url_for("lines.show", line_id=line.id))
    filename = safe_filename(file.filename)
    try:
        token, path = save_upload(settings.instance_dir, file, settings.max_upload_bytes)
    except UploadError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lines.show", line_id=line.id))
    return _preview(line, token, path, filename, request.form.get("format", "auto"), _column_map())


def _column_map() -> ColumnMap | None:
    """The officer's columns: one ``number_column`` field per column (the preview and the
    column chooser send these, so a header may hold commas), or the upload form's typed
    ``number_columns`` list, where a name with a comma is written in double quotes."""
    numbers = [c.strip() for c in request.form.getlist("number_column") if c.strip()]
    if not numbers:
        numbers = _split_typed(request.form.get("number_columns", ""))
    if not numbers:
        return None
    return ColumnMap(numbers=tuple(numbers), name=request.form.get("name_column") or None)


def _split_typed(text: str) -> list[str]:
    """``Mobile, "Phone, home"`` → ``["Mobile", "Phone, home"]``."""
    if not text.strip():
        return []
    row = next(csv.reader([text], skipinitialspace=True), [])
    return [c.strip() for c in row if c.strip()]


def _preview(  # type: ignore[no-untyped-def]
    line: Line, token: str, path: Path, filename: str, fmt: str, column_map: ColumnMap | None
):
    settings = runtime.current().settings
    try:
        report = import_contacts(
            db.session,
            line,
            path,
            filename=filename,
            format=fmt,
            column_map=column_map,
            textable_regions=settings.textable_regions,
            dry_run=True,
        )
    except ImportRefused as exc:
        db.session.rollback()
        if exc.code in MAPPABLE and exc.details.get("headers"):
            # Keep the upload: the officer says which columns hold numbers and names.
            return render_template(
                "lines/map_columns.html",
                line=line,
                refusal=exc,
                token=token,
                filename=filename,
                fmt=fmt,
                headers=[str(h) for h in exc.details["headers"]],
            ), 422
        path.unlink(missing_ok=True)
        return render_template("lines/refused.html", line=line, refusal=exc, filename=filename), 422
    db.session.rollback()
    if report.already_imported:
        path.unlink(missing_ok=True)  # nothing to confirm: do not keep the file
    return render_template(
        "lines/preview.html",
        line=line,
        report=report,
        token=token,
        filename=filename,
        fmt=fmt,
        column_map=column_map,
        mask_phone=mask_phone,
    )


@bp.route("/<int:line_id>/import/map", methods=["POST"])
@requires("contacts:import")
def map_columns(line_id: int):  # type: ignore[no-untyped-def]
    """Step 1b: preview again with the columns the officer chose."""
    line = _line_or_404(line_id)
    settings = runtime.current().settings
    try:
        path = upload_path(settings.instance_dir, request.form.get("token", ""))
    except UploadError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lines.show", line_id=line.id))
    return _preview(
        line,
        request.form["token"],
        path,
        safe_filename(request.form.get("filename")),
        request.form.get("format", "auto"),
        _column_map(),
    )


@bp.route("/<int:line_id>/import/confirm", methods=["POST"])
@requires("contacts:import")
def confirm(line_id: int):  # type: ignore[no-untyped-def]
    """Step 2: import the previewed file in one transaction."""
    line = _line_or_404(line_id)
    settings = runtime.current().settings
    try:
        path = upload_path(settings.instance_dir, request.form.get("token", ""))
    except UploadError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lines.show", line_id=line.id))
    filename = safe_filename(request.form.get("filename"))
    column_map = _column_map()
    ip, user_agent = request_origin()
    if path.stat().st_size > settings.background_import_bytes:
        # A large file imports in a worker; the officer watches a progress bar meanwhile.
        job_id = queue_import(
            runtime.current().redis,
            line_id=line.id,
            path=path,
            filename=filename,
            format=request.form.get("format", "auto"),
            number_columns=column_map.numbers if column_map else (),
            name_column=column_map.name if column_map else None,
            user_id=current_user().id,
            ip=ip,
            user_agent=user_agent,
            prefix=settings.queue_prefix,
        )
        return redirect(url_for("imports.job", line_id=line.id, job_id=job_id))
    try:
        report = import_contacts(
            db.session,
            line,
            path,
            filename=filename,
            format=request.form.get("format", "auto"),
            column_map=column_map,
            textable_regions=settings.textable_regions,
            user_id=current_user().id,
            ip=ip,
            user_agent=user_agent,
        )
    except ImportRefused as exc:
        db.session.rollback()
        path.unlink(missing_ok=True)  # refused: the officer must upload it again anyway
        return render_template("lines/refused.html", line=line, refusal=exc, filename=filename), 422
    if not report.already_imported:
        record(
            "collection",
            "contacts_imported",
            "line",
            line.id,
            commit=False,
            details=report.audit_details(),
        )
    db.session.commit()
    path.unlink(missing_ok=True)
    summary = report.as_json()
    return render_template(
        "lines/imported.html",
        line=line,
        report=report,
        summary=summary,
        rejected_rows=summary["rejected"][:REJECTED_SHOWN],
        rejected_total=len(summary["rejected"]),
    )
