"""The audit log for administrators: view, filter, check the chain, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires
from messaging import runtime, tenancy
from messaging.db import db
from messaging.records import audit
from messaging.records.audit import CATEGORIES
from messaging.records.audit_anchors import verify_anchored
from messaging.records.audit_checkpoints import signing_key
from messaging.records.audit_export import FORMATS, AuditFilter, export, page
from messaging.records.audit_format import read_checkpoint_files

bp = Blueprint("audit_log", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 100


class FilterError(ValueError):
    pass


def _date(name: str, *, end: bool = False) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise FilterError(f"Enter the {name} date like 2026-01-31.") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # A bare "until" date includes that whole day.
    return value + timedelta(days=1) if end and len(raw) == 10 else value


def _filter() -> AuditFilter:
    category = request.args.get("category", "").strip()
    if category and category not in CATEGORIES:
        raise FilterError("Choose a category from the list.")
    return AuditFilter(
        category=category,
        action=request.args.get("action", "").strip()[:60],
        actor=request.args.get("actor", "").strip()[:120],
        object_type=request.args.get("object_type", "").strip()[:40],
        object_id=request.args.get("object_id", "").strip()[:64],
        since=_date("since"),
        until=_date("until", end=True),
    )


@bp.route("/")
@requires("audit:read")
def index():  # type: ignore[no-untyped-def]
    try:
        where = _filter()
    except FilterError as exc:
        return _page([], error=str(exc)), 400
    before = request.args.get("before", type=int)
    events = page(db.session, where, before_id=before, size=PAGE_SIZE)
    record(
        "consultation",
        "audit_log_viewed",
        "audit_log",
        details={"filter": where.as_details(), "entries_shown": len(events)},
    )
    older_url = None
    if len(events) == PAGE_SIZE:
        args = {k: v for k, v in request.args.items() if k != "before"}
        older_url = url_for("audit_log.index", before=events[-1].id, **args)
    return _page(events, older_url=older_url)


def _page(events: list, *, error: str | None = None, older_url: str | None = None) -> str:  # type: ignore[type-arg]
    return render_template(
        "audit/index.html",
        events=events,
        error=error,
        categories=sorted(CATEGORIES),
        form=request.args,
        older_url=older_url,
        formats=FORMATS,
    )


@bp.route("/verify")
@requires("audit:read")
def verify():  # type: ignore[no-untyped-def]
    settings = runtime.current().settings
    # Against the checkpoint file too when this server keeps it (a worker host may).
    anchored = settings.audit_checkpoint_path.is_file()
    if anchored:
        public = signing_key(settings.audit_signing_key).public_key()
        files = read_checkpoint_files([settings.audit_checkpoint_path])
        check = verify_anchored(db.session, files, [public])
    else:
        check = audit.verify(db.session)
    db.session.rollback()
    record(
        "administration",
        "audit_chain_verified",
        "audit_log",
        details={
            "ok": check.ok,
            "entries": check.entries,
            "first_broken_id": check.first_broken_id,
            "checkpoints": check.checkpoints,
        },
    )
    page_ = render_template("audit/verify.html", check=check, anchored=anchored)
    return page_, 200 if check.ok else 409


@bp.route("/export")
@requires("audit:read")
def download():  # type: ignore[no-untyped-def]
    fmt = request.args.get("format", "csv")
    try:
        where = _filter()
        if fmt not in FORMATS:
            raise FilterError("Choose CSV or JSON.")
    except FilterError as exc:
        return _page([], error=str(exc)), 400
    user = current_user()
    # The export is logged before it streams: a download that is cut off was still a
    # disclosure of whatever reached the browser.
    record(
        "disclosure",
        "audit_log_exported",
        "audit_log",
        details={"format": fmt, "filter": where.as_details()},
        recipient=f"user:{user.id} {user.email} (download)",
        reason=request.args.get("reason", "").strip()[:500],
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    mimetype = "text/csv" if fmt == "csv" else "application/json"

    # The stream is read after the request has ended and left its force's scope (Flask
    # tears the request down before the body is iterated): its session keeps the scope.
    scope = tenancy.current_scope()

    def body():  # type: ignore[no-untyped-def]
        with db.transaction() as session:
            session.info["force_scope"] = scope
            yield from export(session, where, fmt)

    return Response(
        stream_with_context(body()),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="pester-audit-{stamp}.{fmt}"'},
    )
