"""The safeguarding loop in a real browser: a risk disclosure comes back through the carrier,
the on-call contact is e-mailed (a link, no number, no words), an analyst answers it with the
Samaritans response and marks it handled, and the outcomes page shows the campaign's
figures (a table, and the chart drawn from the vendored Chart.js).

The app is served over HTTP with the sandbox carrier; an RQ worker in its own process
(`python -m campaigns worker`) sends the campaign, the alert and the answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from campaigns import lifecycle
from messaging import runtime
from messaging.db import db
from messaging.models import MessageTemplate, OutboxMessage, Service
from tests.browser.helpers import Tab
from tests.support.factories import make_contacts, make_line, make_user
from tests.support.live import live_stack, start_worker_process, stop_process, wait_until
from tests.support.receivers import SmtpSink

pytestmark = pytest.mark.browser

NUMBERS = ["+447700900201", "+447700900202", "+447700900203", "+447700900204"]
DISCLOSURE = "i cant cope anymore, i want to kill myself"


def _sent_campaign(officer, supervisor) -> int:  # type: ignore[no-untyped-def]
    """A launched FRANK signposting campaign to NUMBERS (the officer's side is tested
    elsewhere, in test_officer_to_analyst)."""
    line = make_line(reference="OP-HERON/1")
    make_contacts(line, NUMBERS)
    template = db.session.query(MessageTemplate).filter_by(slug="treatment_signposting").one()
    frank = db.session.query(Service).filter_by(name="FRANK").one()
    draft = lifecycle.CampaignDraft(
        name="Heron: FRANK signposting",
        line_ids=(line.id,),
        template_version_id=template.current.id,
        service_id=frank.id,
        sender="+447700900000",
        force_name="Testshire Police",
        reply_route="Reply STOP to opt out.",
        urgent=True,
        urgency_reason="browser tests run at any hour",
    )
    rt = runtime.current()
    campaign = lifecycle.create_campaign(db.session, draft, officer)
    lifecycle.submit(db.session, campaign, officer, settings=rt.settings)
    lifecycle.approve(db.session, campaign, supervisor, settings=rt.settings)
    db.session.commit()
    lifecycle.launch(db.session, campaign, officer, redis=rt.redis, settings=rt.settings)
    db.session.commit()
    return campaign.id


def test_a_risk_reply_is_alerted_answered_handled_and_counted(
    chromium, artifacts: Path, tmp_path: Path, database_url: str, redis_db_url: str
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    smtp = SmtpSink().start()
    try:
        with live_stack(
            tmp_path,
            database_url=database_url,
            redis_url=redis_db_url,
            send_rate_override=20.0,
            alert_smtp_url=smtp.url,
            alert_to=("oncall@force.test",),
            alert_from="pester@force.test",
        ) as stack:
            with stack.app.app_context():
                officer = make_user(role="officer", email="officer@force.test")
                supervisor = make_user(role="supervisor", email="supervisor@force.test")
                make_user(role="analyst", email="analyst@force.test")
                campaign_id = _sent_campaign(officer, supervisor)
            worker = start_worker_process(stack.settings, tmp_path, tmp_path / "worker.log")
            try:
                _loop(chromium, artifacts, stack, smtp, campaign_id, expect)
            finally:
                stop_process(worker)
    finally:
        smtp.stop()


def _loop(chromium, artifacts, stack, smtp, campaign_id, expect) -> None:  # type: ignore[no-untyped-def]
    def carrier_texts() -> int:
        return int(
            requests.get(f"{stack.carrier.base_url}/_sandbox/stats", timeout=5).json()["accepted"]
        )

    def recorded_sends() -> int:  # the worker has recorded each text's message id
        with stack.app.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.campaign_id == campaign_id,
                    OutboxMessage.provider_id.is_not(None),
                )
            )

    assert wait_until(lambda: carrier_texts() == len(NUMBERS), timeout=30), "campaign not sent"
    # The campaign's texts are recorded as sent before the replies come, as with a real
    # carrier (a reply to a text still at the gateway links to it too: test_inbound.py).
    assert wait_until(lambda: recorded_sends() == len(NUMBERS), timeout=30), "sends unrecorded"

    # Someone texts back a disclosure; within moments the on-call contact gets an e-mail.
    injected = requests.post(
        f"{stack.carrier.base_url}/_sandbox/replies",
        json={"from": NUMBERS[2], "body": DISCLOSURE},
        timeout=5,
    )
    assert injected.status_code == 200, injected.text
    assert wait_until(lambda: len(smtp.received) == 1, timeout=30), "no alert e-mail"
    alert = smtp.received[0].data.decode()
    assert "/replies/" in alert and "self harm" in alert
    assert NUMBERS[2][3:] not in alert and "kill myself" not in alert

    tab = Tab(chromium, stack.base_url, artifacts)
    page = tab.page
    tab.sign_in("analyst@force.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Replies").click()
    urgent = page.locator("section.urgent")
    expect(urgent).to_contain_text(DISCLOSURE)
    tab.shot("20-risk-reply-waiting")

    # The analyst opens the conversation and answers with the Samaritans response.
    urgent.get_by_role("link", name="Conversation").first.click()
    expect(page.get_by_role("heading", name="Answer by text")).to_be_visible()
    samaritans = page.get_by_label("Response: suicidal thoughts (Samaritans)", exact=False)
    expect(samaritans).to_be_checked()  # it suits this reply, so it is offered first
    expect(page.locator(".answer-form")).to_contain_text("116 123")
    tab.shot("21-answer-form")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".notice").first).to_contain_text("Answer queued")
    assert wait_until(lambda: carrier_texts() == len(NUMBERS) + 1, timeout=30), "no answer sent"
    texts = requests.get(f"{stack.carrier.base_url}/_sandbox/messages", timeout=5).json()
    answers = [m for m in texts if "Samaritans" in m["body"]]
    assert len(answers) == 1 and answers[0]["to"] == NUMBERS[2]
    page.reload()
    expect(page.get_by_test_id("answer-status")).not_to_have_text("pending")
    tab.shot("22-answered")

    # ... and marks the reply handled: it leaves the urgent queue, with its time to handle.
    page.get_by_role("link", name="reply ", exact=False).last.click()
    page.get_by_role("button", name="Mark handled").click()
    expect(page.get_by_test_id("time-to-handle")).to_be_visible()
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    tab.shot("23-handled")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Replies").click()
    expect(page.locator("section.urgent")).to_contain_text("Nothing waiting.")

    # The outcomes page shows the campaign's figures, as a table and as a chart.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_role("link", name="Heron: FRANK signposting").click()
    expect(page.get_by_test_id("sent-all")).to_have_text(str(len(NUMBERS)))
    expect(page.get_by_test_id("replied-all")).to_contain_text("of 4")
    expect(page.get_by_test_id("replied-all")).to_contain_text("25.0%")
    expect(page.get_by_test_id("risk_disclosures-all")).to_contain_text("25.0%")
    page.wait_for_function(
        "() => document.getElementById('outcomes-chart').dataset.drawn === 'true'"
    )
    tab.shot("24-outcomes")
    assert tab.csp_violations == []
    tab.close()
