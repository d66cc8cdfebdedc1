"""What a campaign says: versioned SMS templates and the services directory.

Both are reference data that is national (``force_id`` NULL: shipped templates, national
and long-standing shared services) or one force's own (:class:`SharedOrForceOwned`). A
template's versions follow their template's force.
"""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import SharedOrForceOwned


class Service(SharedOrForceOwned, Base):
    """A treatment or support service a message can signpost.

    ``national`` says what kind of service it is (a national helpline such as FRANK, shown
    after local ones); ``force_id`` says whose row it is (NULL: shared by every force)."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    url: Mapped[str] = mapped_column(String(255), default="")
    hours: Mapped[str] = mapped_column(String(120), default="")
    areas: Mapped[str] = mapped_column(String(255), default="")
    national: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageTemplate(SharedOrForceOwned, Base):
    """A named SMS template; its text lives in immutable versions.

    A slug is unique within its force, and a national slug is unique among national ones
    (NULLs are distinct in a unique constraint, hence the partial index); a force's new
    template never takes a national slug (its slug is chosen among the rows it can see)."""

    __tablename__ = "message_templates"
    __table_args__ = (
        UniqueConstraint("force_id", "slug"),
        Index(
            "uq_message_templates_national_slug",
            "slug",
            unique=True,
            sqlite_where=text("force_id IS NULL"),
            postgresql_where=text("force_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    # For purpose "response": the risk kinds and labels it answers (overdose, help_seeking…).
    answers: Mapped[list] = mapped_column(JSON, default=list)
    shipped: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template", order_by="TemplateVersion.version"
    )

    @property
    def current(self) -> TemplateVersion:
        return self.versions[-1]


class TemplateVersion(SharedOrForceOwned, Base):
    """One immutable text of a template; campaigns pin a version.

    It carries its template's force (filled in and checked at flush) so that every lookup of
    a version by id, the way campaigns and answers name one, is scoped without a join."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)
    force_parent = ("template_id", "MessageTemplate")

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("message_templates.id"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    placeholders: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[MessageTemplate] = relationship(back_populates="versions")
