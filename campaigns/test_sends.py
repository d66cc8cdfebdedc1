"""Test texts to an officer's own phone, before a campaign launches.

A test text goes through the same gateway, sender and shared rate limit as the campaign
(so it proves the sender works), carries exactly the text the campaign would send (the
approved snapshot's once approved), and is recorded as a ``TestSend``: never an outbox row,
so it never counts as a campaign send, and no status callback is asked for. Officers may
send a few per campaign per hour (``MAX_PER_HOUR``): enough to check a change, not a way to
text anyone else. No database write happens before the gateway call, so no lock is held
across it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.campaign_preview import effective_sender, preview
from campaigns.campaign_rules import LifecycleError, require
from messaging import runtime
from messaging.content.senders import SenderError, parse_sender
from messaging.content.sms_encoding import inspect
from messaging.db import utcnow
from messaging.gateways.base import GatewayError, OutcomeUnknown, OutgoingSms
from messaging.intake.phone_numbers import normalise
from messaging.models import Campaign, TestSend, User
from messaging.sending.pacing import sender_rate
from messaging.sending.rate_limiter import RateLimiter

log = logging.getLogger(__name__)
MAX_PER_HOUR = 5
RATE_WAIT_SECONDS = 5.0


def send_test(
    session: Session, campaign: Campaign, user: User, *, settings: Any, redis: Redis
) -> TestSend:
    """Send the campaign's text to ``user.own_phone``; returns the recorded ``TestSend``
    (outcome ``sent``, ``failed`` or ``unknown``). Refusals raise ``LifecycleError``."""
    require("test_send", campaign, user)
    to = _own_number(user, settings)
    recent = session.scalar(
        select(func.count()).where(
            TestSend.campaign_id == campaign.id,
            TestSend.user_id == user.id,
            TestSend.created_at >= utcnow() - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_PER_HOUR:
        raise LifecycleError(
            "too_many_tests", f"At most {MAX_PER_HOUR} test texts an hour for one campaign."
        )
    body = _body(session, campaign, settings)
    try:
        sender = parse_sender(effective_sender(campaign, settings)).value
    except SenderError as exc:
        raise LifecycleError("bad_sender", f"Sender: {exc.message}") from exc
    limiter = RateLimiter(redis, prefix=settings.queue_prefix)
    segments = inspect(body).segments
    if not limiter.take(sender, segments, rate=sender_rate(sender), max_wait=RATE_WAIT_SECONDS):
        raise LifecycleError(
            "sender_busy", "The sender is busy with a campaign: try the test again in a minute."
        )
    provider_id, outcome, detail = None, "sent", ""
    try:
        receipt = runtime.current().gateway().send(OutgoingSms(to=to, body=body, sender=sender))
        provider_id = receipt.provider_id
    except OutcomeUnknown as exc:
        outcome, detail = "unknown", f"The gateway did not confirm it ({exc}). Check your phone."
    except GatewayError as exc:
        outcome, detail = "failed", f"The gateway refused it: {exc}."
    row = TestSend(
        campaign_id=campaign.id,
        user_id=user.id,
        provider_id=provider_id,
        outcome=outcome,
        detail=detail,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    log.info("campaign %s: test send %s by user %s: %s", campaign.id, row.id, user.id, outcome)
    return row


def _own_number(user: User, settings: Any) -> str:
    if not user.own_phone:
        raise LifecycleError(
            "no_own_phone", "Add your own mobile number to your account to send yourself a test."
        )
    number = normalise(user.own_phone, textable_regions=settings.textable_regions)
    if number.e164 is None or not number.textable:
        raise LifecycleError(
            "bad_own_phone", "The number on your account is not a mobile that can be texted."
        )
    if number.drama and settings.sms_gateway != "sandbox":
        raise LifecycleError(
            "bad_own_phone", "The number on your account is a drama-range number (07700 900xxx)."
        )
    return number.e164


def _body(session: Session, campaign: Campaign, settings: Any) -> str:
    if campaign.snapshot:
        return str(campaign.snapshot["body"])  # exactly what was approved
    result = preview(session, campaign, settings=settings)
    if not result.body:
        raise LifecycleError("not_ready", " ".join(result.problems) or "No message yet.")
    return result.body
