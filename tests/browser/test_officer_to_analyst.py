"""The whole path in a real browser: line, vCard, wizard, approval, launch, progress, reply.

The app is served over HTTP with the sandbox carrier; an RQ worker in its own process
(`python -m campaigns worker`, as `pester worker` runs) sends the texts while the campaign
page polls its progress; a reply injected at the carrier comes back
through the signed webhook and appears in the analyst's reply log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.browser.helpers import Tab
from tests.support.factories import make_user
from tests.support.live import live_stack, start_worker_process, stop_process, wait_until

pytestmark = pytest.mark.browser

# Ofcom's drama range; 900994 is one the sandbox carrier reports undelivered (30003).
NUMBERS = ["07700 900101", "07700 900102", "+44 7700 900103", "07700900104", "07700 900994"]
REPLY = "who is this? they are making me sell"


def _vcard(path: Path) -> Path:
    cards = []
    for i, number in enumerate(NUMBERS, start=1):
        cards.append(
            "\r\n".join(
                [
                    "BEGIN:VCARD",
                    "VERSION:3.0",
                    f"N:Contact;Number {i};;;",
                    f"FN:Number {i} Contact",
                    f"TEL;TYPE=CELL,VOICE:{number}",
                    "END:VCARD",
                ]
            )
        )
    path.write_text("\r\n".join(cards) + "\r\n", encoding="utf-8")
    return path


def test_officer_campaign_to_analyst_reply_in_chromium(
    chromium, artifacts: Path, tmp_path: Path, database_url: str, redis_db_url: str
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    with live_stack(
        tmp_path, database_url=database_url, redis_url=redis_db_url, send_rate_override=4.0
    ) as stack:
        with stack.app.app_context():
            officer = make_user(role="officer", email="officer@force.test")
            make_user(role="supervisor", email="supervisor@force.test")
            make_user(role="analyst", email="analyst@force.test")
        tab = Tab(chromium, stack.base_url, artifacts)
        page = tab.page

        # The officer registers the seized line.
        tab.sign_in(officer.email)
        tab.shot("01-home-officer")
        page.get_by_role("link", name="Register a seized line").first.click()
        page.get_by_label("Reference", exact=True).fill("OP-KESTREL/1")
        page.get_by_label("Line name", exact=True).fill("Tony")
        page.get_by_label("Force or area").fill("Testshire")
        page.get_by_label("Exhibit reference").fill("EX/KES/4")
        page.get_by_role("button", name="Register line").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("OP-KESTREL/1")

        # ... imports the handset's vCard, checking the preview first.
        page.get_by_label("Extraction file").set_input_files(str(_vcard(tmp_path / "tony.vcf")))
        page.get_by_role("button", name="Upload and preview").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check before importing")
        tab.shot("02-import-preview")
        page.get_by_role("button", name="Import 5 contacts").click()
        expect(page.get_by_role("status")).to_contain_text("5 new contacts added")
        page.get_by_role("link", name="Back to the line").click()
        expect(page.locator("td.sha code")).to_have_count(1)
        tab.shot("03-line-provenance")

        # ... builds the campaign through the wizard: a failed step first, nothing lost.
        page.get_by_role("link", name="Build a campaign for this line").click()
        expect(page.get_by_label("OP-KESTREL/1", exact=False)).to_be_checked()
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".error-summary")).to_contain_text("Give the campaign a name.")
        expect(page.get_by_label("OP-KESTREL/1", exact=False)).to_be_checked()
        page.get_by_label("Campaign name").fill("Kestrel: FRANK signposting")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Message and service")
        page.get_by_label("Treatment signposting (FRANK)").check()
        page.get_by_label("Force name, as it appears in the text").fill("Testshire Police")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sender and timing")
        sender = page.get_by_label("Sender", exact=True)
        sender.fill("TestPolice")
        expect(page.locator("#sender-kind")).to_contain_text("One-way sender")
        sender.fill("+447700900000")
        expect(page.locator("#sender-kind")).to_contain_text("people can reply")
        page.get_by_label("Urgent: may send outside", exact=False).check()
        page.get_by_label("Reason for sending outside quiet hours").fill(
            "Browser test runs at any hour"
        )
        page.get_by_role("button", name="Save and check").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Check and submit")
        expect(page.get_by_test_id("sms-body")).to_contain_text("Testshire Police:")
        expect(page.locator(".figures")).to_contain_text("Recipients5")
        tab.shot("04-wizard-check")
        page.get_by_role("button", name="Submit for approval").click()
        expect(page.get_by_test_id("campaign-state")).to_have_text("awaiting approval")
        campaign_url = page.url
        tab.sign_out()

        # The supervisor approves exactly what will be sent.
        tab.sign_in("supervisor@force.test")
        page.get_by_role("link", name="Kestrel: FRANK signposting").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Approve")
        expect(page.get_by_test_id("sms-body")).to_contain_text("FRANK 0300 123 6600")
        tab.shot("05-approval")
        page.get_by_label("Comment").fill("Checked: right line, right service.")
        page.get_by_role("button", name="Approve exactly this").click()
        expect(page.get_by_test_id("campaign-state")).to_have_text("approved")
        tab.sign_out()

        # The officer launches it and watches the progress bar while a worker process sends.
        tab.sign_in(officer.email)
        page.goto(campaign_url)
        page.get_by_role("button", name="Launch now").click()
        expect(page.get_by_test_id("campaign-state")).to_have_text("sending")
        expect(page.locator("#progress-bar")).to_be_visible()
        tab.shot("06-sending")
        worker = start_worker_process(stack.settings, tmp_path, tmp_path / "worker.log")
        try:
            page.wait_for_function(
                "() => { const b = document.getElementById('progress-bar');"
                " return b && b.value >= 100; }",
                timeout=30_000,
            )
            expect(page.get_by_test_id("campaign-state")).to_have_text("completed", timeout=20_000)
        finally:
            stop_process(worker)

        def receipts_in() -> bool:
            data = requests.get(f"{campaign_url}/progress.json", cookies=tab.cookies(), timeout=5)
            counts = data.json()
            return counts["delivered"] == 4 and counts["failed"] == 1

        assert wait_until(receipts_in, timeout=20), "delivery receipts did not all arrive"
        page.reload()
        page.wait_for_function("() => document.getElementById('results').dataset.drawn === 'true'")
        expect(page.locator("#results")).to_contain_text("30003")
        tab.shot("07-results")
        tab.sign_out()

        # Someone texts back; the analyst sees it in the reply log.
        injected = requests.post(
            f"{stack.carrier.base_url}/_sandbox/replies",
            json={"from": "+447700900103", "body": REPLY},
            timeout=5,
        )
        assert injected.status_code == 200, injected.text
        tab.sign_in("analyst@force.test")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Replies").click()
        expect(page.get_by_text(REPLY).first).to_be_visible()
        tab.shot("08-reply-log")
        assert tab.csp_violations == []
        tab.close()
