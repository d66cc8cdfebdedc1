"""The campaign wizard's rules, free of Flask: steps, saved values, and what a step needs.

The wizard keeps its state in a draft Campaign row: step 1 creates it, later steps edit it
through ``lifecycle.edit_campaign`` (so editing an approved campaign voids its approval), and
a step that fails validation saves nothing and shows the officer's input again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from campaigns import lifecycle
from campaigns.campaign_preview import service_placeholders
from messaging import runtime
from messaging.audience.arms import arm_sizes
from messaging.content.senders import SenderError, parse_sender
from messaging.content.sms_encoding import inspect, split_segments
from messaging.content.sms_templates import RESPONSE, TemplateError, TemplateErrorCode, render
from messaging.models import Campaign, Line, MessageTemplate, Service, TemplateVersion, User
from messaging.sending.send_window import LONDON

STEPS: tuple[tuple[str, str], ...] = (
    ("recipients", "Lines and recipients"),
    ("message", "Message and service"),
    ("sending", "Sender and timing"),
    ("check", "Check and submit"),
)
STEP_FIELDS = {
    "recipients": ("name", "line_ids", "min_interactions", "window_from", "window_to",
                   "exclude_cross_line", "kinds"),
    "message": ("template_version_id", "template_version_b_id", "service_id", "force_name",
                "area", "reply_route"),
    "sending": ("sender", "not_before", "not_after", "urgent", "urgency_reason"),
}  # fmt: skip
DEFAULT_REPLY_ROUTE = "Reply STOP to opt out."


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def saved_values(campaign: Campaign) -> dict[str, Any]:
    """The campaign as ``CampaignDraft`` keyword arguments."""
    rule = campaign.recipients_rule or {}
    values = campaign.placeholder_values or {}
    return {
        "name": campaign.name or "",
        "line_ids": tuple(line.id for line in campaign.lines),
        "template_version_id": campaign.template_version_id,
        "template_version_b_id": campaign.template_version_b_id,
        "service_id": campaign.service_id,
        "sender": campaign.sender or "",
        "force_name": values.get("force_name", ""),
        "area": values.get("area", ""),
        "reply_route": values.get("reply_route", ""),
        "kinds": tuple(rule.get("kinds") or ("mobile",)),
        "min_interactions": int(rule.get("min_interactions") or 0),
        "window_from": _when(rule.get("window_from")),
        "window_to": _when(rule.get("window_to")),
        "exclude_cross_line": bool(rule.get("exclude_cross_line")),
        "not_before": campaign.not_before,
        "not_after": campaign.not_after,
        "urgent": bool(campaign.urgent),
        "urgency_reason": campaign.urgency_reason or "",
    }


def start(session: Session, values: dict[str, Any], maker: User) -> Campaign:
    """Create the draft from step 1 (and any later steps' values posted with it)."""
    blank: dict[str, Any] = {
        "template_version_id": None,  # chosen at step 2; the preview says it is missing
        "service_id": None,
        # The force's configured sender, shown at step 3 for the officer to keep or change.
        "sender": runtime.current().settings.default_sender,
        "force_name": "",
    }
    draft = lifecycle.CampaignDraft(**{**blank, **values})
    return lifecycle.create_campaign(session, draft, maker)


def save_step(session: Session, campaign: Campaign, values: dict[str, Any], user: User) -> None:
    """Apply one step's values to the draft, keeping everything else as saved."""
    draft = lifecycle.CampaignDraft(**{**saved_values(campaign), **values})
    lifecycle.edit_campaign(session, campaign, draft, user)


def _local(moment: datetime | None, fmt: str) -> str:
    return moment.astimezone(LONDON).strftime(fmt) if moment else ""


def form_values(campaign: Campaign) -> MultiDict[str, str]:
    """The saved campaign as the strings a form shows (dates and times in London time)."""
    saved = saved_values(campaign)
    form: MultiDict[str, str] = MultiDict()
    for line_id in saved["line_ids"]:
        form.add("line_ids", str(line_id))
    for name in ("name", "sender", "force_name", "area", "reply_route", "urgency_reason"):
        form[name] = saved[name]
    for name in ("template_version_id", "template_version_b_id", "service_id"):
        form[name] = "" if saved[name] is None else str(saved[name])
    form["min_interactions"] = str(saved["min_interactions"])
    form["window_from"] = _local(saved["window_from"], "%Y-%m-%d")
    form["window_to"] = _local(saved["window_to"], "%Y-%m-%d")
    form["not_before"] = _local(saved["not_before"], "%Y-%m-%dT%H:%M")
    form["not_after"] = _local(saved["not_after"], "%Y-%m-%dT%H:%M")
    if saved["exclude_cross_line"]:
        form["exclude_cross_line"] = "on"
    if saved["urgent"]:
        form["urgent"] = "on"
    return form


# --- What each step checks beyond the shape of its fields ----------------------------------


def check_lines(session: Session, line_ids: tuple[int, ...]) -> dict[str, str]:
    found = set(
        session.scalars(select(Line.id).where(Line.id.in_(line_ids), Line.purged_at.is_(None)))
    )
    if set(line_ids) - found:
        return {"line_ids": "Choose lines from the list (one no longer exists or was purged)."}
    return {}


_FIELD_FOR_PLACEHOLDER = {
    "force_name": ("force_name", "This template names the force: enter it."),
    "area": ("area", "This template names the area: enter it."),
    "reply_route": ("reply_route", "This template needs a way to reply or opt out: enter it."),
}
_SERVICE_NEEDED = ("service_id", "This template names a service: choose one.")


def check_message(session: Session, values: dict[str, Any]) -> dict[str, str]:
    """Check the template (and an A/B test's second one) can be filled in with these
    values; errors keyed by field."""
    second = values.get("template_version_b_id")
    if second is not None:
        if second == values["template_version_id"]:
            return {"template_version_b_id": "Choose a different template to compare with."}
        version_b = session.get(TemplateVersion, second)
        if version_b is None or version_b.template.purpose == RESPONSE:
            return {"template_version_b_id": "Choose a template from the list."}
        errors = _check_version(session, values, version_b.id)
        if errors:
            return {"template_version_b_id": f"Version B: {next(iter(errors.values()))}"}
    return _check_version(session, values, values["template_version_id"])


def _check_version(session: Session, values: dict[str, Any], version_id: int) -> dict[str, str]:
    version = session.get(TemplateVersion, version_id)
    if version is None:
        return {"template_version_id": "Choose a message template."}
    service = None
    if values.get("service_id") is not None:
        service = session.get(Service, values["service_id"])
        if service is None or not service.active:
            return {"service_id": "Choose a service from the list."}
    filled = {
        "force_name": values.get("force_name", ""),
        "area": values.get("area", ""),
        "reply_route": values.get("reply_route", ""),
    }
    if service is not None:
        filled.update(service_placeholders(service))
    try:
        render(version.body, filled)
    except TemplateError as exc:
        if exc.code is TemplateErrorCode.MISSING_VALUE and exc.placeholder:
            if exc.placeholder.startswith("service_"):
                field_name, message = _SERVICE_NEEDED
                if service is not None:
                    message = f"{service.name} has no {exc.placeholder[8:]}: choose another."
                return {field_name: message}
            field_name, message = _FIELD_FOR_PLACEHOLDER.get(
                exc.placeholder, ("template_version_id", exc.message)
            )
            return {field_name: message}
        return {"template_version_id": exc.message}
    return {}


def check_sender(value: str) -> tuple[str | None, dict[str, str]]:
    """The sender normalised for the carrier, or an error for the sender field."""
    try:
        return parse_sender(value).value, {}
    except SenderError as exc:
        return None, {"sender": exc.message}


def sender_is_one_way(value: str) -> bool:
    try:
        return not parse_sender(value).two_way
    except SenderError:
        return False


_PROBLEM_STEPS = (
    ("sender", "sending"),
    ("one-way", "sending"),
    ("quiet hours", "sending"),
    ("send window", "sending"),
    ("template", "message"),
    ("segments", "message"),
    ("line", "recipients"),
    ("contacts", "recipients"),
)


def step_for_problem(problem: str) -> str:
    """Which step fixes a problem the preview reported (its wording names the subject)."""
    lowered = problem.lower()
    for word, step in _PROBLEM_STEPS:
        if word in lowered:
            return step
    return "message"


def template_choices(session: Session, pinned_id: int | None) -> list[dict[str, Any]]:
    """Active templates' current versions, plus the version a campaign pinned if older."""
    templates = session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.active.is_(True), MessageTemplate.purpose != RESPONSE)
        .order_by(MessageTemplate.purpose, MessageTemplate.name)
    ).all()
    latest: dict[int, TemplateVersion] = {}
    for version in session.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.template_id.in_([t.id for t in templates]))
        .order_by(TemplateVersion.version)
    ):
        latest[version.template_id] = version
    choices = [
        {"template": t, "version": latest[t.id], "pinned": False}
        for t in templates
        if t.id in latest
    ]
    offered = {c["version"].id for c in choices}
    if pinned_id is not None and pinned_id not in offered:
        version = session.get(TemplateVersion, pinned_id)
        if version is not None:
            template = session.get(MessageTemplate, version.template_id)
            choices.insert(0, {"template": template, "version": version, "pinned": True})
    return choices


@dataclass
class MessageView(lifecycle.Preview):
    """The figures shown beside the phone: from a live preview or the approved snapshot."""

    parts: list[str] = field(default_factory=list)  # the text as the network splits it
    frozen: bool = False  # from the approved snapshot, not a live preview


def from_preview(preview: lifecycle.Preview) -> MessageView:
    fields = {f.name: getattr(preview, f.name) for f in dataclasses.fields(lifecycle.Preview)}
    return MessageView(**fields, parts=split_segments(preview.body) if preview.body else [])


def from_snapshot(snapshot: dict[str, Any], price_per_segment_pence: float) -> MessageView:
    """The approved snapshot's message; its body was measured (and downgraded) at approval."""
    body = str(snapshot.get("body") or "")
    info = inspect(body, downgrade=False)
    recipients = int(snapshot.get("recipient_count") or 0)
    segments = int(snapshot.get("segments") or info.segments)
    body_b = str(snapshot.get("body_b") or "")
    info_b = inspect(body_b, downgrade=False) if body_b else None
    segments_b = int(snapshot.get("segments_b") or 0)
    arm_a, arm_b = arm_sizes(recipients) if body_b else (recipients, 0)
    total = arm_a * segments + arm_b * segments_b
    return MessageView(
        body_b=body_b,
        encoding_b=str(snapshot.get("encoding_b") or (info_b.encoding if info_b else "")),
        characters_b=info_b.characters if info_b else 0,
        segments_b=segments_b,
        body=body,
        encoding=str(snapshot.get("encoding") or info.encoding),
        characters=info.characters,
        segments=segments,
        remaining_in_segment=info.remaining_in_segment,
        non_gsm=list(info.non_gsm),
        recipients=recipients,
        total_segments=total,
        cost_pence=round(total * price_per_segment_pence, 2),
        one_way=sender_is_one_way(str(snapshot.get("sender") or "")),
        parts=split_segments(body) if body else [],
        frozen=True,
    )


def describe_rule(rule: dict[str, Any]) -> str:
    """The recipients rule in words, for summaries and the approval page."""
    minimum = int(rule.get("min_interactions") or 0)
    if minimum > 0:
        text = f"Numbers in contact with the line at least {minimum} time{'s' * (minimum != 1)}"
        start, end = _when(rule.get("window_from")), _when(rule.get("window_to"))
        if start and end:
            text += f" between {_local(start, '%d %b %Y')} and {_local(end, '%d %b %Y')}"
        elif start:
            text += f" since {_local(start, '%d %b %Y')}"
        elif end:
            text += f" until {_local(end, '%d %b %Y')}"
    else:
        text = "Everyone in the contact list"
    text += ", textable mobiles only"
    if rule.get("exclude_cross_line"):
        text += ", leaving out numbers also found on other lines"
    return text + "."
