"""A person's browser tab, with helpers that read like what they do."""

from __future__ import annotations

from pathlib import Path

from tests.support.factories import PASSWORD


class Tab:
    """One person's browser tab, with helpers that read like what they do."""

    def __init__(self, browser, base_url: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
        # Reduced motion: charts draw without animation, so screenshots show final figures.
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base_url = base_url
        self.artifacts = artifacts
        self.csp_violations: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.csp_violations.append(message.text)

    def sign_in(self, email: str) -> None:
        self.page.goto(f"{self.base_url}/login")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{self.base_url}/")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url("**/login")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()

    def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.context.cookies()}
