"""Police forces (tenants): every force-owned row belongs to exactly one of them.

A model joins the scope with one declaration: inherit :class:`ForceOwned` (the migration
adds its ``force_id``). A row whose force follows from a parent row names that parent with
``force_parent`` (the foreign key's attribute and the parent model's name), so its force is
filled in, and checked, from the parent when it is written (:mod:`messaging.tenancy`).
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

    # (foreign key attribute, parent model name) when the force follows from a parent row.
    force_parent: ClassVar[tuple[str, str] | None] = None

    @declared_attr
    def force_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("forces.id"), index=True)
