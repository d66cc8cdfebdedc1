"""API: seized lines and importing their extractions.

Numbers: a line's own number is masked in the list, shown in full by ``GET /lines/{id}``
only to roles that may register lines (``lines:write``: the officers who typed it in), and
masked for everyone else. Rejected rows of an import report are masked.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, or_, select

from campaigns.api.errors import ApiError
from campaigns.api.masking import mask_phone
from campaigns.api.pagination import paginate
from campaigns.api.routes import Page, fetch, operation
from campaigns.api.schemas import (
    ImportForm,
    ImportReportOut,
    LineDetailOut,
    LineIn,
    LineOut,
    LineQuery,
)
from campaigns.api_tokens import token_allows, token_recipient
from campaigns.audit import record, request_origin
from campaigns.auth import current_user
from campaigns.search import line_matches
from campaigns.uploads import UploadError, safe_filename, save_upload
from messaging import runtime
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.contact_import import ImportRefused, import_contacts
from messaging.intake.extractions import ColumnMap
from messaging.intake.phone_numbers import normalise
from messaging.models import Campaign, Contact, ContactImport, Line, campaign_lines

MAX_REJECTED_SHOWN = 1000


def _line_out(line: Line, contacts: int, *, full_number: bool) -> dict[str, Any]:
    return {
        "id": line.id,
        "reference": line.reference,
        "name": line.name,
        "force_area": line.force_area,
        "operation": line.operation,
        "exhibit_reference": line.exhibit_reference,
        "line_number": line.line_number if full_number else mask_phone(line.line_number),
        "seized_on": line.seized_on,
        "retention_days": line.retention_days,
        "created_at": line.created_at,
        "purged_at": line.purged_at,
        "contacts": contacts,
    }


@operation(
    "/lines",
    tag="lines",
    summary="List seized lines",
    permission="lines:read",
    query=LineQuery,
    response=LineOut,
    paged=True,
)
def list_lines(query: dict[str, Any]) -> Page:
    """Lines, newest first; ``q`` searches references, names, operations and exhibits.
    Each line's own number is masked."""
    statement = select(Line).order_by(Line.created_at.desc(), Line.id.desc())
    if query["q"]:
        statement = statement.where(line_matches(query["q"]))
    lines, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    counts = dict(
        db.session.execute(
            select(Contact.line_id, func.count())
            .where(Contact.line_id.in_([line.id for line in lines]))
            .group_by(Contact.line_id)
        ).all()
    )
    items = [_line_out(line, counts.get(line.id, 0), full_number=False) for line in lines]
    record(  # an API read: a disclosure to the token, as for one line
        "disclosure",
        "lines_listed",
        "line",
        "",
        details={
            "shown": len(items),
            "searched": bool(query["q"]),
            "page": query["page"],
            "line_ids": [line.id for line in lines],
        },
        recipient=token_recipient(),
    )
    return Page(items, query["page"], query["per_page"], total)


@operation(
    "/lines",
    method="POST",
    tag="lines",
    summary="Register a seized line",
    permission="lines:write",
    body=LineIn,
    response=LineOut,
    status=201,
    conflicts=True,
)
def create_line(body: dict[str, Any]) -> dict[str, Any]:
    """Register a line. 409 ``duplicate_reference`` when the reference is taken; 422 when
    ``line_number`` is not a valid number. The answer shows the number in full."""
    if db.session.scalar(select(Line.id).where(Line.reference == body["reference"])):
        raise ApiError(
            409,
            "duplicate_reference",
            "A line with that reference already exists.",
            fields={"reference": ["A line with that reference already exists."]},
        )
    number = body.pop("line_number", None)
    normalised = normalise(number) if number else None
    if normalised is not None and normalised.e164 is None:
        raise ApiError(
            422,
            "validation_failed",
            "Some fields are not valid.",
            fields={"line_number": ["That is not a valid phone number."]},
        )
    settings = runtime.current().settings
    retention = body.pop("retention_days", None) or settings.default_retention_days
    line = Line(**body, retention_days=retention, created_by_id=current_user().id)
    if normalised is not None:
        line.line_number = normalised.e164
        line.line_number_hash = lookup_hash(normalised.e164)  # type: ignore[arg-type]
    db.session.add(line)
    db.session.flush()
    record("collection", "line_registered", "line", line.id, commit=False)
    db.session.commit()
    return _line_out(line, 0, full_number=True)


@operation(
    "/lines/<int:line_id>",
    tag="lines",
    summary="One line with its contacts by kind and its imports",
    permission="lines:read",
    response=LineDetailOut,
)
def get_line(line_id: int) -> dict[str, Any]:
    """A line's provenance and counts (never its contacts' numbers). The line's own number
    is in full for ``lines:write`` roles, masked for others. Audited as a disclosure."""
    line = fetch(Line, line_id, "Line")
    session = db.session
    by_kind = dict(
        session.execute(
            select(Contact.kind, func.count())
            .where(Contact.line_id == line.id)
            .group_by(Contact.kind)
        ).all()
    )
    textable = session.scalar(
        select(func.count()).where(Contact.line_id == line.id, Contact.textable.is_(True))
    )
    flagged = session.scalar(
        select(func.count()).where(
            Contact.line_id == line.id,
            or_(Contact.suppressed_at_import.is_(True), Contact.do_not_contact_at_import.is_(True)),
        )
    )
    imports = session.scalars(
        select(ContactImport).where(ContactImport.line_id == line.id).order_by(ContactImport.id)
    ).all()
    campaign_ids = session.scalars(
        select(Campaign.id)
        .join(campaign_lines)
        .where(campaign_lines.c.line_id == line.id)
        .order_by(Campaign.id)
    ).all()
    full_number = token_allows("lines:write")
    out = _line_out(line, sum(by_kind.values()), full_number=full_number)
    out.update(
        contacts_by_kind=by_kind,
        textable=textable or 0,
        flagged=flagged or 0,
        imports=[_import_out(item) for item in imports],
        campaign_ids=list(campaign_ids),
    )
    record(
        "disclosure",
        "line_read",
        "line",
        line.id,
        details={"contacts": out["contacts"], "full_number": full_number},
        recipient=token_recipient(),
    )
    return out


def _import_out(item: ContactImport) -> dict[str, Any]:
    summary = item.summary or {}
    return {
        "id": item.id,
        "filename": item.filename,
        "file_sha256": item.file_sha256,
        "format": item.format,
        "created_at": item.created_at,
        "contacts_added": int(summary.get("contacts_added", 0)),
        "rejected": int(summary.get("rejected", 0)),
    }


@operation(
    "/lines/<int:line_id>/imports",
    method="POST",
    tag="lines",
    summary="Import an extraction file into a line",
    permission="contacts:import",
    multipart=ImportForm,
    response=ImportReportOut,
)
def import_file(line_id: int, form: dict[str, Any]) -> dict[str, Any]:
    """Upload a CSV, vCard, Cellebrite XLSX or UFDR file as the multipart part ``file``.
    The whole file is imported in one transaction (or, with ``dry_run=true``, only
    reported). A file that cannot be read answers 422 ``import_refused`` with the reason;
    the same file imported twice adds nothing (``already_imported``)."""
    line = fetch(Line, line_id, "Line")
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(
            422,
            "validation_failed",
            "Attach the extraction as the multipart part 'file'.",
            fields={"file": ["Attach the extraction as the multipart part 'file'."]},
        )
    settings = runtime.current().settings
    filename = safe_filename(upload.filename)
    try:
        _token, path = save_upload(settings.instance_dir, upload, settings.max_upload_bytes)
    except UploadError as exc:
        raise ApiError(422, "validation_failed", str(exc), fields={"file": [str(exc)]}) from exc
    dry_run = form["dry_run"] == "true"
    ip, user_agent = request_origin()
    try:
        report = import_contacts(
            db.session,
            line,
            path,
            filename=filename,
            format=form["format"],
            column_map=_column_map(form),
            textable_regions=settings.textable_regions,
            user_id=current_user().id,
            ip=ip,
            user_agent=user_agent,
            dry_run=dry_run,
        )
    except ImportRefused as exc:
        db.session.rollback()
        raise ApiError(422, "import_refused", exc.message, fields={"file": [exc.message]}) from exc
    finally:
        path.unlink(missing_ok=True)
    if dry_run:
        db.session.rollback()
    else:
        if not report.already_imported:
            record(
                "collection",
                "contacts_imported",
                "line",
                line.id,
                commit=False,
                details={**report.audit_details(), "via": "api"},
            )
        db.session.commit()
    out = report.as_json()
    out["dry_run"] = dry_run
    out["rejected_count"] = len(report.rejected)
    out["rejected"] = [
        {
            "position": row["position"],
            "value": mask_phone(row["raw"] or ""),
            "reason": row["reason"],
        }
        for row in report.rejected[:MAX_REJECTED_SHOWN]
    ]
    return out


def _column_map(form: dict[str, Any]) -> ColumnMap | None:
    numbers = tuple(c.strip() for c in form["number_columns"].split(",") if c.strip())
    if not numbers:
        return None
    return ColumnMap(numbers=numbers, name=form["name_column"].strip() or None)
