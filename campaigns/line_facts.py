"""What a line's page shows: provenance, contacts by kind, overlaps, campaigns, retention.

Counts and metadata only: no phone number of a contact is read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from messaging.models import Campaign, Contact, ContactImport, Line, User, campaign_lines
from messaging.records.retention import LineRetention, line_retention

KINDS = ("mobile", "landline", "non_geographic")


@dataclass(frozen=True)
class LineFacts:
    by_kind: dict[str, int]
    textable: int
    flagged: int
    with_interactions: int
    overlaps: list[tuple[int, str, int]]
    imports: list[tuple[ContactImport, User | None]]
    campaigns: list[Campaign]
    registered_by: User | None
    retention: LineRetention | None

    @property
    def contacts(self) -> int:
        return sum(self.by_kind.values())


def _count(session: Session, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0


def line_facts(session: Session, line: Line) -> LineFacts:
    """Everything about ``line`` its page lists, in a handful of queries."""
    mine = Contact.line_id == line.id
    by_kind: dict[str, int] = dict.fromkeys(KINDS, 0)
    for kind, count in session.execute(
        select(Contact.kind, func.count()).where(mine).group_by(Contact.kind)
    ):
        by_kind[kind] = count
    numbers = select(Contact.phone_hash).where(mine, Contact.phone_hash.is_not(None))
    overlaps = [
        (line_id, reference, count)
        for line_id, reference, count in session.execute(
            select(Line.id, Line.reference, func.count())
            .join(Contact, Contact.line_id == Line.id)
            .where(Line.id != line.id, Contact.phone_hash.in_(numbers))
            .group_by(Line.id, Line.reference)
            .order_by(func.count().desc())
        )
    ]
    users = {u.id: u for u in session.scalars(select(User))}
    imports = session.scalars(
        select(ContactImport).where(ContactImport.line_id == line.id).order_by(ContactImport.id)
    ).all()
    campaigns = session.scalars(
        select(Campaign)
        .join(campaign_lines)
        .where(campaign_lines.c.line_id == line.id)
        .order_by(Campaign.id.desc())
    ).all()
    retention = line_retention(session, line_ids=[line.id])
    return LineFacts(
        by_kind=by_kind,
        textable=_count(session, mine, Contact.textable.is_(True)),
        flagged=_count(
            session,
            mine,
            or_(Contact.suppressed_at_import.is_(True), Contact.do_not_contact_at_import.is_(True)),
        ),
        with_interactions=_count(session, mine, Contact.interactions > 0),
        overlaps=overlaps,
        imports=[(i, users.get(i.imported_by_id or 0)) for i in imports],
        campaigns=list(campaigns),
        registered_by=users.get(line.created_by_id or 0),
        retention=retention[0] if retention else None,
    )


def retention_by_line(session: Session, line_ids: list[int]) -> dict[int, LineRetention]:
    return {r.line_id: r for r in line_retention(session, line_ids=line_ids)}
