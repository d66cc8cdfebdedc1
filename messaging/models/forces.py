"""Police forces (tenants): every force-owned row belongs to exactly one of them.

A model joins the scope with one declaration: inherit :class:`ForceOwned` (the migration
adds its ``force_id``). A row whose force follows from a parent row names that parent with
``force_parent`` (the foreign key's attribute and the parent model's name; or several such
pairs when it has one of several kinds of parent), so its force is filled in, and checked,
from the parent when it is written (:mod:`messaging.tenancy`).

Reference data a campaign draws on (the services directory, SMS templates) inherits
:class:`SharedOrForceOwned` instead: a row is national (``force_id`` NULL: the shipped
templates and national services, shared by every force and changed only by the system
operator, outside any force's scope) or one force's own (seen and changed by that force
alone). Inside a force's scope such rows read as national plus the force's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from messaging.db import Base, UTCDateTime, utcnow

FORCE_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,11}$"  # WMP, GMP, BTP, NCLCC, DEFAULT


class Force(Base):
    """A police force (or a national body such as the NCLCC) using this installation."""

    __tablename__ = "forces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Who another force should call about a cross-force link (shown to other forces).
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Where this force's urgent alerts go, around the clock.
    on_call_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Force {self.id} {self.code}>"


class ForceOwned:
    """Mixin: the row belongs to one force; queries in a force's scope see only its rows."""

    # (foreign key attribute, parent model name) when the force follows from a parent row;
    # several such pairs when the row has one of several parents (the first one set counts).
    force_parent: ClassVar[tuple[str, str] | tuple[tuple[str, str], ...] | None] = None

    @declared_attr
    def force_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("forces.id"), index=True)


class SharedOrForceOwned:
    """Mixin: reference data that is national (``force_id`` NULL, read by every force and
    written only outside any force's scope) or one force's own (read and written by it alone).
    """

    # (foreign key attribute, parent model name) when the row's force is its parent's.
    force_parent: ClassVar[tuple[str, str] | None] = None

    @declared_attr
    def force_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("forces.id"), index=True, nullable=True)

    @property
    def shared(self) -> bool:
        """National reference data, shared by every force: read-only in a force's scope."""
        return self.force_id is None
