"""The analysts' reply log: urgent disclosures first."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires
from messaging.db import db, utcnow
from messaging.models import Reply

bp = Blueprint("replies", __name__, url_prefix="/replies")


@bp.route("/")
@requires("replies:read")
def index():  # type: ignore[no-untyped-def]
    query = select(Reply).order_by(
        (Reply.urgent & Reply.handled_at.is_(None)).desc(), Reply.received_at.desc()
    )
    campaign_id = request.args.get("campaign", type=int)
    if campaign_id:
        query = query.where(Reply.campaign_id == campaign_id)
    label = request.args.get("label", "").strip()
    replies = db.session.scalars(query.limit(500)).all()
    if label:
        replies = [r for r in replies if label in (r.labels or [])]
    record("consultation", "replies_viewed", "reply", "", details={"count": len(replies)})
    return render_template("replies/index.html", replies=replies, now=utcnow(), label=label)


@bp.route("/<int:reply_id>/handled", methods=["POST"])
@requires("replies:write")
def handled(reply_id: int):  # type: ignore[no-untyped-def]
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        abort(404)
    reply.handled_at = utcnow()
    reply.handled_by_id = current_user().id
    record("alteration", "reply_handled", "reply", reply.id, commit=False)
    db.session.commit()
    flash("Marked as handled.")
    return redirect(url_for("replies.index"))
