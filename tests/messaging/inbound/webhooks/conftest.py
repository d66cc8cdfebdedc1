"""Webhook tests run with a public base URL unlike anything the test client sends, as behind a
TLS proxy: a signature only verifies against PUBLIC_BASE_URL."""

from __future__ import annotations

import pytest

from messaging.config import Settings

PUBLIC_BASE_URL = "https://pester.example.police.uk"
AUTH_TOKEN = "carrier-auth-token-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(public_base_url=PUBLIC_BASE_URL, twilio_auth_token=AUTH_TOKEN)
