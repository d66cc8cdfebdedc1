"""The conversation with one number: everything pester sent it and everything it sent back.

Read by the reply log's conversation page (by the number's lookup hash), with the delivery
callbacks of each text, the lines the number is on, and its opt-out history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.audience.suppression import history, suppressed_hashes
from messaging.models import (
    Campaign,
    Contact,
    DeliveryEvent,
    Line,
    OutboxMessage,
    Reply,
    Suppression,
)


@dataclass
class SentMessage:
    message: OutboxMessage
    campaign_name: str
    events: list[DeliveryEvent] = field(default_factory=list)


@dataclass
class Conversation:
    """Everything pester sent one number and everything it sent back."""

    phone_hash: str
    phone: str | None
    lines: list[tuple[int, str]]
    sent: list[SentMessage]
    replies: list[Reply]
    suppression: Suppression | None
    suppression_history: list = field(default_factory=list)
    # Opt-outs are national: one another force received still stops this force's texts.
    opted_out_elsewhere: bool = False

    def timeline(self) -> list[tuple[datetime, str, object]]:
        """Sent texts and replies in time order, as (when, kind, item)."""
        items: list[tuple[datetime, str, object]] = [
            (s.message.submitted_at or s.message.created_at, "sent", s) for s in self.sent
        ]
        items.extend((r.received_at, "reply", r) for r in self.replies)
        return sorted(items, key=lambda item: item[0])


def conversation(session: Session, phone_hash: str) -> Conversation | None:
    """The conversation with one number (by lookup hash); None when pester has none."""
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.phone_hash == phone_hash)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )
    replies = list(
        session.scalars(
            select(Reply).where(Reply.phone_hash == phone_hash).order_by(Reply.received_at)
        )
    )
    if not messages and not replies:
        return None
    names = dict(
        session.execute(
            select(Campaign.id, Campaign.name).where(
                Campaign.id.in_({m.campaign_id for m in messages})
            )
        ).all()
    )
    sent = {m.id: SentMessage(m, names.get(m.campaign_id, "")) for m in messages}
    for event in session.scalars(
        select(DeliveryEvent)
        .where(DeliveryEvent.outbox_id.in_(list(sent)))
        .order_by(DeliveryEvent.received_at, DeliveryEvent.id)
    ):
        sent[event.outbox_id].events.append(event)
    lines = [
        (line_id, reference)
        for line_id, reference in session.execute(
            select(Line.id, Line.reference)
            .join(Contact, Contact.line_id == Line.id)
            .where(Contact.phone_hash == phone_hash)
            .order_by(Line.id)
        )
    ]
    phone = next((r.phone for r in replies if r.phone), None) or next(
        (m.to for m in messages if m.to), None
    )
    suppression = session.scalar(select(Suppression).where(Suppression.phone_hash == phone_hash))
    elsewhere = suppression is None and bool(suppressed_hashes(session, [phone_hash]))
    return Conversation(
        phone_hash=phone_hash,
        phone=phone,
        lines=lines,
        sent=list(sent.values()),
        replies=replies,
        suppression=suppression,
        suppression_history=history(session, suppression.id) if suppression else [],
        opted_out_elsewhere=elsewhere,
    )
