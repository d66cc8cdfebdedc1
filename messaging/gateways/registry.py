"""Build the configured gateway by name ("twilio", "sandbox")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from messaging.gateways.base import Gateway, GatewaySettings
from messaging.gateways.twilio_gateway import SandboxGateway, TwilioGateway
from messaging.sandbox.config import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_BASE_URL,
)

GatewayFactory = Callable[[GatewaySettings], Gateway]


def _sandbox(settings: GatewaySettings) -> Gateway:
    # The sandbox has well-known demo credentials, so a bare GatewaySettings() just works
    # against `pester sandbox-carrier` started with its defaults.
    return SandboxGateway(
        replace(
            settings,
            account_sid=settings.account_sid or DEFAULT_ACCOUNT_SID,
            auth_token=settings.auth_token or DEFAULT_AUTH_TOKEN,
            base_url=settings.base_url or DEFAULT_BASE_URL,
        )
    )


GATEWAYS: dict[str, GatewayFactory] = {
    "twilio": TwilioGateway,
    "sandbox": _sandbox,
}


def build_gateway(settings: GatewaySettings) -> Gateway:
    """Return a ready gateway for ``settings.name``; raise ``ValueError`` for an unknown name."""
    try:
        factory = GATEWAYS[settings.name]
    except KeyError:
        known = ", ".join(sorted(GATEWAYS))
        raise ValueError(f"unknown gateway {settings.name!r} (known: {known})") from None
    return factory(settings)
