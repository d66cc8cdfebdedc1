"""Risk alerts: who was told about a reply in the risk queue, through which channel, when.

An alert is one round of telling (the first, then one per repeat interval while the reply
waits to be handled), unique per (reply, round) so two workers' ticks cannot both open the
same round. Each alert has one delivery per configured channel (e-mail, webhook), and each
delivery records its attempts. Nothing here holds a number or reply text: an alert names
the reply by id only, and its force is the reply's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned


class Alert(ForceOwned, Base):
    """One round of alerting about one reply."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("reply_id", "round"),)
    force_parent = ("reply_id", "Reply")

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 1 for the first alert, then 2, 3, …
    # open (deliveries under way), sent (every channel delivered), failed (a channel gave
    # up), stood_down (the reply was handled before it went)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    deliveries: Mapped[list[AlertDelivery]] = relationship(
        back_populates="alert", order_by="AlertDelivery.id"
    )


class AlertDelivery(ForceOwned, Base):
    """One alert through one channel: claimed with a lease, retried with backoff."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel"),
        Index("ix_alert_deliveries_status_due", "status", "next_attempt_at"),
    )
    force_parent = ("alert_id", "Alert")

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email, webhook
    target: Mapped[str] = mapped_column(String(255), default="")  # without secrets
    # pending, sending (leased), sent, failed (gave up), stood_down
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    alert: Mapped[Alert] = relationship(back_populates="deliveries")


class AlertAttempt(ForceOwned, Base):
    """One try at one delivery, kept whatever came of it."""

    __tablename__ = "alert_attempts"
    force_parent = ("delivery_id", "AlertDelivery")

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(200), default="")
