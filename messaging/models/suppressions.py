"""The global opt-out list and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from messaging.crypto import LOOKUP_HASH_LENGTH
from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.sealed_columns import Encrypted


class SuppressionSource:
    REPLY = "reply"  # STOP / START words in an inbound reply
    ERROR_CODE = "error_code"  # the carrier refused a send with 21610 (opted out there)
    ADMIN = "admin"  # an admin lifted or reinstated one, with a reason
    MANUAL = "manual"  # an analyst or admin added a number asked for by another route


class Suppression(ForceOwned, Base):
    """A number that must not be texted; kept as a keyed hash after its number is purged.

    Opt-outs are national: one row per number, checked for every force's texts. The row
    belongs to the force that received the opt-out (the latest one, when it is made again).
    """

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(LOOKUP_HASH_LENGTH), unique=True)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20))
    source_detail: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuppressionEvent(ForceOwned, Base):
    """One change to a suppression: who or what, when, and why."""

    __tablename__ = "suppression_events"
    force_parent = ("suppression_id", "Suppression")

    id: Mapped[int] = mapped_column(primary_key=True)
    suppression_id: Mapped[int] = mapped_column(ForeignKey("suppressions.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # suppress, unsuppress
    source: Mapped[str] = mapped_column(String(20))
    source_detail: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
