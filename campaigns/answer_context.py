"""What the conversation page needs to answer a reply and record an outcome (no Flask).

The page offers the approved responses (those suiting the latest reply first, each shown as
it would go), a free-text box, the answers already given or waiting for approval, and the
campaign texts an outcome can be credited to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.permissions import may_answer_alone, role_has
from messaging.inbound.answers import (
    answers_for,
    preview_response,
    response_choices,
    unanswerable,
)
from messaging.inbound.conversations import Conversation
from messaging.inbound.conversions import CONVERSION_KINDS, campaign_texts, conversions_of
from messaging.inbound.triage.queues import Queue
from messaging.models import Campaign, Service, User


@dataclass
class AnswerPanel:
    reply_id: int | None = None
    allowed: bool = False  # the user may answer
    refused: str | None = None  # why this number cannot be answered
    choices: list[dict[str, Any]] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    service_id: int | None = None
    request_key: str = ""
    risk: bool = False
    alone: bool = False  # free text goes without a second person


def _default_service(session: Session, campaign_id: int | None) -> int | None:
    """The campaign's service when it is a local one, else the first local service (the
    force's own before those shared by every force)."""
    if campaign_id is not None:
        chosen = session.scalar(select(Campaign.service_id).where(Campaign.id == campaign_id))
        if chosen and not session.scalar(select(Service.national).where(Service.id == chosen)):
            return chosen
    return session.scalar(
        select(Service.id)
        .where(Service.active.is_(True), Service.national.is_(False))
        .order_by(Service.force_id.is_(None), Service.name)
        .limit(1)
    )


def answer_panel(session: Session, talk: Conversation, user: User) -> AnswerPanel:
    """The answer form for the conversation's latest reply."""
    if not talk.replies:
        return AnswerPanel()
    reply = talk.replies[-1]
    panel = AnswerPanel(
        reply_id=reply.id,
        allowed=role_has(user.role, "replies:answer"),
        refused=unanswerable(session, reply),
        risk=reply.queue == Queue.RISK,
    )
    if not panel.allowed or panel.refused:
        return panel
    panel.alone = panel.risk and may_answer_alone(user)
    panel.services = list(  # local services first (the force's own first); a response
        session.scalars(  # names a phone number; the scope adds national + own only
            select(Service)
            .where(Service.active.is_(True), Service.phone != "")
            .order_by(Service.national, Service.force_id.is_(None), Service.name)
        )
    )
    panel.service_id = _default_service(session, reply.campaign_id)
    for choice in response_choices(session, reply):
        panel.choices.append(
            {
                "choice": choice,
                "text": preview_response(session, choice.version.id, panel.service_id),
                "needs_service": any(
                    p.startswith("service_") for p in choice.version.placeholders or []
                ),
            }
        )
    panel.request_key = secrets.token_urlsafe(24)
    return panel


def conversation_extras(session: Session, talk: Conversation, user: User) -> dict[str, Any]:
    """Everything beyond the timeline: answers, the answer form, outcomes."""
    answers = answers_for(session, talk.phone_hash)
    people = {
        u.id: u.display_name or u.email
        for u in session.scalars(
            select(User).where(
                User.id.in_(
                    {a.requested_by_id for a in answers}
                    | {a.decided_by_id for a in answers if a.decided_by_id}
                )
            )
        )
    }
    texts = campaign_texts(session, talk.phone_hash)
    return {
        "answers": {a.id: a for a in answers},
        "waiting": [a for a in answers if a.state == "awaiting_approval"],
        "refused_answers": [a for a in answers if a.state == "refused"],
        "people": people,
        "panel": answer_panel(session, talk, user),
        "can_approve": role_has(user.role, "replies:approve_answers"),
        "campaign_texts": texts,
        "conversions": conversions_of(session, [t.outbox_id for t in texts]),
        "conversion_kinds": CONVERSION_KINDS,
        "can_record": role_has(user.role, "outcomes:record"),
    }
