"""Seized deal lines, their contacts, and where each number came from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.crypto import LOOKUP_HASH_LENGTH
from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.sealed_columns import Encrypted


class Line(ForceOwned, Base):
    """A seized (or court-closed) deal line phone: the origin of a contact list."""

    __tablename__ = "lines"
    # References are the force's own: two forces may both have an "OP/1".
    __table_args__ = (UniqueConstraint("force_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))  # the line's brand, e.g. "Tony"
    force_area: Mapped[str] = mapped_column(String(120), default="")
    operation: Mapped[str] = mapped_column(String(120), default="")
    exhibit_reference: Mapped[str] = mapped_column(String(120), default="")
    line_number_hash: Mapped[str | None] = mapped_column(
        String(LOOKUP_HASH_LENGTH), index=True, nullable=True
    )
    line_number: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    seized_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=90)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purged_counts: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    contacts: Mapped[list[Contact]] = relationship(back_populates="line")


class Contact(ForceOwned, Base):
    """One distinct number found on a line (deduplicated within the line)."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("line_id", "phone_hash"),
        # Cross-force links group by number and force, then read each shared number's lines:
        # both from this index alone.
        Index("ix_contacts_phone_force_line", "phone_hash", "force_id", "line_id"),
        # A force's network groups its contacts by number, and replies' numbers are looked
        # up among them: both from this index alone, in number order.
        Index("ix_contacts_force_phone_line", "force_id", "phone_hash", "line_id"),
    )
    force_parent = ("line_id", "Line")

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed first in ix_contacts_force_phone_line rather than on its own.
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(LOOKUP_HASH_LENGTH), index=True)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)  # E.164; None once purged
    kind: Mapped[str] = mapped_column(String(20))  # mobile, landline, non_geographic
    region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    textable: Mapped[bool] = mapped_column(Boolean, default=False)
    drama: Mapped[bool] = mapped_column(Boolean, default=False)  # Ofcom's drama range
    suppressed_at_import: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact_at_import: Mapped[bool] = mapped_column(Boolean, default=False)
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[Line] = relationship(back_populates="contacts")
    sources: Mapped[list[ContactSource]] = relationship(back_populates="contact")


class ContactImport(ForceOwned, Base):
    """One extraction file imported into a line (or refused)."""

    __tablename__ = "contact_imports"
    __table_args__ = (UniqueConstraint("line_id", "file_sha256"),)
    force_parent = ("line_id", "Line")

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(10))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # counts only, no numbers
    rejected: Mapped[str | None] = mapped_column(Encrypted, nullable=True)  # JSON of rows
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactSource(ForceOwned, Base):
    """Provenance: one sighting of a number in an extraction."""

    __tablename__ = "contact_sources"
    force_parent = ("contact_id", "Contact")

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("contact_imports.id"), index=True)
    position: Mapped[str] = mapped_column(String(80))
    raw: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    saved_name: Mapped[str | None] = mapped_column(Encrypted, nullable=True)  # evidence only
    label: Mapped[str | None] = mapped_column(String(80), nullable=True)
    source_app: Mapped[str | None] = mapped_column(String(80), nullable=True)
    account: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    deleted_state: Mapped[str | None] = mapped_column(String(40), nullable=True)

    contact: Mapped[Contact] = relationship(back_populates="sources")


class Interaction(ForceOwned, Base):
    """A call or message between the line and a number, from the extraction's logs.

    ``natural_key`` identifies the event itself (number, kind, time to the second; see
    :func:`messaging.intake.import_rows.interaction_key`), so the same call read from two
    files of one line is stored once. It is None when the log gives no time.
    """

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_line_phone", "line_id", "phone_hash"),
        UniqueConstraint("line_id", "natural_key"),
    )
    force_parent = ("line_id", "Line")

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("contact_imports.id"), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(LOOKUP_HASH_LENGTH))
    kind: Mapped[str] = mapped_column(String(10))  # call, sms, chat
    direction: Mapped[str | None] = mapped_column(String(10), nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_state: Mapped[str | None] = mapped_column(String(40), nullable=True)
    natural_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DoNotContact(ForceOwned, Base):
    """Numbers never to text: officers, professionals, known victims (admin-managed).

    Each force keeps (and sees) its own list, with its own reasons; the check before a text
    goes is national (:func:`messaging.audience.suppression.blocked_hashes`).
    """

    __tablename__ = "do_not_contact"
    __table_args__ = (UniqueConstraint("force_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(LOOKUP_HASH_LENGTH), index=True)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrossForceNumber(Base):
    """A number that contacts of two or more forces hold, by keyed hash only: the national
    index :mod:`messaging.records.cross_force_index` keeps, so the national pass reads these
    few instead of grouping every force's contacts. No force's row: it names no force."""

    __tablename__ = "cross_force_numbers"

    phone_hash: Mapped[str] = mapped_column(String(LOOKUP_HASH_LENGTH), primary_key=True)
