"""Conversions: what an officer records came of a conversation, credited to a campaign.

"Referred to service" and "engaged with treatment" are recorded on a conversation against
the campaign text the person answered, at most once per text and kind (a unique key, so
two people recording it at once count it once). They are counted per campaign, per
template version and per A/B arm (:mod:`~messaging.inbound.campaign_outcomes`), and each is
audited (ids and the kind only).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging.db import utcnow
from messaging.models import Campaign, Conversion, OutboxMessage
from messaging.records import audit

CONVERSION_KINDS: dict[str, str] = {
    "referred_to_service": "Referred to a service",
    "engaged_with_treatment": "Engaged with treatment",
}


class ConversionRefused(ValueError):
    """The outcome cannot be recorded; the message says why."""


@dataclass(frozen=True)
class CampaignText:
    """A campaign text this number was sent, to credit an outcome to."""

    outbox_id: int
    campaign_id: int
    campaign_name: str


def campaign_texts(session: Session, phone_hash: str) -> list[CampaignText]:
    """The campaign texts the carrier accepted for this number, newest first."""
    rows = session.execute(
        select(OutboxMessage.id, Campaign.id, Campaign.name)
        .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
        .where(OutboxMessage.phone_hash == phone_hash, OutboxMessage.provider_id.is_not(None))
        .order_by(OutboxMessage.submitted_at.desc(), OutboxMessage.id.desc())
    ).all()
    return [CampaignText(*row) for row in rows]


def record_conversion(
    session: Session,
    *,
    phone_hash: str,
    outbox_id: int,
    kind: str,
    user_id: int,
    reply_id: int | None = None,
) -> bool:
    """Record ``kind`` against a campaign text of this conversation; False when it was
    recorded already. Raises :class:`ConversionRefused` for an unknown kind or a text that
    is not this conversation's."""
    if kind not in CONVERSION_KINDS:
        raise ConversionRefused("Choose an outcome from the list.")
    text = next((t for t in campaign_texts(session, phone_hash) if t.outbox_id == outbox_id), None)
    if text is None:
        raise ConversionRefused("Choose one of the campaign texts this number was sent.")
    try:
        with session.begin_nested():
            session.add(
                Conversion(
                    outbox_id=outbox_id,
                    campaign_id=text.campaign_id,
                    reply_id=reply_id,
                    kind=kind,
                    recorded_by_id=user_id,
                    recorded_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    audit.append(
        session,
        category="alteration",
        action="conversion_recorded",
        actor=f"user:{user_id}",
        actor_id=user_id,
        object_type="campaign",
        object_id=text.campaign_id,
        details={"outbox_id": outbox_id, "kind": kind, "reply_id": reply_id},
    )
    return True


def conversions_of(session: Session, outbox_ids: list[int]) -> list[Conversion]:
    """The conversions recorded against these texts."""
    if not outbox_ids:
        return []
    return list(
        session.scalars(
            select(Conversion)
            .where(Conversion.outbox_id.in_(outbox_ids))
            .order_by(Conversion.recorded_at)
        )
    )
