"""Simulated replies from recipients, and the inbound webhook fields Twilio posts for them."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Final

from messaging.sandbox.config import REPLY_TEXTS
from messaging.sandbox.resources import API_VERSION
from messaging.sandbox.segments import count_segments

# Twilio acts on these only when they are the whole message (case and spaces ignored).
OPT_OUT_KEYWORDS: Final = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS: Final = frozenset({"START", "YES", "UNSTOP"})


def _keyword(body: str) -> str:
    return body.strip().upper()


def is_opt_out(body: str) -> bool:
    """Whether Twilio would treat this reply as an opt-out keyword."""
    return _keyword(body) in OPT_OUT_KEYWORDS


def is_opt_in(body: str) -> bool:
    """Whether Twilio would treat this reply as a resubscribe keyword."""
    return _keyword(body) in OPT_IN_KEYWORDS


def can_receive_replies(sender: str) -> bool:
    """Whether a recipient can answer this sender: alphanumeric IDs are one-way."""
    return sender.startswith("+") or sender.isdigit()


def choose_reply(rng: random.Random, mix: Mapping[str, float]) -> str:
    """Pick a reply text: a kind by the mix's weights, then one of that kind's texts."""
    kinds = [kind for kind, weight in mix.items() if weight > 0]
    weights = [mix[kind] for kind in kinds]
    kind = rng.choices(kinds, weights=weights)[0]
    return rng.choice(REPLY_TEXTS[kind])


def inbound_params(
    *,
    sid: str,
    account_sid: str,
    from_: str,
    to: str,
    body: str,
    service_sid: str | None = None,
) -> dict[str, str]:
    """Return the form fields of Twilio's incoming-message webhook."""
    params = {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "Body": body,
        "From": from_,
        "FromCountry": "GB",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": str(count_segments(body)),
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": to,
        "ToCountry": "GB",
    }
    if service_sid:
        params["MessagingServiceSid"] = service_sid
    return params
