"""Whether a campaign helped: outcomes per campaign, per A/B arm and per template version.

For the texts the carrier accepted (``sent``, the denominator of every rate), how many were
delivered, were replied to, led to an opt-out, to help-seeking, to a risk disclosure, and
to each conversion an officer recorded ("referred to service", "engaged with treatment"),
each with its 95% Wilson interval (:mod:`~messaging.inbound.stats`); and the median time
from a text's hand-over to its first reply. Counting is per text (one per recipient), so
each rate is a proportion of people, and two replies from one person count once.

Counts only: nothing here reads a phone number or the words of a reply.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.inbound.conversions import CONVERSION_KINDS
from messaging.inbound.stats import Proportion, median, proportion
from messaging.inbound.triage.labels import Label
from messaging.models import (
    Campaign,
    Conversion,
    MessageTemplate,
    OutboxMessage,
    Reply,
    TemplateVersion,
)

MEASURES: tuple[tuple[str, str], ...] = (
    ("delivered", "Delivered"),
    ("replied", "Replied"),
    ("opted_out", "Opted out"),
    ("help_seeking", "Asked for help"),
    ("risk_disclosures", "Disclosed a risk"),
    *((kind, label) for kind, label in CONVERSION_KINDS.items()),
)
_LABELS = {
    "opted_out": Label.OPT_OUT,
    "help_seeking": Label.HELP_SEEKING,
    "risk_disclosures": Label.RISK_DISCLOSURE,
}


@dataclass
class _Text:
    """One campaign text and what followed it."""

    arm: str | None
    status: str
    submitted_at: datetime | None
    labels: set[str] = field(default_factory=set)
    first_reply: datetime | None = None
    replied: bool = False
    conversions: set[str] = field(default_factory=set)


@dataclass
class OutcomeRow:
    """The outcomes of one group of texts: a campaign, an arm, or a template version."""

    key: str
    label: str
    recipients: int
    sent: int
    measures: dict[str, Proportion]
    median_first_reply_s: float | None
    campaign_id: int | None = None
    arm: str | None = None
    template_version_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "campaign_id": self.campaign_id,
            "arm": self.arm,
            "template_version_id": self.template_version_id,
            "recipients": self.recipients,
            "sent": self.sent,
            "measures": {name: self.measures[name].as_json() for name, _ in MEASURES},
            "median_first_reply_seconds": self.median_first_reply_s,
        }


def _texts(session: Session, campaign_ids: list[int]) -> dict[int, dict[int, _Text]]:
    """Campaign id → outbox id → its text and what followed it."""
    found: dict[int, dict[int, _Text]] = defaultdict(dict)
    if not campaign_ids:
        return found
    for row in session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.campaign_id,
            OutboxMessage.arm,
            OutboxMessage.status,
            OutboxMessage.submitted_at,
        ).where(OutboxMessage.campaign_id.in_(campaign_ids))
    ):
        found[row.campaign_id][row.id] = _Text(row.arm, row.status, row.submitted_at)
    by_id = {oid: text for texts in found.values() for oid, text in texts.items()}
    for outbox_id, labels, received_at in session.execute(
        select(Reply.outbox_id, Reply.labels, Reply.received_at).where(
            Reply.campaign_id.in_(campaign_ids), Reply.outbox_id.is_not(None)
        )
    ):
        text = by_id.get(outbox_id)
        if text is None:
            continue
        text.replied = True
        text.labels.update(labels or [])
        if text.first_reply is None or received_at < text.first_reply:
            text.first_reply = received_at
    for outbox_id, kind in session.execute(
        select(Conversion.outbox_id, Conversion.kind).where(
            Conversion.campaign_id.in_(campaign_ids)
        )
    ):
        if outbox_id in by_id:
            by_id[outbox_id].conversions.add(kind)
    return found


def _row(key: str, label: str, texts: list[_Text], **ids: Any) -> OutcomeRow:
    sent = [t for t in texts if t.status in ds.AT_CARRIER]
    counts = {
        "delivered": sum(1 for t in sent if t.status in ds.DELIVERED),
        "replied": sum(1 for t in sent if t.replied),
        **{name: sum(1 for t in sent if label in t.labels) for name, label in _LABELS.items()},
        **{kind: sum(1 for t in sent if kind in t.conversions) for kind in CONVERSION_KINDS},
    }
    waits = [
        (t.first_reply - t.submitted_at).total_seconds()
        for t in sent
        if t.first_reply is not None and t.submitted_at is not None
    ]
    return OutcomeRow(
        key=key,
        label=label,
        recipients=len(texts),
        sent=len(sent),
        measures={name: proportion(counts[name], len(sent)) for name, _ in MEASURES},
        median_first_reply_s=median(max(0.0, w) for w in waits),
        **ids,
    )


@dataclass
class CampaignOutcomes:
    campaign_id: int
    name: str
    total: OutcomeRow
    arms: list[OutcomeRow]  # A and B for an A/B test, else empty
    versions: dict[str, int | None]  # arm → template version id

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "name": self.name,
            "ab_test": bool(self.arms),
            "total": self.total.as_json(),
            "arms": [arm.as_json() for arm in self.arms],
            "confidence": 0.95,
            "interval": "wilson",
            "denominator": "texts the carrier accepted (sent)",
        }


def _versions(campaign: Campaign) -> dict[str, int | None]:
    snapshot = campaign.snapshot or {}
    version_a = snapshot.get("template_version_id", campaign.template_version_id)
    return {"A": version_a, "B": snapshot.get("template_version_b_id")}


def campaign_outcomes(session: Session, campaign: Campaign) -> CampaignOutcomes:
    """One campaign's outcomes, overall and (for an A/B test) per arm."""
    texts = list(_texts(session, [campaign.id])[campaign.id].values())
    versions = _versions(campaign)
    arms = []
    if versions["B"] is not None:
        arms = [
            _row(
                f"campaign:{campaign.id}:{arm}",
                f"Version {arm}",
                [t for t in texts if t.arm == arm],
                campaign_id=campaign.id,
                arm=arm,
                template_version_id=versions[arm],
            )
            for arm in ("A", "B")
        ]
    total = _row(f"campaign:{campaign.id}", campaign.name, texts, campaign_id=campaign.id)
    return CampaignOutcomes(campaign.id, campaign.name, total, arms, versions)


def launched_campaigns(session: Session, *, limit: int = 100) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.launched_at.is_not(None))
            .order_by(Campaign.launched_at.desc())
            .limit(limit)
        )
    )


def compare_campaigns(session: Session, campaigns: list[Campaign]) -> list[OutcomeRow]:
    """Each campaign's overall outcomes, side by side."""
    texts = _texts(session, [c.id for c in campaigns])
    return [
        _row(f"campaign:{c.id}", c.name, list(texts[c.id].values()), campaign_id=c.id)
        for c in campaigns
    ]


def compare_versions(session: Session, campaigns: list[Campaign]) -> list[OutcomeRow]:
    """Outcomes per template version, pooled over these campaigns (each arm counted under
    the version it sent)."""
    texts = _texts(session, [c.id for c in campaigns])
    pooled: dict[int, list[_Text]] = defaultdict(list)
    for campaign in campaigns:
        versions = _versions(campaign)
        for text in texts[campaign.id].values():
            version = versions["B"] if text.arm == "B" else versions["A"]
            if version is not None:
                pooled[version].append(text)
    names = {
        version_id: f"{name} (version {number})"
        for version_id, name, number in session.execute(
            select(TemplateVersion.id, MessageTemplate.name, TemplateVersion.version)
            .join(MessageTemplate, MessageTemplate.id == TemplateVersion.template_id)
            .where(TemplateVersion.id.in_(list(pooled)))
        )
    }
    return [
        _row(f"version:{v}", names.get(v, f"version {v}"), pooled[v], template_version_id=v)
        for v in sorted(pooled)
    ]
