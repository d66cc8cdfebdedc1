"""The opt-out list: who must never be texted, each change's history, and by-hand changes.

Analysts and admins see the list and add numbers by hand (recipients of a one-way
alphanumeric sender cannot reply STOP, so their opt-outs arrive by phone, email or in
person). Only an admin can undo a change, and only with a reason; both are audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires, role_has
from messaging.audience.suppression import SuppressionError, add_by_hand, history, lift, reinstate
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.phone_numbers import normalise
from messaging.models import Suppression, User

bp = Blueprint("suppressions", __name__, url_prefix="/opt-outs")
PER_PAGE = 100


@bp.route("/")
@requires("suppressions:write")
def index():  # type: ignore[no-untyped-def]
    state = request.args.get("state", "active")
    if state not in ("active", "lifted", "all"):
        state = "active"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = select(Suppression)
    if state != "all":
        query = query.where(Suppression.active.is_(state == "active"))
    q = request.args.get("q", "").strip()[:40]
    searched = None
    if q:
        searched = normalise(q).e164
        if searched is None:
            flash("Search for a whole phone number.", "error")
        query = query.where(Suppression.phone_hash == lookup_hash(searched or ""))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Suppression.updated_at.desc(), Suppression.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    record(
        "consultation",
        "opt_outs_viewed",
        "suppression",
        "",
        details={"state": state, "search": bool(q), "count": len(rows), "total": total},
    )
    return render_template(
        "suppressions/index.html",
        rows=rows,
        state=state,
        q=q,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        total=total,
        form=request.form,
        errors={},
    )


@bp.route("/add", methods=["POST"])
@requires("suppressions:write")
def add():  # type: ignore[no-untyped-def]
    try:
        row = add_by_hand(
            db.session,
            request.form.get("number", ""),
            actor_id=current_user().id,
            reason=request.form.get("reason", ""),
        )
    except SuppressionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("suppressions.index"))
    record(
        "alteration", "opt_out_added", "suppression", row.id, reason="added by hand", commit=False
    )
    db.session.commit()
    flash("Number opted out. Its queued texts were cancelled.")
    return redirect(url_for("suppressions.show", suppression_id=row.id))


def _row_or_404(suppression_id: int) -> Suppression:
    row = db.session.get(Suppression, suppression_id)
    if row is None:
        abort(404)
    return row


@bp.route("/<int:suppression_id>")
@requires("suppressions:write")
def show(suppression_id: int):  # type: ignore[no-untyped-def]
    row = _row_or_404(suppression_id)
    events = history(db.session, row.id)
    actors = dict(
        db.session.execute(
            select(User.id, User.email).where(
                User.id.in_({e.actor_id for e in events if e.actor_id})
            )
        ).all()
    )
    record("consultation", "opt_out_viewed", "suppression", row.id)
    return render_template(
        "suppressions/show.html",
        row=row,
        events=events,
        actors=actors,
        can_undo=role_has(current_user().role, "admin"),
    )


@bp.route("/<int:suppression_id>/lift", methods=["POST"])
@requires("admin")
def lift_view(suppression_id: int):  # type: ignore[no-untyped-def]
    return _undo(
        suppression_id, lift, "opt_out_lifted", "Opt-out lifted: this number may be texted again."
    )


@bp.route("/<int:suppression_id>/reinstate", methods=["POST"])
@requires("admin")
def reinstate_view(suppression_id: int):  # type: ignore[no-untyped-def]
    return _undo(suppression_id, reinstate, "opt_out_reinstated", "Opt-out reinstated.")


def _undo(suppression_id: int, change, action: str, done: str):  # type: ignore[no-untyped-def]
    row = _row_or_404(suppression_id)
    reason = request.form.get("reason", "")
    try:
        change(db.session, row.id, actor_id=current_user().id, reason=reason)
    except SuppressionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("suppressions.show", suppression_id=row.id))
    record(
        "alteration", action, "suppression", row.id, reason=" ".join(reason.split()), commit=False
    )
    db.session.commit()
    flash(done)
    return redirect(url_for("suppressions.show", suppression_id=row.id))
