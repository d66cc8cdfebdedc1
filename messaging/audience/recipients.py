"""Who a campaign texts: the recipients rule evaluated against lines and contacts.

The rule, in the order an officer reads it:

- the contacts of one or more lines (a number on several chosen lines is texted once, as the
  contact with the lowest id);
- of the kinds chosen (textable mobiles only by default; drama-range numbers only when the
  gateway is the sandbox);
- optionally only numbers in contact with the chosen lines at least ``min_interactions``
  times (calls and messages from the extraction's logs) between ``window_from`` and
  ``window_to`` (either end may be open);
- never a number with an active opt-out or on the do-not-contact list, and, when
  ``exclude_cross_line`` is chosen, never a number that also appears on any other line
  (it may be another dealer, or a runner);
- never a contact whose number was purged at the end of its line's retention.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from messaging.models import Contact, DoNotContact, Interaction, Suppression
from messaging.tenancy import every_forces

DEFAULT_KINDS = ("mobile",)


@dataclass(frozen=True)
class RecipientsRule:
    """Which contacts of which lines receive a campaign."""

    line_ids: tuple[int, ...]
    kinds: tuple[str, ...] = DEFAULT_KINDS
    textable_only: bool = True
    min_interactions: int = 0
    window_from: datetime | None = None
    window_to: datetime | None = None
    exclude_cross_line: bool = False
    allow_drama: bool = False  # Ofcom drama-range numbers: only the sandbox may text them
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "line_ids": list(self.line_ids),
            "kinds": list(self.kinds),
            "textable_only": self.textable_only,
            "min_interactions": self.min_interactions,
            "window_from": self.window_from.isoformat() if self.window_from else None,
            "window_to": self.window_to.isoformat() if self.window_to else None,
            "exclude_cross_line": self.exclude_cross_line,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, allow_drama: bool = False) -> RecipientsRule:
        def when(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            line_ids=tuple(int(i) for i in data.get("line_ids", ())),
            kinds=tuple(data.get("kinds") or DEFAULT_KINDS),
            textable_only=bool(data.get("textable_only", True)),
            min_interactions=int(data.get("min_interactions") or 0),
            window_from=when(data.get("window_from")),
            window_to=when(data.get("window_to")),
            exclude_cross_line=bool(data.get("exclude_cross_line", False)),
            allow_drama=allow_drama,
        )


def _recipients_query(rule: RecipientsRule) -> Select[Any]:
    opted_out, do_not_contact = every_forces(Suppression), every_forces(DoNotContact)
    conditions = [
        Contact.line_id.in_(rule.line_ids),
        Contact.kind.in_(rule.kinds),
        Contact.phone_hash.is_not(None),
        Contact.phone.is_not(None),  # purged at the end of retention
        # Opt-outs and do-not-contact numbers are national: every force's rows exclude.
        Contact.phone_hash.not_in(
            select(opted_out.c.phone_hash).where(opted_out.c.active.is_(True))
        ),
        Contact.phone_hash.not_in(select(do_not_contact.c.phone_hash)),
    ]
    if rule.textable_only:
        conditions.append(Contact.textable.is_(True))
    if not rule.allow_drama:
        conditions.append(Contact.drama.is_(False))
    if rule.min_interactions > 0:
        window = [Interaction.line_id.in_(rule.line_ids), Interaction.phone_hash.is_not(None)]
        if rule.window_from is not None:
            window.append(Interaction.occurred_at >= rule.window_from)
        if rule.window_to is not None:
            window.append(Interaction.occurred_at <= rule.window_to)
        conditions.append(
            Contact.phone_hash.in_(
                select(Interaction.phone_hash)
                .where(and_(*window))
                .group_by(Interaction.phone_hash)
                .having(func.count() >= rule.min_interactions)
            )
        )
    if rule.exclude_cross_line:
        # NOT IN over a set holding NULL matches nothing, so purged hashes stay out of it.
        conditions.append(
            Contact.phone_hash.not_in(
                select(Contact.phone_hash)
                .where(Contact.phone_hash.is_not(None))
                .group_by(Contact.phone_hash)
                .having(func.count(func.distinct(Contact.line_id)) > 1)
            )
        )
    # One contact per number even when several chosen lines share it.
    return (
        select(func.min(Contact.id).label("contact_id"), Contact.phone_hash)
        .where(*conditions)
        .group_by(Contact.phone_hash)
    )


def count_recipients(session: Session, rule: RecipientsRule) -> int:
    """How many distinct numbers the rule selects right now."""
    if not rule.line_ids:
        return 0
    return session.scalar(select(func.count()).select_from(_recipients_query(rule).subquery())) or 0


def recipient_ids(session: Session, rule: RecipientsRule) -> list[int]:
    """The contact ids the rule selects right now, ascending (what an approval covers)."""
    if not rule.line_ids:
        return []
    chosen = _recipients_query(rule).subquery()
    return sorted(session.scalars(select(chosen.c.contact_id)))


def select_recipients(session: Session, rule: RecipientsRule) -> list[tuple[int, str, str]]:
    """(contact id, lookup hash, E.164) for each recipient, ordered by contact id."""
    if not rule.line_ids:
        return []
    chosen = _recipients_query(rule).subquery()
    rows = session.execute(
        select(Contact.id, Contact.phone_hash, Contact.phone)
        .join(chosen, chosen.c.contact_id == Contact.id)
        .order_by(Contact.id)
    ).all()
    return [(cid, phone_hash, phone) for cid, phone_hash, phone in rows if phone]


def pack_ids(ids: Iterable[int]) -> bytes:
    """A compact, exact encoding of a set of ids (sorted deltas as varints, deflated).

    An approval stores the contact ids it covered this way: 60,000 ids from one import
    take a few kilobytes, so launch can check every recipient against the approval.
    """
    out = bytearray()
    previous = 0
    for value in sorted(set(ids)):
        delta = value - previous
        previous = value
        while delta >= 0x80:
            out.append((delta & 0x7F) | 0x80)
            delta >>= 7
        out.append(delta)
    return zlib.compress(bytes(out), 9)


def unpack_ids(packed: bytes) -> list[int]:
    """The ids :func:`pack_ids` encoded, ascending."""
    ids: list[int] = []
    value = shift = 0
    previous = 0
    for byte in zlib.decompress(packed):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        previous += value
        ids.append(previous)
        value = shift = 0
    return ids
