"""Inbound replies: store once, link to what they answer, act on keywords, classify.

A reply is stored once per MessageSid against the outbox message it answers (the latest
text pester sent that number, from the same sender when it can tell), that message's
campaign, and the line the number came from; it belongs to that campaign's force. A reply
answering no text of ours goes to the force that last texted from the number it was sent to,
else to the force of the latest line holding the number, else to the installation's first
force. This runs in the webhook for every force (the pipeline), so each lookup that picks
a line stays inside the reply's force. Keywords act at once: STOP-type replies put
the number on the global suppression list, START / UNSTOP / YES lift it, HELP gets the help
text. The classifier's labels and reasons are stored with the reply; numbers written in it
are linked to a known line, a contact of a known line, or recorded as new.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.audience.suppression import suppress, unsuppress_by_reply
from messaging.crypto import lookup_hash
from messaging.db import utcnow
from messaging.inbound.alerts import open_first_alert
from messaging.inbound.triage.classifier import Classification, classify
from messaging.inbound.triage.keywords import KeywordAction, keyword_action
from messaging.intake.phone_numbers import normalise
from messaging.models import Contact, Line, OutboxMessage, Reply, ReplyNumber, Service
from messaging.models.campaigns import Campaign
from messaging.models.suppressions import SuppressionSource
from messaging.records import audit
from messaging.seed import ensure_a_force

log = logging.getLogger(__name__)

HELP_TEXT = (
    "This number sends public-health messages. Free, confidential drug advice: FRANK "
    "0300 123 6600. Anonymous information: Crimestoppers 0800 555 111. Emergency: 999. "
    "Reply STOP to opt out."
)
MAX_TAGS = 10
MAX_TAG_LENGTH = 30
MAX_NOTES_LENGTH = 4000
_TAG = re.compile(r"[^a-z0-9_-]+")


class InboundError(ValueError):
    """An inbound webhook that cannot be stored (no message id)."""


@dataclass(frozen=True)
class ReplyResult:
    reply_id: int
    duplicate: bool
    action: KeywordAction
    urgent: bool
    alert_id: int | None = None  # a risk alert to queue once the reply commits


def receive_reply(session: Session, params: Mapping[str, str]) -> ReplyResult:
    """Store an inbound text (once per MessageSid) and act on it."""
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    if not sid:
        raise InboundError("an inbound message needs a MessageSid")
    existing = session.scalar(select(Reply).where(Reply.provider_id == sid))
    if existing is not None:
        return ReplyResult(existing.id, True, KeywordAction.NONE, existing.urgent)
    body = params.get("Body", "")
    raw_from = params.get("From", "")
    sender_number = normalise(raw_from).e164 or raw_from
    to_sender = params.get("To", "")[:40]
    phone_hash = lookup_hash(sender_number)
    answered = _answered_message(session, phone_hash, to_sender)
    campaign = session.get(Campaign, answered.campaign_id) if answered else None
    if answered is not None:
        force_id, line_id = answered.force_id, _line_of(session, answered)
    else:
        force_id, line_id = _unanswered(session, phone_hash, to_sender)
    # The replier's own number and ours are neither listed nor treated as intelligence.
    not_intel = own_numbers(session, campaign, to_sender) | {sender_number}
    result = classify(body, service_numbers=not_intel)
    reply = Reply(
        force_id=force_id,
        provider_id=sid,
        phone_hash=phone_hash,
        phone=sender_number,
        to_sender=to_sender,
        body=body,
        received_at=utcnow(),
        line_id=line_id,
        campaign_id=campaign.id if campaign else None,
        outbox_id=answered.id if answered else None,
        tags=[],
        **triage_fields(result),
    )
    session.add(reply)
    session.flush()
    mentions = [_mention(session, reply, number) for number in result.numbers]
    session.add_all(mentions)
    match = keyword_action(body)
    _act_on_keyword(session, reply, match)
    _audit_reply(session, reply, mentions)
    alert_id = open_first_alert(session, reply)
    log.info("reply %s stored (campaign %s, urgent %s)", reply.id, reply.campaign_id, reply.urgent)
    return ReplyResult(reply.id, False, match.action, reply.urgent, alert_id)


def _act_on_keyword(session: Session, reply: Reply, match: Any) -> None:
    """STOP-type words opt the number out (nationally: every force's texts stop); START-type
    words lift an opt-out the person made themself."""
    if match.action is KeywordAction.OPT_OUT:
        suppress(
            session,
            reply.phone or "",
            source=SuppressionSource.REPLY,
            detail=f"reply {reply.id}",
            force_id=reply.force_id,
        )
    elif match.action is KeywordAction.OPT_IN:
        unsuppress_by_reply(
            session,
            reply.phone_hash or "",
            reason=f"{match.rule} reply",
            detail=f"reply {reply.id}",
        )


def _audit_reply(session: Session, reply: Reply, mentions: list[ReplyNumber]) -> None:
    audit.record_reply_received(
        session,
        reply_id=reply.id,
        campaign_id=reply.campaign_id,
        line_id=reply.line_id,
        labels=reply.labels,
        mentions=len(mentions),
        force_id=reply.force_id,
    )
    audit.record_reply_links(
        session,
        reply_id=reply.id,
        links=[(m.link, m.line_id) for m in mentions],
        force_id=reply.force_id,
    )


def triage_fields(result: Classification) -> dict[str, Any]:
    """What a reply stores of its triage: labels, kinds, reasons, urgency, queue and score."""
    return {
        "labels": [str(label) for label in result.labels],
        "risk_kinds": [str(kind) for kind in result.risk_kinds],
        "why": result.why,
        "urgent": result.urgent,
        "queue": str(result.queue),
        "score": result.score,
    }


def _answered_message(session: Session, phone_hash: str, to_sender: str) -> OutboxMessage | None:
    """The latest text pester sent to this number (from this sender when it can tell).

    A text a worker holds (claimed: at the gateway, or about to be) counts when no sent one
    does: the carrier can deliver it, and its reader answer it, a moment before the worker
    records the carrier's id.
    """
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.phone_hash == phone_hash,
            or_(OutboxMessage.provider_id.is_not(None), OutboxMessage.status == ds.CLAIMED),
            # An analyst's answer is part of the conversation, not a campaign text: a reply
            # to it still answers the campaign that started the conversation.
            OutboxMessage.campaign_id.is_not(None),
        )
        .order_by(OutboxMessage.submitted_at.desc().nulls_last(), OutboxMessage.id.desc())
    )
    exact = session.scalars(query.where(OutboxMessage.sender == to_sender).limit(1)).first()
    return exact or session.scalars(query.limit(1)).first()


def _line_of(session: Session, message: OutboxMessage) -> int | None:
    return session.scalar(select(Contact.line_id).where(Contact.id == message.contact_id))


def _unanswered(session: Session, phone_hash: str, to_sender: str) -> tuple[int, int | None]:
    """(force, line) of a reply that answers no text: see the module's docstring."""
    force_id = session.scalar(
        select(OutboxMessage.force_id)
        .where(OutboxMessage.sender == to_sender, OutboxMessage.provider_id.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    latest = select(Contact.force_id, Contact.line_id).where(Contact.phone_hash == phone_hash)
    if force_id is not None:
        latest = latest.where(Contact.force_id == force_id)
    found = session.execute(latest.order_by(Contact.id.desc()).limit(1)).first()
    if found is not None:
        return found[0], found[1]
    if force_id is None:  # a reply is never lost, even before any force was set up
        force_id = ensure_a_force(session).id
    return force_id, None


def own_numbers(session: Session, campaign: Campaign | None, to_sender: str) -> set[str]:
    """Numbers quoted back that are ours, not intelligence: the sender and the signposted
    service."""
    own = {to_sender} if to_sender.startswith("+") else set()
    if campaign is not None and campaign.service_id is not None:
        phone = session.scalar(select(Service.phone).where(Service.id == campaign.service_id))
        service = normalise(phone).e164 if phone else None
        if service:
            own.add(service)
    return own


def _mention(session: Session, reply: Reply, number: str) -> ReplyNumber:
    """Link a number written in a reply to a known line, a known contact, or nothing yet,
    among the reply's own force's lines (other forces learn of it as a cross-force link)."""
    phone_hash = lookup_hash(number)
    line_id = session.scalar(
        select(Line.id)
        .where(Line.line_number_hash == phone_hash, Line.force_id == reply.force_id)
        .order_by(Line.id)
        .limit(1)
    )
    if line_id is not None:
        link = "known_line"
    else:
        line_id = session.scalar(
            select(Contact.line_id)
            .where(Contact.phone_hash == phone_hash, Contact.force_id == reply.force_id)
            .order_by(Contact.id)
            .limit(1)
        )
        link = "known_contact" if line_id is not None else "new"
    return ReplyNumber(
        reply_id=reply.id, phone_hash=phone_hash, phone=number, link=link, line_id=line_id
    )


def mark_handled(session: Session, reply: Reply, *, user_id: int) -> bool:
    """A person has dealt with this reply (it leaves the urgent queue); False if someone
    already had (the update is conditional, so two analysts cannot both claim it)."""
    return _mark(session, reply, Reply.handled_at, Reply.handled_by_id, user_id)


def mark_reviewed(session: Session, reply: Reply, *, user_id: int) -> bool:
    """An analyst has read this reply; False if it was already reviewed."""
    return _mark(session, reply, Reply.reviewed_at, Reply.reviewed_by_id, user_id)


def _mark(session: Session, reply: Reply, at_column: Any, by_column: Any, user_id: int) -> bool:
    changed = session.execute(
        update(Reply)
        .where(Reply.id == reply.id, at_column.is_(None))
        .values({at_column: utcnow(), by_column: user_id})
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(reply)
    return bool(changed)


def parse_tags(text: str) -> list[str]:
    """Tags typed as a comma-separated list: lower case, letters, digits, - and _ only."""
    tags: list[str] = []
    for raw in text.split(","):
        tag = _TAG.sub("-", raw.strip().lower()).strip("-")[:MAX_TAG_LENGTH]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"Use at most {MAX_TAGS} tags.")
    return tags


def annotate(session: Session, reply: Reply, *, tags: list[str], notes: str) -> None:
    """Replace a reply's tags and notes (notes are personal data: stored encrypted)."""
    notes = notes.strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise ValueError(f"Notes can be at most {MAX_NOTES_LENGTH} characters.")
    reply.tags = tags
    reply.notes = notes or None
