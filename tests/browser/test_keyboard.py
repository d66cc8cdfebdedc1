"""Keyboard use: a person who cannot use a mouse signs in and works through the wizard."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.helpers import Tab
from tests.campaigns.web.helpers import DRAMA
from tests.support.factories import PASSWORD, make_contacts, make_line, make_user
from tests.support.live import live_stack

pytestmark = pytest.mark.browser

ACTIVE_ID = "() => document.activeElement && document.activeElement.id"


def _tab_to(page, element_id: str, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if page.evaluate(ACTIVE_ID) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_signing_in_and_the_wizard_work_from_the_keyboard(
    chromium, artifacts: Path, tmp_path: Path, database_url: str, redis_db_url: str
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    with live_stack(tmp_path, database_url=database_url, redis_url=redis_db_url) as stack:
        with stack.app.app_context():
            officer = make_user(role="officer", email="keys@force.test")
            line = make_line(reference="OP-KEYS/1")
            make_contacts(line, DRAMA[:3])
        tab = Tab(chromium, stack.base_url, artifacts)
        page = tab.page
        page.goto(f"{stack.base_url}/login")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
        _tab_to(page, "email")
        page.keyboard.type(officer.email)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{stack.base_url}/")

        page.goto(f"{stack.base_url}/campaigns/new")
        _tab_to(page, "name")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "the focused field shows no focus outline"
        page.keyboard.press("Enter")  # submits the empty form
        expect(page.locator(".error-summary")).to_be_visible()
        # autofocus moves focus at the browser's next rendering step, not at load: wait for it
        expect(page.locator(".error-summary")).to_be_focused()
        tab.shot("09-keyboard-error-summary")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the summary's first link goes to its field
        assert page.evaluate(ACTIVE_ID) == "name"
        page.keyboard.type("Keyboard campaign")
        _tab_to(page, "line_ids")
        page.keyboard.press("Space")
        assert page.locator("#line_ids").is_checked()
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(ACTIVE_ID) == "name"
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Message and service")
        _tab_to(page, "template_version_id")
        page.keyboard.press("Space")
        assert page.locator("#template_version_id").is_checked()
        assert tab.csp_violations == []
        tab.close()
