"""Retention and erasure: forget a line's personal data when its retention period ends.

A line's clock starts when its last campaign finished (completed or cancelled) or, if it
never had one, when it was registered; the line is due ``retention_days`` later. A campaign
that could still send (approved, scheduled, sending, paused) holds the line until it ends.

Purging a line deletes its phone numbers, saved names, raw values and accounts, the
interactions from its call logs, the rejected rows of its imports, the text, numbers and
notes of its replies, the recipients of its outbox and the payloads of its delivery
receipts. Rows stay, emptied, so dashboards keep counting them; a summary of counts goes to
``Line.purged_counts``. Opt-outs stay as the keyed hash only, so a number that said STOP is
never texted again even when a later extraction brings it back. Data tied to no line
(replies from unknown numbers, receipts for unknown messages, old opt-outs) is purged
``default_retention_days`` after it arrived. Every erasure is audited, by counts only.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging import runtime
from messaging.config import Settings
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, Contact, Line, campaign_lines
from messaging.queues import MAINTENANCE, enqueue
from messaging.records import audit
from messaging.records.erasure import (
    PURGE_ACTOR,
    LineErasure,
    OrphanErasure,
    measure_line,
    measure_orphans,
    purge_line,
    purge_orphans,
)
from messaging.records.uploads import sweep_stale_uploads
from messaging.tenancy import current_force_id

log = logging.getLogger(__name__)
HOLDING_STATES = (
    CampaignState.APPROVED,
    CampaignState.SCHEDULED,
    CampaignState.SENDING,
    CampaignState.PAUSED,
)
FINISHED_STATES = (CampaignState.COMPLETED, CampaignState.CANCELLED)


@dataclass(frozen=True)
class LineRetention:
    """Where one line stands in its retention period."""

    line_id: int
    reference: str
    retention_days: int
    clock_start: datetime
    clock_from: str  # "last campaign finished" or "registration"
    due_at: datetime
    held_by: tuple[int, ...]  # campaigns that could still send
    purged_at: datetime | None
    personal_data_left: bool

    def clock(self) -> dict[str, Any]:
        """Why the line is due, for the erasure's audit entry."""
        return {
            "retention_days": self.retention_days,
            "clock_from": self.clock_from,
            "clock_start": self.clock_start.isoformat(),
        }

    def status(self, now: datetime) -> str:
        if self.purged_at is not None and not self.personal_data_left:
            return "purged"
        if self.held_by:
            return "held"
        return "due" if self.due_at <= now else "kept"


def line_retention(
    session: Session, *, now: datetime | None = None, line_ids: list[int] | None = None
) -> list[LineRetention]:
    """Each line's retention clock, due date and what holds it, oldest due first."""
    now = now or utcnow()
    query = select(Line)
    if line_ids is not None:
        query = query.where(Line.id.in_(line_ids))
    lines = list(session.scalars(query))
    only = [campaign_lines.c.line_id.in_(line_ids)] if line_ids is not None else []
    finished = dict(
        session.execute(
            select(
                campaign_lines.c.line_id,
                func.max(func.coalesce(Campaign.finished_at, Campaign.updated_at)),
            )
            .join(Campaign, Campaign.id == campaign_lines.c.campaign_id)
            .where(Campaign.state.in_(FINISHED_STATES), *only)
            .group_by(campaign_lines.c.line_id)
        ).all()
    )
    holding: dict[int, list[int]] = {}
    for line_id, campaign_id in session.execute(
        select(campaign_lines.c.line_id, Campaign.id)
        .join(Campaign, Campaign.id == campaign_lines.c.campaign_id)
        .where(Campaign.state.in_(HOLDING_STATES), *only)
    ):
        holding.setdefault(line_id, []).append(campaign_id)
    # Numbers imported into a line after it was purged make it due again.
    purged = [line.id for line in lines if line.purged_at is not None]
    live = set(
        session.scalars(
            select(Contact.line_id)
            .where(Contact.line_id.in_(purged), Contact.phone_hash.is_not(None))
            .distinct()
        )
        if purged
        else ()
    )
    result = []
    for line in lines:
        last = finished.get(line.id)
        start, source = (
            (last, "last campaign finished") if last else (line.created_at, "registration")
        )
        result.append(
            LineRetention(
                line_id=line.id,
                reference=line.reference,
                retention_days=line.retention_days,
                clock_start=start,
                clock_from=source,
                due_at=start + timedelta(days=line.retention_days),
                held_by=tuple(sorted(holding.get(line.id, []))),
                purged_at=line.purged_at,
                personal_data_left=line.id in live or line.line_number_hash is not None,
            )
        )
    return sorted(result, key=lambda r: (r.due_at, r.line_id))


def due_lines(session: Session, *, now: datetime) -> list[LineRetention]:
    return [r for r in line_retention(session, now=now) if r.status(now) == "due"]


@dataclass
class PurgeReport:
    dry_run: bool
    now: datetime
    lines: list[LineErasure] = field(default_factory=list)
    orphans: OrphanErasure | None = None
    audit_entries: int = 0
    audit_cutoff: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "now": self.now.isoformat(),
            "lines": [asdict(e) for e in self.lines],
            "orphans": {
                k: v.isoformat() if isinstance(v, datetime) else v
                for k, v in asdict(self.orphans).items()
            }
            if self.orphans
            else None,
            "audit": {
                "entries_removed": self.audit_entries,
                "cutoff": self.audit_cutoff.isoformat() if self.audit_cutoff else None,
            },
        }


def purge(
    settings: Settings,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    actor: str = PURGE_ACTOR,
) -> PurgeReport:
    """Purge every due line, old unlinked data, and audit entries past audit retention.

    In a force's scope (an administrator's request) only that force's lines and data go.

    Each line is purged (and audited) in its own transaction, so a long purge that stops
    half-way leaves every finished line consistent and the next run carries on.
    """
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run, now=now)
    with db.transaction() as session:
        due = [r.line_id for r in due_lines(session, now=now)]
    for line_id in due:
        with db.transaction() as session:
            line = session.get(Line, line_id)
            if line is None:
                continue
            if dry_run:
                report.lines.append(measure_line(session, line))
                continue
            (status,) = line_retention(session, now=now, line_ids=[line.id])
            report.lines.append(purge_line(session, line, clock=status.clock(), actor=actor))
    orphan_cutoff = now - timedelta(days=settings.default_retention_days)
    with db.transaction() as session:
        report.orphans = (
            measure_orphans(session, orphan_cutoff)
            if dry_run
            else purge_orphans(session, orphan_cutoff, actor=actor)
        )
    if current_force_id() is not None:
        # A force's administrator purges the force's own lines and replies. The audit chain
        # is every force's: only the scheduled (national) purge trims it.
        return report
    report.audit_cutoff = now - timedelta(days=settings.audit_retention_days)
    with db.transaction() as session:
        trimmed = audit.trim(session, before=report.audit_cutoff, actor=actor, dry_run=dry_run)
    report.audit_entries = trimmed.removed
    return report


def purge_job() -> dict[str, Any]:
    """RQ maintenance job: the scheduled daily purge, and uploads nobody confirmed."""
    settings = runtime.current().settings
    report = purge(settings).as_json()
    report["stale_uploads_deleted"] = sweep_stale_uploads(settings.instance_dir)
    return report


def schedule_daily_purge() -> bool:
    """Queue the purge job unless one was queued in the last day (called from the tick)."""
    rt = runtime.current()
    prefix = rt.settings.queue_prefix
    if not rt.redis.set(f"{prefix}:purge-scheduled", utcnow().isoformat(), nx=True, ex=86400):
        return False
    enqueue(rt.redis, purge_job, queue=MAINTENANCE, prefix=prefix)
    log.info("daily purge queued")
    return True
