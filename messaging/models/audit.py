"""The append-only, hash-chained audit log required by DPA 2018 s.62."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned


class AuditEvent(ForceOwned, Base):
    """Who did what with personal data, when, from where: ids and counts, never the data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(120))  # "user:3 a@b", "worker", "system"
    category: Mapped[str] = mapped_column(String(20))  # collection, consultation, …
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    recipient: Mapped[str] = mapped_column(String(120), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The unkeyed digest chain (SHA-256 over the previous digest and the same content):
    # anyone can recompute it, so signed checkpoints of it need no secret to check.
    digest: Mapped[str] = mapped_column(String(64))
    # The force of the actor or subject; None for the system's own entries (a trim).
    force_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("forces.id"), index=True, nullable=True
    )
    # 1: entries written before forces, whose hash does not cover force_id; 2: it does.
    chain_version: Mapped[int] = mapped_column(Integer, default=2)


class AuditHead(Base):
    """The chain's single head row: appends lock it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_digest: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(default=0)  # entries in the table now
    # After audit retention trims old entries, the chain is verified from here.
    anchor_hash: Mapped[str] = mapped_column(String(64))
    anchor_digest: Mapped[str] = mapped_column(String(64))
    # Entries audit retention has removed, ever: an entry's place in the chain since its
    # start is this plus its place among the entries left (what checkpoints count).
    trimmed: Mapped[int] = mapped_column(default=0)
    # Names this installation in its signed checkpoints (training and live are not mixed).
    installation_id: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
