"""A campaign's life: draft, approval by a second person, launch, pause, resume, cancel.

Plain functions over a session, free of Flask, so the web pages, the JSON API and the CLI
share one set of rules (who may do what from which state: ``campaigns.campaign_rules``;
what blocks approval: ``campaigns.campaign_preview``).
Approval freezes a snapshot of exactly what will be sent, including the set of contacts it
covers; any later edit voids it, and launch sends only what the snapshot says, refusing
anyone the approval did not cover. Functions that queue work (launch, resume) queue it when
the caller's transaction commits, so a worker never sees a half-made change.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.campaign_preview import (
    Preview,
    allows_drama,
    effective_sender,
    placeholder_values,
    preview,
)
from campaigns.campaign_rules import RULES, LifecycleError, require
from campaigns.test_sends import send_test
from messaging.audience.arms import new_seed
from messaging.audience.recipients import (
    RecipientsRule,
    pack_ids,
    recipient_ids,
    select_recipients,
    unpack_ids,
)
from messaging.content.senders import parse_sender
from messaging.db import utcnow
from messaging.models import (
    Campaign,
    CampaignState,
    Line,
    User,
)
from messaging.sending.outbox import OutboxPlan, enqueue_on_commit, write_outbox
from messaging.sending.outcomes import cancel_pending
from messaging.sending.send_window import Decision

log = logging.getLogger(__name__)
S = CampaignState
EDITABLE = RULES["edit"].states
CANCELLABLE = RULES["cancel"].states


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
    # An A/B test: a second template version for a random half of the recipients.
    template_version_b_id: int | None = None


def _apply_draft(session: Session, campaign: Campaign, draft: CampaignDraft) -> None:
    campaign.name = draft.name
    campaign.lines = list(session.scalars(select(Line).where(Line.id.in_(draft.line_ids))))
    campaign.template_version_id = draft.template_version_id
    campaign.template_version_b_id = draft.template_version_b_id
    if draft.template_version_b_id is None:
        campaign.arm_seed = None
    elif campaign.arm_seed is None:
        campaign.arm_seed = new_seed()  # kept through later edits, frozen by approval
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
    """Change a campaign before launch (officers only); any approval it had is void."""
    if campaign.state not in EDITABLE:
        raise LifecycleError("not_editable", RULES["edit"].wrong_state)
    require("edit", campaign, user)
    _apply_draft(session, campaign, draft)
    _void_approval(campaign, "edited after approval")


def _void_approval(campaign: Campaign, why: str) -> None:
    if campaign.state in (S.APPROVED, S.AWAITING_APPROVAL):
        log.info("campaign %s back to draft: %s", campaign.id, why)
    campaign.state = S.DRAFT
    campaign.snapshot = None
    campaign.snapshot_hash = None
    campaign.approved_recipients = None
    campaign.approved_by_id = None
    campaign.approved_at = None


def submit(session: Session, campaign: Campaign, user: User, *, settings: Any) -> Preview:
    """Ask a supervisor to approve (officers only); refused while the preview lists problems."""
    require("submit", campaign, user)
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
    """Approve as a second person (a supervisor), freezing exactly what will be sent.

    The snapshot holds the rendered text, sender, service, rule, send window and urgency,
    and the recipients: their count and a digest of the exact contact ids (kept packed on
    the campaign), so launch can refuse anyone the approval did not cover.
    """
    require("approve", campaign, approver)
    if approver.id == campaign.created_by_id:
        raise LifecycleError(
            "same_person", "You created this campaign: a different supervisor must approve it."
        )
    result = preview(session, campaign, settings=settings)
    if result.problems:
        raise LifecycleError("not_ready", " ".join(result.problems))
    rule = RecipientsRule.from_json(
        campaign.recipients_rule or {}, allow_drama=allows_drama(settings)
    )
    ids = recipient_ids(session, rule)
    covered = pack_ids(ids)
    snapshot = {
        "template_version_id": campaign.template_version_id,
        "service_id": campaign.service_id,
        "placeholder_values": placeholder_values(session, campaign),
        "body": result.body,
        "encoding": result.encoding,
        "segments": result.segments,
        "sender": parse_sender(effective_sender(campaign, settings)).value,
        "rule": campaign.recipients_rule,
        "recipient_count": len(ids),
        "recipients_digest": hashlib.sha256(covered).hexdigest(),
        "not_before": campaign.not_before.isoformat() if campaign.not_before else None,
        "not_after": campaign.not_after.isoformat() if campaign.not_after else None,
        "urgent": campaign.urgent,
        "urgency_reason": campaign.urgency_reason,
    }
    if campaign.template_version_b_id is not None:
        # An A/B test: the approval covers both texts and the seed that splits them.
        snapshot.update(
            template_version_b_id=campaign.template_version_b_id,
            body_b=result.body_b,
            encoding_b=result.encoding_b,
            segments_b=result.segments_b,
            arm_seed=campaign.arm_seed,
        )
    campaign.snapshot = snapshot
    campaign.snapshot_hash = snapshot_hash(snapshot)
    campaign.approved_recipients = covered
    campaign.state = S.APPROVED
    campaign.approved_by_id = approver.id
    campaign.approved_at = utcnow()
    campaign.review_comment = comment
    return snapshot


def reject(session: Session, campaign: Campaign, reviewer: User, *, comment: str) -> None:
    """Send a campaign back to its maker with a comment (supervisors only)."""
    require("reject", campaign, reviewer)
    if not comment.strip():
        raise LifecycleError("comment_required", "Say why the campaign is being sent back.")
    campaign.review_comment = comment.strip()
    _void_approval(campaign, "rejected")


def launch(session: Session, campaign: Campaign, user: User, *, redis: Redis, settings: Any) -> int:
    """Write the approved snapshot's outbox and queue it; returns the number of texts.

    Refused when anyone outside the approval would be texted (contacts or interactions
    imported since, an opt-out lifted): the campaign must be approved again. Recipients
    who dropped out since (opted out, purged) are simply not texted. A campaign whose window
    is not open yet is ``scheduled``; the tick starts it. Texts are queued on commit.
    """
    require("launch", campaign, user)
    snapshot = campaign.snapshot
    if snapshot is None or snapshot_hash(snapshot) != campaign.snapshot_hash:
        raise LifecycleError("snapshot_changed", "The approved snapshot was altered: re-approve.")
    rule = RecipientsRule.from_json(snapshot["rule"], allow_drama=allows_drama(settings))
    recipients = select_recipients(session, rule)
    _refuse_unapproved(campaign, [contact_id for contact_id, _, _ in recipients])
    plan = OutboxPlan.from_snapshot(campaign.id, snapshot)
    window = plan.window(utcnow(), settings)
    if window.decision is Decision.EXPIRED:
        raise LifecycleError(
            "window_closed",
            "The approved send window has closed (its not-after has passed, or quiet hours "
            "last until then): change the window and have it approved again.",
        )
    state = S.SENDING if window.decision is Decision.SEND else S.SCHEDULED
    written = write_outbox(session, plan, recipients, state=state)
    session.expire(campaign)
    if state == S.SENDING:
        enqueue_on_commit(session, redis, campaign.id, settings=settings)
    else:
        log.info("campaign %s scheduled to start at %s", campaign.id, window.until)
    return written


def _refuse_unapproved(campaign: Campaign, contact_ids: list[int]) -> None:
    snapshot = campaign.snapshot or {}
    approved_count = int(snapshot.get("recipient_count", 0))
    if campaign.approved_recipients is None:
        # Approved before approvals kept the exact set: fall back to the count.
        if len(contact_ids) > approved_count:
            raise _grew(approved_count, len(contact_ids))
        return
    approved = set(unpack_ids(campaign.approved_recipients))
    added = sum(1 for contact_id in contact_ids if contact_id not in approved)
    if added:
        raise _grew(approved_count, len(contact_ids), added=added)


def _grew(before: int, now: int, *, added: int | None = None) -> LifecycleError:
    detail = f"{added} recipients the approval did not cover would be texted" if added else ""
    return LifecycleError(
        "recipients_grew",
        f"The recipients changed since approval (approved {before}, now {now}"
        f"{'; ' + detail if detail else ''}): new contacts or call logs were imported, or an "
        "opt-out was lifted. It must be approved again.",
    )


def _transition(session: Session, campaign: Campaign, action: str, **values: Any) -> None:
    """Move ``campaign`` with one conditional UPDATE … WHERE state IN (the action's states),
    so a concurrent move (a worker completing it, the tick stopping it) is never clobbered;
    refused when the state changed since the campaign was read."""
    session.flush()
    moved = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.state.in_(RULES[action].states))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(campaign)
    if not moved:
        log.info("campaign %s: %s refused, it is now %s", campaign.id, action, campaign.state)
        raise LifecycleError(
            "state_changed", f"{RULES[action].wrong_state} It is now {campaign.state}."
        )


def pause(session: Session, campaign: Campaign, user: User) -> None:
    """Stop sending for now (within half a second); nothing sent is sent again on resume."""
    require("pause", campaign, user)
    _transition(
        session,
        campaign,
        "pause",
        state=S.PAUSED,
        stop_code="paused",
        stop_reason=f"Paused by {user.display_name or user.email}.",
        updated_at=utcnow(),
    )


def resume(
    session: Session, campaign: Campaign, user: User, *, redis: Redis, settings: Any
) -> None:
    """Carry on from where the campaign paused (only texts never sent go), or go back to
    scheduled when its window is not open yet. After a carrier block only a supervisor
    may resume, and the earlier block reports are taken as reviewed."""
    require("resume", campaign, user)
    plan = OutboxPlan.from_snapshot(campaign.id, campaign.snapshot or {})
    opens = plan.window(utcnow(), settings)
    campaign.state = S.SENDING if opens.decision is not Decision.WAIT else S.SCHEDULED
    campaign.stop_reason = ""
    campaign.stop_code = ""
    campaign.resumed_at = campaign.updated_at = utcnow()
    session.flush()
    if campaign.state == S.SENDING:
        # An expired window is handled by the tick, which expires the rows and says why.
        enqueue_on_commit(session, redis, campaign.id, settings=settings)


def cancel(session: Session, campaign: Campaign, user: User, *, reason: str = "") -> int:
    """Stop for good; texts not yet handed to the carrier are marked cancelled.

    Texts a worker holds at this moment are released by it within half a second and
    cancelled then; texts already at the carrier stay sent.
    """
    require("cancel", campaign, user)
    now = utcnow()
    _transition(
        session,
        campaign,
        "cancel",
        state=S.CANCELLED,
        finished_at=now,
        updated_at=now,
        stop_reason=reason or "Cancelled.",
        stop_code="cancelled",
    )
    return cancel_pending(session, campaign.id)


def test_send(
    session: Session, campaign: Campaign, user: User, *, settings: Any, redis: Redis
) -> Any:
    """Text the campaign's message to the user's own phone (``User.own_phone``) through the
    campaign's gateway; see ``campaigns.test_sends``. Never counts as a campaign send."""
    return send_test(session, campaign, user, settings=settings, redis=redis)
