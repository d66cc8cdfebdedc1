"""The analysts' reply log: urgent disclosures first, filters, search, conversations, triage.

Every page that shows replies is audited as a consultation (ids and counts, never text or
numbers); every change (handled, reviewed, tags and notes) as an alteration.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError, fields, validate
from sqlalchemy import select

from campaigns.audit import record
from campaigns.auth import current_user, local_path
from campaigns.forms import BlankToNone
from campaigns.permissions import requires, role_has
from messaging.audience.cross_force import cross_force_links
from messaging.db import db, utcnow
from messaging.inbound.conversations import conversation
from messaging.inbound.intelligence import mention_context
from messaging.inbound.replies import annotate, mark_handled, mark_reviewed, parse_tags
from messaging.inbound.reply_log import (
    LABELS,
    SEARCH_WINDOW,
    SORTS,
    ReplyFilter,
    find_replies,
    mentions_of,
    names_for,
    needs_person_queue,
    urgent_queue,
)
from messaging.inbound.triage.queues import QUEUES
from messaging.models import Campaign, Line, Reply

bp = Blueprint("replies", __name__, url_prefix="/replies")
PER_PAGE = 50
YES_NO = validate.OneOf(["yes", "no"], error="Choose yes, no or any.")


class ReplyFilterForm(BlankToNone):
    """The reply log's filter, as typed in the query string."""

    line = fields.Integer(
        validate=validate.Range(min=1), error_messages={"invalid": "Choose a line."}
    )
    campaign = fields.Integer(
        validate=validate.Range(min=1), error_messages={"invalid": "Choose a campaign."}
    )
    label = fields.String(validate=validate.OneOf(LABELS, error="Choose a label from the list."))
    received_from = fields.Date(
        data_key="from", error_messages={"invalid": "Enter a real date, like 2026-11-25."}
    )
    received_to = fields.Date(
        data_key="to", error_messages={"invalid": "Enter a real date, like 2026-11-25."}
    )
    handled = fields.String(validate=YES_NO)
    reviewed = fields.String(validate=YES_NO)
    intel = fields.String(validate=YES_NO)
    urgent = fields.String(validate=YES_NO)
    tag = fields.String(
        validate=validate.Regexp(r"^[a-z0-9_-]{1,30}$", error="Tags are lower-case words.")
    )
    queue = fields.String(validate=validate.OneOf(QUEUES, error="Choose a queue from the list."))
    sort = fields.String(
        validate=validate.OneOf(SORTS, error="Sort by newest or by queue."), load_default="newest"
    )
    q = fields.String(validate=validate.Length(max=200, error="Search for at most 200 characters."))
    page = fields.Integer(validate=validate.Range(min=1), load_default=1)


def parse_filter(args: Any) -> tuple[ReplyFilter, int, dict[str, str]]:
    """The filter from a query string, the page asked for, and any errors (field → message)."""
    try:
        data = ReplyFilterForm().load(args)
    except ValidationError as exc:
        errors = {
            ("from" if k == "received_from" else "to" if k == "received_to" else k): (
                v[0] if isinstance(v, list) else str(v)
            )
            for k, v in exc.normalized_messages().items()
        }
        return ReplyFilter(), 1, errors
    start, end = data.get("received_from"), data.get("received_to")
    if start and end and end < start:
        return ReplyFilter(), 1, {"to": "The end date must be on or after the start date."}

    def flag(name: str) -> bool | None:
        return None if name not in data else data[name] == "yes"

    return (
        ReplyFilter(
            line_id=data.get("line"),
            campaign_id=data.get("campaign"),
            label=data.get("label"),
            received_from=start,
            received_to=end,
            handled=flag("handled"),
            reviewed=flag("reviewed"),
            intelligence=flag("intel"),
            urgent=flag("urgent"),
            tag=data.get("tag"),
            queue=data.get("queue"),
            sort=data["sort"],
            q=data.get("q", ""),
        ),
        data["page"],
        {},
    )


def _choices() -> tuple[list, list]:
    lines = db.session.execute(select(Line.id, Line.reference).order_by(Line.reference)).all()
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.name)
        .where(Campaign.launched_at.is_not(None))
        .order_by(Campaign.id.desc())
    ).all()
    return lines, campaigns


@bp.route("/")
@requires("replies:read")
def index():  # type: ignore[no-untyped-def]
    reply_filter, page_number, errors = parse_filter(request.args)
    urgent = urgent_queue(db.session)
    unplaced = needs_person_queue(db.session)
    page = find_replies(db.session, reply_filter, page=page_number, per_page=PER_PAGE)
    shown = page.replies
    lines, campaigns = names_for(db.session, shown + urgent + unplaced)
    mentions = mentions_of(db.session, [r.id for r in shown])
    lines_choice, campaigns_choice = _choices()
    record(
        "consultation",
        "replies_viewed",
        "reply",
        "",
        details={
            "filter": reply_filter.for_audit(),
            "count": len(shown),
            "total": page.total,
            "page": page.page,
            "reply_ids": [r.id for r in shown],
            "urgent_ids": [r.id for r in urgent],
            "needs_person_ids": [r.id for r in unplaced],
        },
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "replies/index.html",
        page=page,
        replies=shown,
        urgent=urgent,
        unplaced=unplaced,
        mentions=mentions,
        line_names=lines,
        campaign_names=campaigns,
        lines_choice=lines_choice,
        campaigns_choice=campaigns_choice,
        labels=LABELS,
        queues=QUEUES,
        form=request.args,
        args=args,
        errors=errors,
        search_window=SEARCH_WINDOW,
        now=utcnow(),
        can_write=role_has(current_user().role, "replies:write"),
        can_export=role_has(current_user().role, "replies:export"),
    )


def _reply_or_404(reply_id: int) -> Reply:
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        abort(404)
    return reply


@bp.route("/<int:reply_id>")
@requires("replies:read")
def show(reply_id: int):  # type: ignore[no-untyped-def]
    reply = _reply_or_404(reply_id)
    mentions = mentions_of(db.session, [reply.id])[reply.id]
    context = mention_context(db.session, [m.phone_hash for m in mentions])
    lines, campaigns = names_for(db.session, [reply])
    line_refs = dict(db.session.execute(select(Line.id, Line.reference)).all())
    record(
        "consultation",
        "reply_viewed",
        "reply",
        reply.id,
        details={"mentions": len(mentions)},
    )
    return render_template(
        "replies/show.html",
        reply=reply,
        mentions=mentions,
        context=context,
        line_names=lines,
        campaign_names=campaigns,
        line_refs=line_refs,
        now=utcnow(),
        can_write=role_has(current_user().role, "replies:write"),
        can_write_reports=role_has(current_user().role, "reports:write"),
    )


@bp.route("/numbers/<string(length=40):phone_hash>")
@requires("replies:read")
def conversation_view(phone_hash: str):  # type: ignore[no-untyped-def]
    talk = conversation(db.session, phone_hash)
    if talk is None:
        abort(404)
    links = cross_force_links(db.session, current_user().force_id, phone_hashes=[phone_hash])
    record(
        "consultation",
        "conversation_viewed",
        "number",
        phone_hash,
        details={
            "outbox_ids": [s.message.id for s in talk.sent],
            "reply_ids": [r.id for r in talk.replies],
        },
    )
    return render_template("replies/conversation.html", talk=talk, now=utcnow(), cross_force=links)


def _back(reply: Reply):  # type: ignore[no-untyped-def]
    target = local_path(request.form.get("next"))
    return redirect(target or url_for("replies.show", reply_id=reply.id))


@bp.route("/<int:reply_id>/handled", methods=["POST"])
@requires("replies:write")
def handled(reply_id: int):  # type: ignore[no-untyped-def]
    reply = _reply_or_404(reply_id)
    if mark_handled(db.session, reply, user_id=current_user().id):
        record("alteration", "reply_handled", "reply", reply.id, commit=False)
        db.session.commit()
        flash("Marked as handled.")
    else:
        flash("Someone had already marked that reply handled.")
    return _back(reply)


@bp.route("/<int:reply_id>/reviewed", methods=["POST"])
@requires("replies:write")
def reviewed(reply_id: int):  # type: ignore[no-untyped-def]
    reply = _reply_or_404(reply_id)
    if mark_reviewed(db.session, reply, user_id=current_user().id):
        record("alteration", "reply_reviewed", "reply", reply.id, commit=False)
        db.session.commit()
        flash("Marked as reviewed.")
    else:
        flash("That reply was already reviewed.")
    return _back(reply)


@bp.route("/<int:reply_id>/annotate", methods=["POST"])
@requires("replies:write")
def annotate_view(reply_id: int):  # type: ignore[no-untyped-def]
    reply = _reply_or_404(reply_id)
    try:
        tags = parse_tags(request.form.get("tags", ""))
        annotate(db.session, reply, tags=tags, notes=request.form.get("notes", ""))
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("replies.show", reply_id=reply.id))
    record(
        "alteration",
        "reply_annotated",
        "reply",
        reply.id,
        details={"tags": len(tags), "notes": bool(reply.notes)},
        commit=False,
    )
    db.session.commit()
    flash("Tags and notes saved.")
    return redirect(url_for("replies.show", reply_id=reply.id))
