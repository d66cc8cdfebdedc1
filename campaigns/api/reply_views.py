"""API: the reply log, its filters, and triage (handled, labels, tags).

Who sees what: replies are for the roles the web app gives the reply log to (``replies:read``:
analysts and supervisors), never officers, whose tokens get 403 for every reply endpoint.
Numbers in the list (the sender's and those a reply mentions) are always masked;
``GET /replies/{id}`` shows the text and the numbers in full, for the analyst to act on.
Every read is audited as a disclosure to the API token.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, select

from campaigns.api.errors import ApiError
from campaigns.api.masking import mask_phone
from campaigns.api.pagination import paginate
from campaigns.api.reply_schemas import LabelsIn, ReplyOut, ReplyQuery
from campaigns.api.routes import Page, fetch, operation
from campaigns.api_tokens import token_recipient
from campaigns.audit import record
from campaigns.auth import current_user
from messaging.db import db
from messaging.inbound.replies import MAX_TAGS, mark_handled, mark_reviewed
from messaging.inbound.reply_log import queue_order
from messaging.models import Reply, ReplyNumber


def _mentions(reply_ids: list[int]) -> dict[int, list[ReplyNumber]]:
    """The numbers each reply mentions, in one query for a whole page."""
    found: dict[int, list[ReplyNumber]] = {reply_id: [] for reply_id in reply_ids}
    for mention in db.session.scalars(
        select(ReplyNumber).where(ReplyNumber.reply_id.in_(reply_ids)).order_by(ReplyNumber.id)
    ):
        found[mention.reply_id].append(mention)
    return found


def _reply_out(
    reply: Reply, *, full_numbers: bool, mentions: list[ReplyNumber] | None = None
) -> dict[str, Any]:
    show = (lambda n: n) if full_numbers else mask_phone
    if mentions is None:
        mentions = _mentions([reply.id])[reply.id]
    return {
        "id": reply.id,
        "received_at": reply.received_at,
        "campaign_id": reply.campaign_id,
        "line_id": reply.line_id,
        "from_number": show(reply.phone),
        "body": reply.body,
        "labels": list(reply.labels or []),
        "risk_kinds": list(reply.risk_kinds or []),
        "urgent": reply.urgent,
        "queue": reply.queue,
        "score": reply.score,
        "handled_at": reply.handled_at,
        "handled_by_id": reply.handled_by_id,
        "reviewed_at": reply.reviewed_at,
        "tags": list(reply.tags or []),
        "mentions": [
            {"number": show(m.phone), "link": m.link, "line_id": m.line_id} for m in mentions
        ],
    }


@operation(
    "/replies",
    tag="replies",
    summary="List replies, urgent unhandled ones first",
    permission="replies:read",
    query=ReplyQuery,
    response=ReplyOut,
    paged=True,
)
def list_replies(query: dict[str, Any]) -> Page:
    """Filter by ``campaign``, ``line``, ``label``, ``queue``, ``urgent``, ``handled`` and
    ``since``; ``sort=queue`` orders by triage queue. Numbers are masked;
    ``GET /replies/{reply_id}`` shows them in full."""
    if query["sort"] == "queue":
        statement = select(Reply).order_by(*queue_order())
    else:
        statement = select(Reply).order_by(
            (Reply.urgent & Reply.handled_at.is_(None)).desc(),
            Reply.received_at.desc(),
            Reply.id.desc(),
        )
    if query["queue"] is not None:
        statement = statement.where(Reply.queue == query["queue"])
    if query["campaign"] is not None:
        statement = statement.where(Reply.campaign_id == query["campaign"])
    if query["line"] is not None:
        statement = statement.where(Reply.line_id == query["line"])
    if query["label"] is not None:
        # Labels come from a fixed vocabulary of [a-z_] words; match the quoted JSON item.
        label = query["label"].replace("_", "\\_")
        statement = statement.where(cast(Reply.labels, String).like(f'%"{label}"%', escape="\\"))
    if query["urgent"] is not None:
        statement = statement.where(Reply.urgent.is_(query["urgent"]))
    if query["handled"] is not None:
        handled = Reply.handled_at.is_not(None) if query["handled"] else Reply.handled_at.is_(None)
        statement = statement.where(handled)
    if query["since"] is not None:
        statement = statement.where(Reply.received_at >= query["since"])
    rows, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    mentions = _mentions([r.id for r in rows])
    items = [_reply_out(r, full_numbers=False, mentions=mentions[r.id]) for r in rows]
    record(
        "disclosure",
        "replies_listed",
        "reply",
        "",
        details={"count": len(items), "page": query["page"], "reply_ids": [r.id for r in rows]},
        recipient=token_recipient(),
    )
    return Page(items, query["page"], query["per_page"], total)


@operation(
    "/replies/<int:reply_id>",
    tag="replies",
    summary="One reply in full",
    permission="replies:read",
    response=ReplyOut,
)
def get_reply(reply_id: int) -> dict[str, Any]:
    """The reply's text, the sender's number and the numbers it mentions, in full."""
    reply = fetch(Reply, reply_id, "Reply")
    out = _reply_out(reply, full_numbers=True)
    record("disclosure", "reply_read", "reply", reply.id, recipient=token_recipient())
    return out


@operation(
    "/replies/<int:reply_id>/handled",
    method="POST",
    tag="replies",
    summary="Mark a reply handled",
    permission="replies:write",
    response=ReplyOut,
)
def mark_reply_handled(reply_id: int) -> dict[str, Any]:
    """Record that someone has dealt with the reply (marking it again changes nothing)."""
    reply = fetch(Reply, reply_id, "Reply")
    if mark_handled(db.session, reply, user_id=current_user().id):
        record("alteration", "reply_handled", "reply", reply.id, commit=False)
        db.session.commit()
    return _reply_out(reply, full_numbers=False)


@operation(
    "/replies/<int:reply_id>/labels",
    method="POST",
    tag="replies",
    summary="Add labels and tags to a reply",
    permission="replies:write",
    body=LabelsIn,
    response=ReplyOut,
)
def label_reply(reply_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Add triage ``labels`` (the classifier's vocabulary) and ``tags`` (as the reply log
    makes them); both keep their order without repeats, and the reply counts as reviewed.
    422 when the reply would have more than the most tags allowed."""
    reply = fetch(Reply, reply_id, "Reply")
    labels = list(dict.fromkeys([*(reply.labels or []), *body["labels"]]))
    tags = list(dict.fromkeys([*(reply.tags or []), *body["tags"]]))
    if len(tags) > MAX_TAGS:
        raise ApiError(
            422,
            "validation_failed",
            "Some fields are not valid.",
            fields={"tags": [f"A reply can have at most {MAX_TAGS} tags."]},
        )
    added = {
        "labels": len(labels) - len(reply.labels or []),
        "tags": len(tags) - len(reply.tags or []),
    }
    reply.labels, reply.tags = labels, tags
    db.session.flush()
    mark_reviewed(db.session, reply, user_id=current_user().id)
    record("alteration", "reply_labelled", "reply", reply.id, commit=False, details=added)
    db.session.commit()
    return _reply_out(reply, full_numbers=False)
