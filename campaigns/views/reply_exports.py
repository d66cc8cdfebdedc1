"""Exporting the filtered reply log (CSV or JSON): a disclosure, always audited."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for

from campaigns.audit import download_recipient, record
from campaigns.permissions import requires
from campaigns.views.replies import parse_filter
from messaging.db import db, utcnow
from messaging.inbound.exports import export_rows, to_csv, to_json
from messaging.inbound.reply_log import EXPORT_LIMIT, matching_ids

bp = Blueprint("reply_exports", __name__, url_prefix="/replies/export")
FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "json": ("application/json; charset=utf-8", to_json),
}


@bp.route("/replies.<any(csv, json):fmt>")
@requires("replies:export")
def export(fmt: str):  # type: ignore[no-untyped-def]
    reply_filter, _page, errors = parse_filter(request.args)
    args = {k: v for k, v in request.args.items() if k != "page"}
    if errors:
        flash("Fix the filter before exporting: " + "; ".join(errors.values()), "error")
        return redirect(url_for("replies.index", **args))
    outcome = matching_ids(db.session, reply_filter, limit=EXPORT_LIMIT + 1)
    if len(outcome.ids) > EXPORT_LIMIT:
        flash(
            f"That filter matches more than {EXPORT_LIMIT:,} replies: narrow it (dates, a line) "
            "and export in parts.",
            "error",
        )
        return redirect(url_for("replies.index", **args))
    rows = export_rows(db.session, outcome.ids)
    record(
        "disclosure",
        "replies_exported",
        "reply",
        "",
        details={
            "format": fmt,
            "filter": reply_filter.for_audit(),
            "rows": len(rows),
            "reply_ids": outcome.ids,
            "search_window_exhausted": outcome.window_exhausted,
        },
        recipient=download_recipient(),
    )
    mimetype, render = FORMATS[fmt]
    body = render(rows)
    if fmt == "csv":
        body = "\ufeff" + body  # Excel reads UTF-8 only with a byte-order mark
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        body,
        mimetype=mimetype.split(";")[0],
        headers={
            "Content-Type": mimetype,
            "Content-Disposition": f'attachment; filename="pester-replies-{stamp}.{fmt}"',
        },
    )
