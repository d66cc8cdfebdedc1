"""Alert tests: a real SMTP server and a real webhook receiver on 127.0.0.1, the app behind
a proxy-style public URL, and risk replies through the carrier-signed inbound webhook."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.config import Settings
from messaging.db import db
from messaging.models import Reply
from messaging.sending.worker import run_worker
from tests.messaging.inbound.webhooks.helpers import (
    inbound_params,
    make_campaign,
    make_outbox,
    new_sid,
    post_signed,
)
from tests.support.factories import make_contacts, make_line, make_user
from tests.support.receivers import SmtpSink, WebhookSink

PUBLIC_BASE_URL = "https://pester.example.police.uk"
AUTH_TOKEN = "carrier-auth-token-for-tests"
WEBHOOK_SECRET = "alert-webhook-secret-for-tests"
ON_CALL = ("oncall@force.test", "duty-inspector@force.test")
NUMBER = "+447700900123"
RISK_TEXT = "my mate Dave took too much and isnt breathing, please help"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def hook() -> Iterator[WebhookSink]:
    sink = WebhookSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpSink, hook: WebhookSink) -> Settings:
    return settings.with_overrides(
        public_base_url=PUBLIC_BASE_URL,
        twilio_auth_token=AUTH_TOKEN,
        alert_smtp_url=smtp.url,
        alert_to=ON_CALL,
        alert_from="pester@force.test",
        alert_webhook_url=hook.url,
        alert_webhook_secret=WEBHOOK_SECRET,
        alert_timeout_s=5.0,
        queue_prefix="pester-alert-test",
    )


@pytest.fixture
def texted(app) -> str:  # type: ignore[no-untyped-def]
    """A number a campaign texted (the reply links to it), returned as E.164."""
    make_user(role="officer")
    line = make_line()
    contacts = make_contacts(line, [NUMBER])
    make_outbox(make_campaign([line]), contacts)
    return NUMBER


def reply_from(client: FlaskClient, number: str, text: str) -> Reply:
    """Post ``text`` from ``number`` through the signed inbound webhook; the stored reply."""
    sid = new_sid()
    response = post_signed(client, "/webhooks/twilio/inbound", inbound_params(sid, number, text))
    assert response.status_code == 200, response.text
    db.session.expire_all()
    reply = db.session.scalar(select(Reply).where(Reply.provider_id == sid))
    assert reply is not None
    return reply


def work() -> None:
    """Run every queued job in this process (a burst worker, no tick)."""
    run_worker(burst=True, tick=False)


def number_forms(number: str) -> list[str]:
    """Every way the number could appear in a message: E.164, national, bare digits."""
    digits = number.lstrip("+")
    national = "0" + digits[2:]
    return [number, digits, national, digits[2:], f"{national[:5]} {national[5:]}"]


def words_of(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{4,}", text) if w.lower() not in {"please", "help"}]
