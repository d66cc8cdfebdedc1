"""Inbound replies: store once, link to what they answer, act on keywords, classify."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.crypto import lookup_hash
from messaging.db import utcnow
from messaging.models import Contact, Line, OutboxMessage, Reply, ReplyNumber
from messaging.models.campaigns import Campaign
from messaging.phone_numbers import normalise
from messaging.reply_classifier import classify
from messaging.reply_keywords import KeywordAction, keyword_action
from messaging.suppression import suppress, unsuppress

log = logging.getLogger(__name__)

HELP_TEXT = (
    "This number sends public-health messages. Free, confidential drug advice: FRANK "
    "0300 123 6600. Anonymous information: Crimestoppers 0800 555 111. Emergency: 999. "
    "Reply STOP to opt out."
)


@dataclass(frozen=True)
class ReplyResult:
    reply_id: int
    duplicate: bool
    action: KeywordAction
    urgent: bool


def receive_reply(session: Session, params: Mapping[str, str]) -> ReplyResult:
    """Store an inbound text (once per MessageSid) and act on it."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    existing = session.scalar(select(Reply).where(Reply.provider_id == sid))
    if existing is not None:
        return ReplyResult(existing.id, True, KeywordAction.NONE, existing.urgent)
    body = params.get("Body", "")
    sender_number = normalise(params.get("From", "")).e164 or params.get("From", "")
    phone_hash = lookup_hash(sender_number)
    answered = _answered_message(session, phone_hash, params.get("To", ""))
    campaign = session.get(Campaign, answered.campaign_id) if answered else None
    line_id = _line_of(session, answered) if answered else _line_for_number(session, phone_hash)
    result = classify(body)
    reply = Reply(
        provider_id=sid,
        phone_hash=phone_hash,
        phone=sender_number,
        to_sender=params.get("To", "")[:40],
        body=body,
        received_at=utcnow(),
        line_id=line_id,
        campaign_id=campaign.id if campaign else None,
        outbox_id=answered.id if answered else None,
        labels=[str(label) for label in result.labels],
        risk_kinds=[str(kind) for kind in result.risk_kinds],
        why=result.why,
        urgent=result.urgent,
    )
    session.add(reply)
    session.flush()
    for number in result.numbers:
        session.add(_mention(session, reply.id, number))
    match = keyword_action(body)
    if match.action is KeywordAction.OPT_OUT:
        suppress(session, sender_number, source="reply", detail=f"reply {reply.id}")
    elif match.action is KeywordAction.OPT_IN:
        unsuppress(session, phone_hash, source="reply", reason=f"START-type reply {reply.id}")
    log.info("reply %s stored (campaign %s, urgent %s)", reply.id, reply.campaign_id, reply.urgent)
    return ReplyResult(reply.id, False, match.action, reply.urgent)


def _answered_message(session: Session, phone_hash: str, to_sender: str) -> OutboxMessage | None:
    """The latest text pester sent to this number (from this sender when it can tell)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.phone_hash == phone_hash, OutboxMessage.provider_id.is_not(None))
        .order_by(OutboxMessage.submitted_at.desc(), OutboxMessage.id.desc())
    )
    exact = session.scalars(query.where(OutboxMessage.sender == to_sender).limit(1)).first()
    return exact or session.scalars(query.limit(1)).first()


def _line_of(session: Session, message: OutboxMessage) -> int | None:
    return session.scalar(select(Contact.line_id).where(Contact.id == message.contact_id))


def _line_for_number(session: Session, phone_hash: str) -> int | None:
    return session.scalar(
        select(Contact.line_id).where(Contact.phone_hash == phone_hash).order_by(Contact.id.desc())
    )


def _mention(session: Session, reply_id: int, number: str) -> ReplyNumber:
    """Link a number written in a reply to a known line, a known contact, or nothing yet."""
    phone_hash = lookup_hash(number)
    line_id = session.scalar(select(Line.id).where(Line.line_number_hash == phone_hash))
    if line_id is not None:
        link = "known_line"
    else:
        line_id = session.scalar(select(Contact.line_id).where(Contact.phone_hash == phone_hash))
        link = "known_contact" if line_id is not None else "new"
    return ReplyNumber(
        reply_id=reply_id, phone_hash=phone_hash, phone=number, link=link, line_id=line_id
    )
