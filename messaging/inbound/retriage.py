"""Re-reading stored replies with the current triage (``pester replies retriage``).

Replies stored before the model shipped have no score, and their queue came from their
labels alone (migration 0004). Re-triage classifies each stored text again and updates its
labels, risk kinds, reasons, score and queue, so a disclosure the old rules missed reaches
the risk queue (or ``needs_person``).

What it keeps:

* **Labels an analyst added** (through the API) stay: they are the labels with no reason of
  the classifier's in ``why``.
* **Risk is never taken away**: a reply once flagged a risk disclosure keeps the label, its
  kinds and its reasons, so nothing leaves the risk queue behind an analyst's back.
* Handled, reviewed, tags, notes and the numbers already linked are untouched. Replies
  whose text was erased at the end of retention are skipped.

Each batch is one transaction, audited as an alteration with ids and counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.db import db
from messaging.inbound.replies import own_numbers
from messaging.inbound.triage.classifier import LABEL_ORDER, Classification, classify
from messaging.inbound.triage.labels import Label, RiskKind
from messaging.inbound.triage.queues import Queue, in_risk_queue, queue_for
from messaging.models import Campaign, Reply
from messaging.records import audit

log = logging.getLogger(__name__)
RETRIAGE_ACTOR = "system:retriage"
_RISK = str(Label.RISK_DISCLOSURE)


@dataclass
class RetriageReport:
    """What a re-triage run read and changed (counts and ids, never text)."""

    read: int = 0
    changed: int = 0
    newly_urgent: list[int] = field(default_factory=list)
    skipped_erased: int = 0

    def as_json(self) -> dict:
        return {
            "read": self.read,
            "changed": self.changed,
            "newly_urgent": list(self.newly_urgent),
            "skipped_erased": self.skipped_erased,
        }


def retriage(*, actor: str = RETRIAGE_ACTOR, batch: int = 500) -> RetriageReport:
    """Classify every stored reply again, a batch per transaction, oldest first."""
    report = RetriageReport()
    last_id = 0
    while True:
        with db.transaction() as session:
            replies = list(
                session.scalars(
                    select(Reply).where(Reply.id > last_id).order_by(Reply.id).limit(batch)
                )
            )
            if not replies:
                return report
            changed = [reply.id for reply in replies if _retriage_one(session, reply, report)]
            if changed:
                audit.append(
                    session,
                    category="alteration",
                    action="replies_retriaged",
                    actor=actor,
                    object_type="reply",
                    details={"reply_ids": changed, "read": len(replies)},
                )
            last_id = replies[-1].id
        log.info("retriage: read up to reply %s, %s changed", last_id, report.changed)


def _retriage_one(session: Session, reply: Reply, report: RetriageReport) -> bool:
    """Re-classify one reply in place; True when anything stored changed."""
    report.read += 1
    if reply.body is None:
        report.skipped_erased += 1
        return False
    campaign = session.get(Campaign, reply.campaign_id) if reply.campaign_id else None
    not_intel = own_numbers(session, campaign, reply.to_sender) | {reply.phone or ""}
    result = classify(reply.body, service_numbers=not_intel - {""})
    labels, kinds, why = merged(reply, result)
    urgent = in_risk_queue(labels)
    queue = str(queue_for(labels, uncertain=result.queue is Queue.NEEDS_PERSON))
    before = (list(reply.labels or []), list(reply.risk_kinds or []), reply.queue, reply.score)
    after = (labels, kinds, queue, result.score)
    if before == after and reply.why == why and reply.urgent == urgent:
        return False
    if urgent and not reply.urgent:
        report.newly_urgent.append(reply.id)
    reply.labels, reply.risk_kinds, reply.why = labels, kinds, why
    reply.urgent, reply.queue, reply.score = urgent, queue, result.score
    report.changed += 1
    return True


def merged(reply: Reply, result: Classification) -> tuple[list[str], list[str], dict]:
    """The new labels, kinds and reasons, keeping analysts' labels and any earlier risk."""
    old_why = dict(reply.why or {})
    old_labels = [str(label) for label in reply.labels or []]
    by_analyst = [label for label in old_labels if label not in old_why]
    why = {label: list(reasons) for label, reasons in result.why.items()}
    kinds = [str(kind) for kind in result.risk_kinds]
    if reply.urgent or _RISK in old_labels:
        why[_RISK] = list(dict.fromkeys([*old_why.get(_RISK, []), *why.get(_RISK, [])]))
        present = {*(reply.risk_kinds or []), *kinds}
        kinds = [str(kind) for kind in RiskKind if str(kind) in present]
        why.pop(str(Label.OTHER), None)
    names = set(why) | set(by_analyst)
    if len(names) > 1:
        names.discard(str(Label.OTHER))
        why.pop(str(Label.OTHER), None)
    labels = [str(label) for label in LABEL_ORDER if str(label) in names]
    return labels, kinds, why
