"""Inbound replies and the numbers they mention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.crypto import LOOKUP_HASH_LENGTH
from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.sealed_columns import Encrypted


class Reply(ForceOwned, Base):
    """A text someone sent back; stored once per provider message id."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)
    phone_hash: Mapped[str | None] = mapped_column(String(LOOKUP_HASH_LENGTH), index=True)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    to_sender: Mapped[str] = mapped_column(String(40), default="")
    body: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), nullable=True, index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id"), nullable=True, index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"), nullable=True)
    labels: Mapped[list] = mapped_column(JSON, default=list)
    risk_kinds: Mapped[list] = mapped_column(JSON, default=list)
    why: Mapped[dict] = mapped_column(JSON, default=dict)
    # In the risk queue (a risk disclosure): messaging.inbound.triage.queues.in_risk_queue.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The triage queue (messaging.inbound.triage.queues.Queue) and the model's risk score
    # (0–1; None for replies triaged before the model, until `pester replies retriage`).
    queue: Mapped[str] = mapped_column(String(20), default="other", index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Encrypted, nullable=True)

    mentions: Mapped[list[ReplyNumber]] = relationship(back_populates="reply")


class ReplyNumber(ForceOwned, Base):
    """A phone number written in a reply, linked to what pester already knows of it."""

    __tablename__ = "reply_numbers"
    force_parent = ("reply_id", "Reply")

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    phone_hash: Mapped[str] = mapped_column(String(LOOKUP_HASH_LENGTH), index=True)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    link: Mapped[str] = mapped_column(String(20))  # known_line, known_contact, new
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), nullable=True)

    reply: Mapped[Reply] = relationship(back_populates="mentions")
