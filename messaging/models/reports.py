"""Intelligence reports written by analysts, graded with the 3x5x2 system."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from messaging.db import Base, UTCDateTime, utcnow
from messaging.models.forces import ForceOwned
from messaging.sealed_columns import Encrypted


class IntelligenceReport(ForceOwned, Base):
    """One intelligence report, from a reply or a cross-line finding, listed under its line.

    Its text is sealed at rest (it may quote a reply). The replier's number is left out
    unless the analyst chose, with a reason, to include it.
    """

    __tablename__ = "intelligence_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), index=True, nullable=True)
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("replies.id"), index=True, nullable=True
    )
    finding: Mapped[str] = mapped_column(String(200), default="")  # a network edge's words
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    source_evaluation: Mapped[str] = mapped_column(String(1))  # 1, 2, 3
    intelligence_assessment: Mapped[str] = mapped_column(String(1))  # A to E
    handling_code: Mapped[str] = mapped_column(String(1))  # P or C
    handling_conditions: Mapped[str] = mapped_column(Text, default="")
    includes_number: Mapped[bool] = mapped_column(Boolean, default=False)
    number_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
