"""Answering replies by SMS, approving free-text answers, and recording conversions.

Forms on the conversation page post here. An answer's form carries a one-time key, so a
double click or a resubmitted form finds the first answer instead of sending a second. What
an answer may say, who must approve it and what it may never reach is decided in
``messaging.inbound.answers``; these views check the permission, call it and audit nothing
themselves (the pipeline audits each step, never the text).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaigns.auth import current_user
from campaigns.permissions import may_answer_alone, requires
from messaging import runtime
from messaging.db import db
from messaging.inbound.answers import (
    AnswerRefused,
    AnswerRequest,
    decide_answer,
    request_answer,
    waiting_for_approval,
)
from messaging.inbound.conversions import ConversionRefused, record_conversion
from messaging.models import Reply, ReplyAnswer, User

log = logging.getLogger(__name__)
bp = Blueprint("answers", __name__, url_prefix="/replies")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _reply_or_404(reply_id: int) -> Reply:
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        abort(404)
    return reply


def _conversation(reply: Reply):  # type: ignore[no-untyped-def]
    if reply.phone_hash:
        return redirect(url_for("replies.conversation_view", phone_hash=reply.phone_hash))
    return redirect(url_for("replies.show", reply_id=reply.id))


def _int_or_none(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


@bp.route("/<int:reply_id>/answer", methods=["POST"])
@requires("replies:answer")
def answer(reply_id: int):  # type: ignore[no-untyped-def]
    reply = _reply_or_404(reply_id)
    key = request.form.get("request_key", "")
    if not _KEY.match(key):
        flash("The form was out of date: look at the conversation and answer again.", "error")
        return _conversation(reply)
    choice = request.form.get("response", "")
    version_id = int(choice) if choice.isdigit() else None
    if choice != "free_text" and version_id is None:
        flash("Choose a response or write an answer.", "error")
        return _conversation(reply)
    user = current_user()
    wanted = AnswerRequest(
        reply_id=reply.id,
        request_key=key,
        template_version_id=version_id,
        service_id=_int_or_none("service_id"),
        text=request.form.get("text", "") if version_id is None else "",
    )
    try:
        made, new = request_answer(
            db.session,
            wanted,
            user_id=user.id,
            responder=may_answer_alone(user),
            settings=runtime.current().settings,
        )
    except AnswerRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _conversation(reply)
    db.session.commit()  # the answer's text is queued once this commits
    if not new:
        flash("That answer was already sent from this form; nothing was sent twice.")
    elif made.state == "approved":
        flash(
            "Answer queued: it goes through the carrier now."
            if made.urgent
            else "Answer queued: it goes within the sending hours (08:00-20:00)."
        )
    else:
        flash("Your answer waits for a second person's approval (free text).")
    return _conversation(reply)


@bp.route("/answers")
@requires("replies:approve_answers")
def approvals():  # type: ignore[no-untyped-def]
    waiting = waiting_for_approval(db.session)
    authors = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({a.requested_by_id for a in waiting}))
        )
    }
    return render_template(
        "replies/answers.html", waiting=waiting, authors=authors, me=current_user()
    )


def _decide(answer_id: int, *, approve: bool):  # type: ignore[no-untyped-def]
    answer = db.session.get(ReplyAnswer, answer_id)
    if answer is None:
        abort(404)
    try:
        decide_answer(
            db.session,
            answer_id,
            user_id=current_user().id,
            approve=approve,
            settings=runtime.current().settings,
        )
    except AnswerRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("answers.approvals"))
    db.session.commit()
    flash("Approved: the answer is queued." if approve else "Refused: it will not be sent.")
    return redirect(url_for("answers.approvals"))


@bp.route("/answers/<int:answer_id>/approve", methods=["POST"])
@requires("replies:approve_answers")
def approve(answer_id: int):  # type: ignore[no-untyped-def]
    return _decide(answer_id, approve=True)


@bp.route("/answers/<int:answer_id>/refuse", methods=["POST"])
@requires("replies:approve_answers")
def refuse(answer_id: int):  # type: ignore[no-untyped-def]
    return _decide(answer_id, approve=False)


@bp.route("/<int:reply_id>/conversions", methods=["POST"])
@requires("outcomes:record")
def conversion(reply_id: int):  # type: ignore[no-untyped-def]
    reply = _reply_or_404(reply_id)
    outbox_id = _int_or_none("outbox_id")
    if reply.phone_hash is None or outbox_id is None:
        flash("Choose the campaign text this outcome followed.", "error")
        return _conversation(reply)
    try:
        new = record_conversion(
            db.session,
            phone_hash=reply.phone_hash,
            outbox_id=outbox_id,
            kind=request.form.get("kind", ""),
            user_id=current_user().id,
            reply_id=reply.id,
        )
    except ConversionRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _conversation(reply)
    db.session.commit()
    flash("Outcome recorded." if new else "That outcome was already recorded for that text.")
    return _conversation(reply)
