"""The home page: what needs doing now, for whoever is signed in."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from sqlalchemy import func, select

from campaigns.auth import current_user
from campaigns.line_facts import retention_by_line
from campaigns.permissions import PUBLIC, requires, role_has
from messaging.db import db
from messaging.models import AuditEvent, Campaign, CampaignState, Contact, Line, Reply

bp = Blueprint("home", __name__)
S = CampaignState


def _urgent_replies() -> list[Reply]:
    """Urgent disclosures nobody has handled yet, oldest (longest waiting) first."""
    return list(
        db.session.scalars(
            select(Reply)
            .where(Reply.urgent.is_(True), Reply.handled_at.is_(None))
            .order_by(Reply.received_at)
            .limit(20)
        )
    )


def _needs_me(user_id: int, role: str) -> dict[str, list[Campaign]]:
    """Campaigns waiting on this person: to approve, to fix, to launch, or running now."""
    session = db.session
    needs: dict[str, list[Campaign]] = {}
    if role_has(role, "campaigns:approve"):
        needs["approve"] = list(
            session.scalars(
                select(Campaign)
                .where(Campaign.state == S.AWAITING_APPROVAL, Campaign.created_by_id != user_id)
                .order_by(Campaign.submitted_at)
            )
        )
    if role_has(role, "campaigns:write"):
        mine = Campaign.created_by_id == user_id
        needs["sent_back"] = list(
            session.scalars(
                select(Campaign).where(
                    mine, Campaign.state == S.DRAFT, Campaign.review_comment != ""
                )
            )
        )
        needs["drafts"] = list(
            session.scalars(
                select(Campaign)
                .where(mine, Campaign.state == S.DRAFT, Campaign.review_comment == "")
                .order_by(Campaign.updated_at.desc())
                .limit(10)
            )
        )
    if role_has(role, "campaigns:control"):
        needs["launch"] = list(
            session.scalars(
                select(Campaign).where(Campaign.state == S.APPROVED).order_by(Campaign.approved_at)
            )
        )
        needs["running"] = list(
            session.scalars(
                select(Campaign).where(Campaign.state.in_((S.SENDING, S.PAUSED, S.SCHEDULED)))
            )
        )
    return needs


@bp.route("/")
@requires("dashboard")
def index():  # type: ignore[no-untyped-def]
    user = current_user()
    if role_has(user.role, "national:read") and "national.index" in current_app.view_functions:
        return redirect(url_for("national.index"))  # the NCLCC's home is the national picture
    session = db.session
    by_state = dict(
        session.execute(select(Campaign.state, func.count()).group_by(Campaign.state)).all()
    )
    open_lines = []
    counts: dict[int, int] = {}
    retention = {}
    if role_has(user.role, "lines:read"):
        open_lines = list(
            session.scalars(
                select(Line)
                .where(Line.purged_at.is_(None))
                .order_by(Line.created_at.desc())
                .limit(10)
            )
        )
        ids = [line.id for line in open_lines]
        counts = dict(
            session.execute(
                select(Contact.line_id, func.count())
                .where(Contact.line_id.in_(ids), Contact.textable.is_(True))
                .group_by(Contact.line_id)
            ).all()
        )
        retention = retention_by_line(session, ids)
    recent = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "home.html",
        by_state=by_state,
        states=list(CampaignState),
        open_lines=open_lines,
        textable=counts,
        retention=retention,
        urgent=_urgent_replies() if role_has(user.role, "replies:read") else [],
        can_read_replies=role_has(user.role, "replies:read"),
        needs=_needs_me(user.id, user.role),
        recent=recent,
        can_read_campaigns=role_has(user.role, "campaigns:read"),
    )


@bp.route("/health")
@requires(PUBLIC)
def health():  # type: ignore[no-untyped-def]
    db.session.execute(select(1))
    return {"status": "ok"}
