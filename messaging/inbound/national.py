"""The national picture for the NCLCC: counts per force and per pair of forces, nothing else.

Lines, campaigns by state, texts by status, replies by label and by risk kind, and how many
numbers each pair of forces shares. No number, name, reference, reply text or id of any row
leaves this module: only force codes and names, and counts. These are deliberate reads
across every force (:func:`messaging.tenancy.across_forces`) of columns that hold no
personal data (force ids, states, statuses, label lists); nothing sealed is read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging.audience.cross_force import pair_counts
from messaging.models import Campaign, Force, Line, OutboxMessage, Reply
from messaging.tenancy import across_forces


@dataclass
class ForceFigures:
    code: str
    name: str
    lines: int = 0
    campaigns: dict[str, int] = field(default_factory=dict)  # by state
    texts: dict[str, int] = field(default_factory=dict)  # by outbox status
    replies: int = 0
    replies_by_label: dict[str, int] = field(default_factory=dict)
    replies_by_risk_kind: dict[str, int] = field(default_factory=dict)


@dataclass
class NationalPicture:
    forces: list[ForceFigures]
    pairs: list[tuple[str, str, int]]  # (code, code, numbers shared)

    def as_json(self) -> dict[str, Any]:
        return {
            "forces": [vars(f) for f in self.forces],
            "pairs": [{"forces": [a, b], "numbers_shared": n} for a, b, n in self.pairs],
        }


def _grouped(session: Session, *columns: Any) -> list[Any]:
    return list(session.execute(across_forces(select(*columns, func.count()).group_by(*columns))))


def national_picture(session: Session) -> NationalPicture:
    """Every force's counts, and the numbers each pair of forces shares."""
    figures = {
        f.id: ForceFigures(f.code, f.name)
        for f in session.scalars(select(Force).order_by(Force.code))
    }
    for force_id, count in _grouped(session, Line.force_id):
        figures[force_id].lines = count
    for force_id, state, count in _grouped(session, Campaign.force_id, Campaign.state):
        figures[force_id].campaigns[state] = count
    for force_id, status, count in _grouped(session, OutboxMessage.force_id, OutboxMessage.status):
        figures[force_id].texts[status] = count
    labels: dict[int, Counter[str]] = defaultdict(Counter)
    kinds: dict[int, Counter[str]] = defaultdict(Counter)
    rows = select(Reply.force_id, Reply.labels, Reply.risk_kinds)
    for force_id, reply_labels, risk_kinds in session.execute(across_forces(rows)):
        figures[force_id].replies += 1
        labels[force_id].update(str(label) for label in reply_labels or [])
        kinds[force_id].update(str(kind) for kind in risk_kinds or [])
    for force_id, entry in figures.items():
        entry.replies_by_label = dict(sorted(labels[force_id].items()))
        entry.replies_by_risk_kind = dict(sorted(kinds[force_id].items()))
    pairs = sorted(((a, b, n) for (a, b), n in pair_counts(session).items()), key=_pair_order)
    return NationalPicture(list(figures.values()), pairs)


def _pair_order(pair: tuple[str, str, int]) -> tuple[int, str, str]:
    return (-pair[2], pair[0], pair[1])
