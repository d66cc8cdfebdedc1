"""What a campaign would send now, and every problem that blocks its approval.

Free of Flask: the wizard, the approval page, the JSON API and approval itself (in
``campaigns.lifecycle``) share one set of checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from messaging.audience.arms import arm_sizes
from messaging.audience.recipients import RecipientsRule, count_recipients
from messaging.content.senders import SenderError, asks_for_reply, names_other_route, parse_sender
from messaging.content.sms_encoding import inspect
from messaging.content.sms_templates import RESPONSE, TemplateError, render
from messaging.models import Campaign, Service, TemplateVersion


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
    # An A/B test's second text (empty when the campaign has one text).
    body_b: str = ""
    encoding_b: str = ""
    characters_b: int = 0
    segments_b: int = 0


def placeholder_values(session: Session, campaign: Campaign) -> dict[str, str]:
    """Campaign-level values a template may use (never anything about a contact)."""
    values = {k: str(v) for k, v in (campaign.placeholder_values or {}).items()}
    service = session.get(Service, campaign.service_id) if campaign.service_id else None
    if service is not None:
        values.update(service_placeholders(service))
    return values


def service_placeholders(service: Service) -> dict[str, str]:
    """The template placeholders a chosen service fills in."""
    return {
        "service_name": service.name,
        "service_phone": service.phone,
        "service_url": service.url,
        "service_hours": service.hours,
    }


def _render(
    session: Session, campaign: Campaign, version_id: int | None, settings: Any, label: str
) -> tuple[Any, list[str]]:
    """A version's text filled in and measured, or the problems that stop it (``label``
    names it in them when the campaign is an A/B test)."""
    version = session.get(TemplateVersion, version_id or 0)
    if version is None:
        return None, [f"Choose a message template{label}."]
    if version.template.purpose == RESPONSE:
        return None, [
            f"That template{label} is a response to a reply, not a campaign message: "
            "choose another."
        ]
    try:
        rendered = render(version.body, placeholder_values(session, campaign))
    except TemplateError as exc:
        return None, [f"The template{label} cannot be filled in: {exc.message}"]
    info = inspect(rendered)
    if info.segments > settings.max_segments:
        return info, [
            f"The message{label} is {info.segments} segments; the most allowed is "
            f"{settings.max_segments}. Shorten it."
        ]
    return info, []


def preview(session: Session, campaign: Campaign, *, settings: Any) -> Preview:
    """Render and measure the message (both, for an A/B test) and count recipients, listing
    every blocking problem."""
    result = Preview()
    ab_test = campaign.template_version_b_id is not None
    info, problems = _render(
        session, campaign, campaign.template_version_id, settings, " (A)" if ab_test else ""
    )
    result.problems.extend(problems)
    if info is not None:
        result.body, result.encoding = info.text, str(info.encoding)
        result.characters, result.segments = info.characters, info.segments
        result.remaining_in_segment = info.remaining_in_segment
        result.non_gsm = list(info.non_gsm)
        result.downgrades = [d.__dict__ for d in info.downgrades]
    if ab_test:
        info_b, problems = _render(
            session, campaign, campaign.template_version_b_id, settings, " (B)"
        )
        result.problems.extend(problems)
        if info_b is not None:
            result.body_b, result.encoding_b = info_b.text, str(info_b.encoding)
            result.characters_b, result.segments_b = info_b.characters, info_b.segments
        if campaign.template_version_b_id == campaign.template_version_id:
            result.problems.append("An A/B test needs two different template versions.")
    try:
        sender = parse_sender(effective_sender(campaign, settings))
    except SenderError as exc:
        result.problems.append(f"Sender: {exc.message}")
    else:
        result.one_way = not sender.two_way
        texts = [t for t in (result.body, result.body_b) if t]
        if result.one_way and any(asks_for_reply(t) for t in texts):
            result.problems.append(
                "An alphanumeric sender is one-way: nobody can reply, but the message asks "
                'for a reply (such as "Reply STOP"). Use the one-way opt-out wording: text '
                "STOP to a number that can receive it."
            )
        if result.one_way and any(not names_other_route(t) for t in texts):
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
        campaign.recipients_rule or {}, allow_drama=allows_drama(settings)
    )
    if not rule.line_ids:
        result.problems.append("Choose at least one line.")
    result.recipients = count_recipients(session, rule)
    if rule.line_ids and result.recipients == 0:
        result.problems.append("No contacts match the recipients rule.")
    arm_a, arm_b = arm_sizes(result.recipients) if ab_test else (result.recipients, 0)
    result.total_segments = arm_a * result.segments + arm_b * result.segments_b
    result.cost_pence = round(result.total_segments * settings.price_per_segment_pence, 2)
    return result


def effective_sender(campaign: Campaign, settings: Any) -> str:
    """The campaign's sender, or the configured default (``TWILIO_MESSAGING_SERVICE_SID``,
    else ``TWILIO_FROM``) when it names none; approval freezes the one used."""
    return (campaign.sender or "").strip() or settings.default_sender


def allows_drama(settings: Any) -> bool:
    return settings.sms_gateway == "sandbox"
