"""Retention for administrators: each line's period, what the next purge would erase, and
running it now."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires
from messaging import runtime
from messaging.db import db, utcnow
from messaging.models import Line
from messaging.records.retention import line_retention, purge

bp = Blueprint("retention", __name__, url_prefix="/admin/retention")
MIN_DAYS, MAX_DAYS = 1, 3650


def _render(errors: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    settings = runtime.current().settings
    now = utcnow()
    lines = line_retention(db.session, now=now)
    preview = purge(settings, dry_run=True, now=now)
    page = render_template(
        "retention/index.html",
        lines=lines,
        now=now,
        preview=preview,
        default_days=settings.default_retention_days,
        audit_days=settings.audit_retention_days,
        errors=errors or {},
        min_days=MIN_DAYS,
        max_days=MAX_DAYS,
    )
    return page, status


@bp.route("/")
@requires("admin")
def index():  # type: ignore[no-untyped-def]
    return _render()


@bp.route("/lines/<int:line_id>", methods=["POST"])
@requires("admin")
def set_line(line_id: int):  # type: ignore[no-untyped-def]
    line = db.session.get(Line, line_id)
    if line is None:
        abort(404)
    raw = request.form.get("retention_days", "").strip()
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not MIN_DAYS <= days <= MAX_DAYS:
        message = f"Enter a whole number of days from {MIN_DAYS} to {MAX_DAYS}."
        return _render({f"line-{line.id}": message}, 400)
    previous = line.retention_days
    if days != previous:
        line.retention_days = days
        record(
            "administration",
            "retention_changed",
            "line",
            line.id,
            details={"from_days": previous, "to_days": days},
            reason=request.form.get("reason", "").strip()[:500],
            commit=False,
        )
        db.session.commit()
        flash(f"Line {line.reference} now keeps personal data for {days} days.")
    return redirect(url_for("retention.index"))


@bp.route("/purge", methods=["POST"])
@requires("admin")
def run_purge():  # type: ignore[no-untyped-def]
    if request.form.get("confirm") != "yes":
        return _render({"confirm": "Tick the box to confirm the erasure."}, 400)
    user = current_user()
    record(
        "administration",
        "purge_requested",
        "retention",
        reason=request.form.get("reason", "").strip()[:500],
    )
    report = purge(runtime.current().settings, actor=f"user:{user.id} {user.email}")
    orphans = report.orphans.replies if report.orphans else 0
    flash(
        f"Purged {len(report.lines)} lines, {orphans} replies tied to no line and "
        f"{report.audit_entries} old audit entries."
    )
    return redirect(url_for("retention.index"))
