"""What an alert says: the reply's id, a link to it, its risk kinds and when it came.

Never the number, never the words: the link leads a signed-in analyst to those. The same
facts go by e-mail (a short plain-text message) and by webhook (a JSON object).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messaging.notify import EmailMessageSpec


@dataclass(frozen=True)
class AlertFacts:
    """Everything an alert may say, and nothing more."""

    alert_id: int
    reply_id: int
    round: int
    risk_kinds: tuple[str, ...]
    received_at: datetime
    handled: bool
    force_code: str  # whose reply it is (a shared webhook receiver routes by it)
    link: str
    repeat_minutes: float


def facts_for(
    *,
    alert_id: int,
    reply_id: int,
    round_: int,
    risk_kinds: list[str] | None,
    received_at: datetime,
    handled: bool,
    force_code: str,
    public_base_url: str,
    repeat_minutes: float,
) -> AlertFacts:
    return AlertFacts(
        alert_id=alert_id,
        reply_id=reply_id,
        round=round_,
        risk_kinds=tuple(str(k) for k in (risk_kinds or [])),
        received_at=received_at,
        handled=handled,
        force_code=force_code,
        link=f"{public_base_url.rstrip('/')}/replies/{reply_id}",
        repeat_minutes=repeat_minutes,
    )


def _kinds(facts: AlertFacts) -> str:
    return ", ".join(k.replace("_", " ") for k in facts.risk_kinds) or "risk disclosure"


def email_spec(facts: AlertFacts, *, sender: str, to: tuple[str, ...]) -> EmailMessageSpec:
    """The alert as a plain-text e-mail."""
    reminder = f" (reminder {facts.round - 1})" if facts.round > 1 else ""
    subject = f"pester: risk disclosure waiting, reply {facts.reply_id}{reminder}"
    text = "\n".join(
        [
            "A reply in pester's risk queue needs a person now.",
            "",
            f"Reply:     {facts.reply_id}",
            f"Force:     {facts.force_code or '-'}",
            f"Risk:      {_kinds(facts)}",
            f"Received:  {facts.received_at:%Y-%m-%d %H:%M:%S} UTC",
            f"Open it:   {facts.link}",
            "",
            "Sign in to read it and answer. This alert repeats every "
            f"{facts.repeat_minutes:g} minutes until someone marks the reply handled.",
            f"Alert {facts.alert_id}, round {facts.round}.",
        ]
    )
    return EmailMessageSpec(
        sender=sender,
        to=to,
        subject=subject,
        text=text + "\n",
        headers=(("X-Pester-Alert", str(facts.alert_id)),),
    )


def webhook_payload(facts: AlertFacts, *, delivery_id: int) -> dict[str, Any]:
    """The alert as the webhook's JSON (``messaging.notify.webhook`` adds ``sent_at``)."""
    return {
        "event": "risk_reply",
        "id": f"alert-delivery-{delivery_id}",
        "alert_id": facts.alert_id,
        "round": facts.round,
        "reply_id": facts.reply_id,
        "force": facts.force_code,
        "risk_kinds": list(facts.risk_kinds),
        "received_at": facts.received_at.isoformat(),
        "url": facts.link,
        "repeat_minutes": facts.repeat_minutes,
    }
