"""The home page: what needs doing now."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from campaigns.auth import current_user
from campaigns.permissions import PUBLIC, requires, role_has
from messaging.db import db, utcnow
from messaging.models import AuditEvent, Campaign, CampaignState, Line, Reply

bp = Blueprint("home", __name__)


@bp.route("/")
@requires("dashboard")
def index():  # type: ignore[no-untyped-def]
    user = current_user()
    session = db.session
    by_state = dict(
        session.execute(select(Campaign.state, func.count()).group_by(Campaign.state)).all()
    )
    open_lines = session.scalars(
        select(Line).where(Line.purged_at.is_(None)).order_by(Line.created_at.desc()).limit(10)
    ).all()
    urgent = []
    if role_has(user.role, "replies:read"):
        urgent = session.execute(
            select(Reply.id, Reply.received_at, Reply.risk_kinds, Reply.campaign_id)
            .where(Reply.urgent.is_(True), Reply.handled_at.is_(None))
            .order_by(Reply.received_at)
            .limit(20)
        ).all()
    to_approve = []
    if role_has(user.role, "campaigns:approve"):
        to_approve = session.scalars(
            select(Campaign)
            .where(
                Campaign.state == CampaignState.AWAITING_APPROVAL,
                Campaign.created_by_id != user.id,
            )
            .order_by(Campaign.submitted_at)
        ).all()
    recent = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id.desc())
        .limit(8)
    ).all()
    return render_template(
        "home.html",
        by_state=by_state,
        states=list(CampaignState),
        open_lines=open_lines,
        urgent=urgent,
        to_approve=to_approve,
        recent=recent,
        now=utcnow(),
    )


@bp.route("/health")
@requires(PUBLIC)
def health():  # type: ignore[no-untyped-def]
    db.session.execute(select(1))
    return {"status": "ok"}
