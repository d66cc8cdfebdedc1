"""What pester says back, and what came of a campaign: analysts' answers and conversions.

An answer is an SMS an analyst sends to someone who replied, from an approved response
template or as free text (sealed at rest: it is personal data). Its outbox row is written
once it may go (at once for a template, or for free text from a responder to a reply in
the risk queue; after a second person's approval otherwise), unique per answer.

A conversion is an outcome an officer records on a conversation ("referred to service",
"engaged with treatment"), attributed to the campaign text the person answered, once per
text and kind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from messaging.crypto import LOOKUP_HASH_LENGTH
from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.sealed_columns import Encrypted


class ReplyAnswer(ForceOwned, Base):
    """An analyst's SMS answer to one reply (of the reply's force)."""

    __tablename__ = "reply_answers"
    force_parent = ("reply_id", "Reply")

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(LOOKUP_HASH_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # template, free_text
    template_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("template_versions.id"), nullable=True
    )
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    body: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    segments: Mapped[int] = mapped_column(default=1)
    # awaiting_approval, approved (its outbox row is written), refused
    state: Mapped[str] = mapped_column(String(20), index=True)
    # How it was allowed to go: template, responder (risk queue), second_person
    approval: Mapped[str] = mapped_column(String(20), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # quiet hours overridden
    # The form's one-time key: a double submit finds the first answer instead of a second.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Conversion(ForceOwned, Base):
    """An outcome recorded on a conversation, credited to the campaign text it followed
    (of that text's force)."""

    __tablename__ = "conversions"
    __table_args__ = (UniqueConstraint("outbox_id", "kind"),)
    force_parent = ("outbox_id", "OutboxMessage")

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))  # referred_to_service, engaged_with_treatment
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
