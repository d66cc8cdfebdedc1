"""A campaign's life: draft, approval by a second person, launch, pause, resume, cancel.

Plain functions over a session, free of Flask, so the web pages, the JSON API and the CLI
share one set of rules. Approval freezes a snapshot of exactly what will be sent; any later
edit voids it, and launch sends only what the snapshot says.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.db import utcnow
from messaging.models import (
    Campaign,
    CampaignState,
    Line,
    OutboxMessage,
    Role,
    Service,
    TemplateVersion,
    User,
)
from messaging.outbox import enqueue_ready, launch_campaign
from messaging.recipients import RecipientsRule, count_recipients
from messaging.senders import SenderError, names_other_route, parse_sender
from messaging.sms_encoding import inspect
from messaging.sms_templates import TemplateError, render

log = logging.getLogger(__name__)
S = CampaignState
EDITABLE = (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED)
CANCELLABLE = (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.SCHEDULED, S.SENDING, S.PAUSED)


class LifecycleError(ValueError):
    """A campaign action refused; ``code`` for programs, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Preview:
    """What the campaign would send now, and what stops it being approved."""

    body: str = ""
    encoding: str = ""
    characters: int = 0
    segments: int = 0
    remaining_in_segment: int = 0
    non_gsm: list[str] = field(default_factory=list)
    downgrades: list[dict[str, Any]] = field(default_factory=list)
    recipients: int = 0
    total_segments: int = 0
    cost_pence: float = 0.0
    one_way: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignDraft:
    """The fields an officer fills in; validated by the web form or API schema first."""

    name: str
    line_ids: tuple[int, ...]
    template_version_id: int
    service_id: int | None
    sender: str
    force_name: str
    area: str = ""
    reply_route: str = ""
    kinds: tuple[str, ...] = ("mobile",)
    min_interactions: int = 0
    window_from: datetime | None = None
    window_to: datetime | None = None
    exclude_cross_line: bool = False
    not_before: datetime | None = None
    not_after: datetime | None = None
    urgent: bool = False
    urgency_reason: str = ""


def _apply_draft(session: Session, campaign: Campaign, draft: CampaignDraft) -> None:
    campaign.name = draft.name
    campaign.lines = list(session.scalars(select(Line).where(Line.id.in_(draft.line_ids))))
    campaign.template_version_id = draft.template_version_id
    campaign.service_id = draft.service_id
    campaign.sender = draft.sender.strip()
    campaign.placeholder_values = {
        "force_name": draft.force_name,
        "area": draft.area,
        "reply_route": draft.reply_route,
    }
    rule = RecipientsRule(
        line_ids=tuple(line.id for line in campaign.lines),
        kinds=draft.kinds,
        min_interactions=draft.min_interactions,
        window_from=draft.window_from,
        window_to=draft.window_to,
        exclude_cross_line=draft.exclude_cross_line,
    )
    campaign.recipients_rule = rule.as_json()
    campaign.not_before, campaign.not_after = draft.not_before, draft.not_after
    campaign.urgent, campaign.urgency_reason = draft.urgent, draft.urgency_reason.strip()
    campaign.updated_at = utcnow()


def create_campaign(session: Session, draft: CampaignDraft, maker: User) -> Campaign:
    """Start a draft campaign owned by ``maker``."""
    campaign = Campaign(created_by_id=maker.id, state=S.DRAFT)
    session.add(campaign)
    _apply_draft(session, campaign, draft)
    session.flush()
    return campaign


def edit_campaign(session: Session, campaign: Campaign, draft: CampaignDraft, user: User) -> None:
    """Change a campaign before launch; any approval it had is void."""
    if campaign.state not in EDITABLE:
        raise LifecycleError("not_editable", "A campaign cannot be edited once it has launched.")
    _apply_draft(session, campaign, draft)
    _void_approval(campaign, "edited after approval")


def _void_approval(campaign: Campaign, why: str) -> None:
    if campaign.state in (S.APPROVED, S.AWAITING_APPROVAL):
        log.info("campaign %s back to draft: %s", campaign.id, why)
    campaign.state = S.DRAFT
    campaign.snapshot = None
    campaign.snapshot_hash = None
    campaign.approved_by_id = None
    campaign.approved_at = None


def placeholder_values(session: Session, campaign: Campaign) -> dict[str, str]:
    """Campaign-level values a template may use (never anything about a contact)."""
    values = {k: str(v) for k, v in (campaign.placeholder_values or {}).items()}
    service = session.get(Service, campaign.service_id) if campaign.service_id else None
    if service is not None:
        values.update(
            service_name=service.name,
            service_phone=service.phone,
            service_url=service.url,
            service_hours=service.hours,
        )
    return values


def preview(session: Session, campaign: Campaign, *, settings: Any) -> Preview:
    """Render and measure the message and count recipients, listing every blocking problem."""
    result = Preview()
    version = session.get(TemplateVersion, campaign.template_version_id or 0)
    if version is None:
        result.problems.append("Choose a message template.")
    else:
        try:
            rendered = render(version.body, placeholder_values(session, campaign))
        except TemplateError as exc:
            result.problems.append(f"The template cannot be filled in: {exc.message}")
        else:
            info = inspect(rendered)
            result.body, result.encoding = info.text, str(info.encoding)
            result.characters, result.segments = info.characters, info.segments
            result.remaining_in_segment = info.remaining_in_segment
            result.non_gsm = list(info.non_gsm)
            result.downgrades = [d.__dict__ for d in info.downgrades]
            if info.segments > settings.max_segments:
                result.problems.append(
                    f"The message is {info.segments} segments; the most allowed is "
                    f"{settings.max_segments}. Shorten it."
                )
    try:
        sender = parse_sender(campaign.sender)
    except SenderError as exc:
        result.problems.append(f"Sender: {exc.message}")
    else:
        result.one_way = not sender.two_way
        if result.one_way and result.body and not names_other_route(result.body):
            result.problems.append(
                "An alphanumeric sender is one-way: nobody can reply. The message must name "
                "another route for help or to opt out (a phone number, a web address, or "
                "Crimestoppers)."
            )
    if campaign.urgent and not campaign.urgency_reason:
        result.problems.append("Give a reason for sending outside quiet hours.")
    if campaign.not_before and campaign.not_after and campaign.not_after <= campaign.not_before:
        result.problems.append("The send window ends before it starts.")
    rule = RecipientsRule.from_json(
        campaign.recipients_rule or {}, allow_drama=_allow_drama(settings)
    )
    if not rule.line_ids:
        result.problems.append("Choose at least one line.")
    result.recipients = count_recipients(session, rule)
    if rule.line_ids and result.recipients == 0:
        result.problems.append("No contacts match the recipients rule.")
    result.total_segments = result.recipients * result.segments
    result.cost_pence = round(result.total_segments * settings.price_per_segment_pence, 2)
    return result


def _allow_drama(settings: Any) -> bool:
    return settings.sms_gateway == "sandbox"


def submit(session: Session, campaign: Campaign, user: User, *, settings: Any) -> Preview:
    """Ask a supervisor to approve; refused while the preview lists problems."""
    if campaign.state != S.DRAFT:
        raise LifecycleError("bad_state", "Only a draft can be submitted for approval.")
    result = preview(session, campaign, settings=settings)
    if result.problems:
        raise LifecycleError("not_ready", " ".join(result.problems))
    campaign.state = S.AWAITING_APPROVAL
    campaign.submitted_at = utcnow()
    return result


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def approve(
    session: Session, campaign: Campaign, approver: User, *, settings: Any, comment: str = ""
) -> dict[str, Any]:
    """Approve as a second person (a supervisor), freezing exactly what will be sent."""
    if campaign.state != S.AWAITING_APPROVAL:
        raise LifecycleError("bad_state", "Only a campaign awaiting approval can be approved.")
    if approver.role != Role.SUPERVISOR:
        raise LifecycleError("not_supervisor", "Only a supervisor can approve a campaign.")
    if approver.id == campaign.created_by_id:
        raise LifecycleError(
            "same_person", "You created this campaign: a different supervisor must approve it."
        )
    result = preview(session, campaign, settings=settings)
    if result.problems:
        raise LifecycleError("not_ready", " ".join(result.problems))
    snapshot = {
        "template_version_id": campaign.template_version_id,
        "service_id": campaign.service_id,
        "placeholder_values": placeholder_values(session, campaign),
        "body": result.body,
        "encoding": result.encoding,
        "segments": result.segments,
        "sender": campaign.sender,
        "rule": campaign.recipients_rule,
        "recipient_count": result.recipients,
        "not_before": campaign.not_before.isoformat() if campaign.not_before else None,
        "not_after": campaign.not_after.isoformat() if campaign.not_after else None,
        "urgent": campaign.urgent,
        "urgency_reason": campaign.urgency_reason,
    }
    campaign.snapshot = snapshot
    campaign.snapshot_hash = snapshot_hash(snapshot)
    campaign.state = S.APPROVED
    campaign.approved_by_id = approver.id
    campaign.approved_at = utcnow()
    campaign.review_comment = comment
    return snapshot


def reject(session: Session, campaign: Campaign, reviewer: User, *, comment: str) -> None:
    """Send a campaign back to its maker with a comment."""
    if campaign.state != S.AWAITING_APPROVAL:
        raise LifecycleError("bad_state", "Only a campaign awaiting approval can be rejected.")
    if not comment.strip():
        raise LifecycleError("comment_required", "Say why the campaign is being sent back.")
    campaign.review_comment = comment.strip()
    _void_approval(campaign, "rejected")


def launch(session: Session, campaign: Campaign, user: User, *, redis: Redis, settings: Any) -> int:
    """Write the approved snapshot's outbox and queue it; returns the number of texts."""
    if campaign.state != S.APPROVED or campaign.snapshot is None:
        raise LifecycleError("bad_state", "Only an approved campaign can be launched.")
    if snapshot_hash(campaign.snapshot) != campaign.snapshot_hash:
        raise LifecycleError("snapshot_changed", "The approved snapshot was altered: re-approve.")
    rule = RecipientsRule.from_json(campaign.snapshot["rule"], allow_drama=_allow_drama(settings))
    now_count = count_recipients(session, rule)
    if now_count > campaign.snapshot["recipient_count"]:
        raise LifecycleError(
            "recipients_grew",
            f"The recipients grew from {campaign.snapshot['recipient_count']} to {now_count} "
            "since approval (new contacts were imported): it must be approved again.",
        )
    written = launch_campaign(session, campaign.id, allow_drama=_allow_drama(settings))
    session.flush()
    enqueue_ready(
        session, redis, campaign.id, batch_size=settings.batch_size, prefix=settings.queue_prefix
    )
    return written


def pause(session: Session, campaign: Campaign, user: User) -> None:
    if campaign.state != S.SENDING:
        raise LifecycleError("bad_state", "Only a sending campaign can be paused.")
    campaign.state = S.PAUSED
    campaign.updated_at = utcnow()


def resume(
    session: Session, campaign: Campaign, user: User, *, redis: Redis, settings: Any
) -> None:
    if campaign.state != S.PAUSED:
        raise LifecycleError("bad_state", "Only a paused campaign can be resumed.")
    campaign.state = S.SENDING
    campaign.stop_reason = ""
    campaign.updated_at = utcnow()
    session.flush()
    enqueue_ready(
        session, redis, campaign.id, batch_size=settings.batch_size, prefix=settings.queue_prefix
    )


def cancel(session: Session, campaign: Campaign, user: User, *, reason: str = "") -> int:
    """Stop for good; texts not yet handed to the carrier are marked cancelled."""
    if campaign.state not in CANCELLABLE:
        raise LifecycleError("bad_state", "This campaign has already finished.")
    campaign.state = S.CANCELLED
    campaign.finished_at = campaign.updated_at = utcnow()
    campaign.stop_reason = reason or "Cancelled."
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign.id, OutboxMessage.status == ds.PENDING)
        .values(status=ds.CANCELLED, final_at=utcnow(), updated_at=utcnow())
    ).rowcount
