"""Campaigns: what is sent to whom, approved by a second person."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.models.lines import Line


class CampaignState(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


campaign_lines = Table(
    "campaign_lines",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id"), primary_key=True),
    Column("line_id", ForeignKey("lines.id"), primary_key=True),
)


class Campaign(ForceOwned, Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    state: Mapped[str] = mapped_column(String(20), default=CampaignState.DRAFT, index=True)
    template_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("template_versions.id"), nullable=True
    )
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    sender: Mapped[str] = mapped_column(String(40), default="")
    placeholder_values: Mapped[dict] = mapped_column(JSON, default=dict)
    recipients_rule: Mapped[dict] = mapped_column(JSON, default=dict)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # frozen at approval
    snapshot_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The contact ids the approval covered (see messaging.audience.recipients.pack_ids): launch
    # refuses anyone outside it.
    approved_recipients: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    # Why it stopped, for programs: carrier_block, not_after, cancelled ("" while fine).
    stop_code: Mapped[str] = mapped_column(String(40), default="")
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    lines: Mapped[list[Line]] = relationship(secondary=campaign_lines)
