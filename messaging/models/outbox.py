"""The outbox: one row per text to send, carrying everything a worker needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from messaging.crypto import LOOKUP_HASH_LENGTH
from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.sealed_columns import Encrypted


class OutboxMessage(ForceOwned, Base):
    """A text to one recipient of one campaign, unique per (campaign, contact); or an
    analyst's answer to a reply (no campaign, no contact), unique per answer."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        # One text per number per campaign, even when two chosen lines share a number.
        UniqueConstraint("campaign_id", "phone_hash"),
        Index("ix_outbox_campaign_status", "campaign_id", "status"),
        # The tick looks for claimed rows whose lease ran out, across every campaign.
        Index("ix_outbox_status_lease", "status", "lease_until"),
    )
    # A campaign's text is its campaign's force's; an analyst's answer, the answer's (the
    # force of the reply it answers).
    force_parent = (("campaign_id", "Campaign"), ("answer_id", "ReplyAnswer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), nullable=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    # An analyst's answer (messaging.inbound.answers): at most one row per answer.
    # (Replies point at outbox rows and answers at replies: this key closes the cycle, so it
    # is added after both tables exist.)
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply_answers.id", use_alter=True), unique=True, nullable=True
    )
    arm: Mapped[str | None] = mapped_column(String(1), nullable=True)  # A/B test: "A" or "B"
    phone_hash: Mapped[str | None] = mapped_column(String(LOOKUP_HASH_LENGTH), index=True)
    to: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    body: Mapped[str] = mapped_column(Text)  # a campaign's approved text ("" for answers)
    # An answer's text, sealed: free text is personal data (see ``text``).
    private_body: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    sender: Mapped[str] = mapped_column(String(40))
    segments: Mapped[int] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # may send in quiet hours
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def text(self) -> str:
        """What was (or will be) sent: the answer's sealed text, else the campaign's."""
        return self.private_body if self.private_body is not None else self.body


class DeliveryEvent(ForceOwned, Base):
    """A status callback as received; kept even when its message id is unknown."""

    __tablename__ = "delivery_events"
    force_parent = ("outbox_id", "OutboxMessage")

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), index=True)
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # without To/From/Body
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for a callback about no text pester knows: no force's, seen by the pipeline only.
    force_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("forces.id"), index=True, nullable=True
    )


class TestSend(ForceOwned, Base):
    """A test text to an officer's own phone; never counts as a campaign send."""

    __tablename__ = "test_sends"
    __test__ = False  # not a pytest test class, whatever its name
    force_parent = ("campaign_id", "Campaign")

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
