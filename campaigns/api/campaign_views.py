"""API: campaigns from draft to sent, through the same lifecycle functions as the web pages.

A refused lifecycle step answers 409 with the ``LifecycleError``'s code (``bad_state``,
``not_ready``, ``same_person``, ``recipients_grew``, …) and message. No answer here holds
a phone number or a contact: campaigns carry counts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from campaigns import lifecycle
from campaigns.api.campaign_schemas import (
    ApproveIn,
    CampaignIn,
    CampaignOut,
    CampaignQuery,
    CancelIn,
    PreviewOut,
    RejectIn,
    StatusOut,
)
from campaigns.api.errors import ApiError
from campaigns.api.pagination import paginate
from campaigns.api.routes import Page, fetch, operation
from campaigns.audit import record
from campaigns.auth import current_user
from messaging import runtime
from messaging.db import db
from messaging.models import Campaign, Line, Service, TemplateVersion
from messaging.sending.progress import campaign_progress


def _campaign_out(campaign: Campaign) -> dict[str, Any]:
    rule = campaign.recipients_rule or {}
    values = campaign.placeholder_values or {}

    def when(key: str) -> datetime | None:
        return datetime.fromisoformat(rule[key]) if rule.get(key) else None

    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "line_ids": [line.id for line in campaign.lines],
        "template_version_id": campaign.template_version_id,
        "template_version_b_id": campaign.template_version_b_id,
        "service_id": campaign.service_id,
        "sender": campaign.sender,
        "force_name": str(values.get("force_name", "")),
        "area": str(values.get("area", "")),
        "reply_route": str(values.get("reply_route", "")),
        "kinds": list(rule.get("kinds") or []),
        "min_interactions": int(rule.get("min_interactions") or 0),
        "window_from": when("window_from"),
        "window_to": when("window_to"),
        "exclude_cross_line": bool(rule.get("exclude_cross_line", False)),
        "not_before": campaign.not_before,
        "not_after": campaign.not_after,
        "urgent": campaign.urgent,
        "urgency_reason": campaign.urgency_reason,
        "created_by_id": campaign.created_by_id,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "submitted_at": campaign.submitted_at,
        "approved_by_id": campaign.approved_by_id,
        "approved_at": campaign.approved_at,
        "review_comment": campaign.review_comment,
        "snapshot_hash": campaign.snapshot_hash,
        "recipient_count": campaign.recipient_count,
        "launched_at": campaign.launched_at,
        "finished_at": campaign.finished_at,
        "stop_reason": campaign.stop_reason,
    }


@operation(
    "/campaigns",
    tag="campaigns",
    summary="List campaigns",
    permission="campaigns:read",
    query=CampaignQuery,
    response=CampaignOut,
    paged=True,
)
def list_campaigns(query: dict[str, Any]) -> Page:
    """Campaigns, newest first, optionally in one ``state``."""
    statement = select(Campaign).order_by(Campaign.id.desc())
    if query["state"]:
        statement = statement.where(Campaign.state == query["state"])
    rows, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    return Page([_campaign_out(c) for c in rows], query["page"], query["per_page"], total)


_NO_VERSION = (
    "No such template version: choose one of a national template or of your force's "
    "(GET /templates)."
)


def _check_references(body: dict[str, Any]) -> None:
    problems: dict[str, list[str]] = {}
    wanted = set(body["line_ids"])
    found = set(db.session.scalars(select(Line.id).where(Line.id.in_(wanted))))
    if missing := sorted(wanted - found):
        problems["line_ids"] = [f"No line {i}." for i in missing]
    if db.session.get(TemplateVersion, body["template_version_id"]) is None:
        problems["template_version_id"] = [_NO_VERSION]
    second = body.get("template_version_b_id")
    if second is not None and db.session.get(TemplateVersion, second) is None:
        problems["template_version_b_id"] = [_NO_VERSION]
    if body["service_id"] is not None and db.session.get(Service, body["service_id"]) is None:
        problems["service_id"] = [
            "No such service: choose a national service or one of your force's (GET /services)."
        ]
    if problems:
        raise ApiError(422, "validation_failed", "Some fields are not valid.", fields=problems)


@operation(
    "/campaigns",
    method="POST",
    tag="campaigns",
    summary="Start a draft campaign",
    permission="campaigns:write",
    body=CampaignIn,
    response=CampaignOut,
    status=201,
)
def create_campaign(body: dict[str, Any]) -> dict[str, Any]:
    """Create a draft. Lines, template version and service must exist (else 422). Check it
    with ``GET /campaigns/{id}/preview``, then submit it for approval."""
    _check_references(body)
    draft = lifecycle.CampaignDraft(
        **{**body, "line_ids": tuple(body["line_ids"]), "kinds": tuple(body["kinds"])}
    )
    campaign = lifecycle.create_campaign(db.session, draft, current_user())
    record("alteration", "campaign_created", "campaign", campaign.id, commit=False)
    db.session.commit()
    return _campaign_out(campaign)


@operation(
    "/campaigns/<int:campaign_id>",
    tag="campaigns",
    summary="One campaign",
    permission="campaigns:read",
    response=CampaignOut,
)
def get_campaign(campaign_id: int) -> dict[str, Any]:
    """A campaign's settings, state and who made and approved it."""
    return _campaign_out(fetch(Campaign, campaign_id, "Campaign"))


@operation(
    "/campaigns/<int:campaign_id>/preview",
    tag="campaigns",
    summary="What the campaign would send now, and what blocks approval",
    permission="campaigns:read",
    response=PreviewOut,
)
def preview_campaign(campaign_id: int) -> lifecycle.Preview:
    """The rendered text, its encoding and segments, the recipient count and cost, and the
    problems that stop it being submitted or approved."""
    campaign = fetch(Campaign, campaign_id, "Campaign")
    result = lifecycle.preview(db.session, campaign, settings=runtime.current().settings)
    db.session.rollback()  # preview only reads; leave nothing pending
    return result


@operation(
    "/campaigns/<int:campaign_id>/status",
    tag="campaigns",
    summary="A campaign's progress",
    permission="campaigns:read",
    response=StatusOut,
)
def campaign_status(campaign_id: int) -> dict[str, Any]:
    """Counts by outcome, percent done and the send rate over the last minute."""
    campaign = fetch(Campaign, campaign_id, "Campaign")
    data = campaign_progress(db.session, campaign.id)
    data.update(state=campaign.state, stop_reason=campaign.stop_reason)
    return data


def _act(campaign_id: int, action: str, **options: Any) -> dict[str, Any]:
    """Run one lifecycle step as the token's user; 409 with its code when refused."""
    campaign = fetch(Campaign, campaign_id, "Campaign")
    user = current_user()
    rt = runtime.current()
    steps = {
        "submit": lambda: lifecycle.submit(db.session, campaign, user, settings=rt.settings),
        "approve": lambda: lifecycle.approve(
            db.session, campaign, user, settings=rt.settings, comment=options["comment"]
        ),
        "reject": lambda: lifecycle.reject(db.session, campaign, user, comment=options["comment"]),
        "launch": lambda: lifecycle.launch(
            db.session, campaign, user, redis=rt.redis, settings=rt.settings
        ),
        "pause": lambda: lifecycle.pause(db.session, campaign, user),
        "resume": lambda: lifecycle.resume(
            db.session, campaign, user, redis=rt.redis, settings=rt.settings
        ),
        "cancel": lambda: lifecycle.cancel(db.session, campaign, user, reason=options["reason"]),
    }
    try:
        steps[action]()
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        raise ApiError(409, exc.code, exc.message) from exc
    record(
        "disclosure" if action == "launch" else "alteration",
        f"campaign_{action}",
        "campaign",
        campaign.id,
        commit=False,
        details={"state": campaign.state, "recipients": campaign.recipient_count, "via": "api"},
        recipient=rt.settings.sms_gateway if action == "launch" else "",
    )
    db.session.commit()
    return _campaign_out(campaign)


def _action(
    action: str,
    permission: str,
    summary: str,
    body: type | None = None,
) -> None:
    """Declare ``POST /campaigns/{id}/<action>``."""

    def view(campaign_id: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return _act(campaign_id, action, **(body or {}))

    view.__name__ = f"{action}_campaign"
    view.__doc__ = f"{summary}. Answers the campaign; 409 with the reason when refused."
    operation(
        f"/campaigns/<int:campaign_id>/{action}",
        method="POST",
        tag="campaigns",
        summary=summary,
        permission=permission,
        body=body,
        response=CampaignOut,
        conflicts=True,
    )(view)


_action("submit", "campaigns:write", "Submit a draft for approval")
_action("approve", "campaigns:approve", "Approve, freezing what will be sent", ApproveIn)
_action("reject", "campaigns:approve", "Send back to its maker with a comment", RejectIn)
_action("launch", "campaigns:control", "Launch an approved campaign")
_action("pause", "campaigns:control", "Pause a sending campaign")
_action("resume", "campaigns:control", "Resume a paused campaign")
_action("cancel", "campaigns:control", "Cancel: texts not yet sent will not go", CancelIn)
