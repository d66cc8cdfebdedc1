"""What a campaign says: versioned SMS templates and the services directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.db import Base, UTCDateTime, utcnow


class Service(Base):
    """A treatment or support service a message can signpost."""

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


class MessageTemplate(Base):
    """A named SMS template; its text lives in immutable versions."""

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
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


class TemplateVersion(Base):
    """One immutable text of a template; campaigns pin a version."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("message_templates.id"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    placeholders: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[MessageTemplate] = relationship(back_populates="versions")
