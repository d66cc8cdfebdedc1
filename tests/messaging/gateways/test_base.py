"""The gateway values, the drama-range rule and the registry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.gateways.base import GatewaySettings, OutgoingSms, is_drama_number
from messaging.gateways.registry import build_gateway
from messaging.gateways.twilio_gateway import SandboxGateway, TwilioGateway


@pytest.mark.parametrize(
    ("number", "drama"),
    [
        ("+447700900000", True),
        ("+447700900999", True),
        ("+447700900123", True),
        ("+447700901000", False),
        ("+447700899999", False),
        ("+447911123456", False),
        ("+4477009001234", False),
        ("+15005550006", False),
    ],
)
def test_only_ofcoms_drama_range_counts_as_drama(number, drama):
    assert is_drama_number(number) is drama


@given(st.integers(min_value=0, max_value=999))
def test_every_number_in_the_drama_range_is_drama(n):
    assert is_drama_number(f"+447700900{n:03d}")


def sms(**overrides):
    fields = {"to": "+447700900123", "body": "hello", "sender": "+447700900001", **overrides}
    return OutgoingSms(**fields)


@pytest.mark.parametrize(("given_s", "kept_s"), [(1, 1), (3600, 3600), (36_000, 36_000)])
def test_a_validity_period_within_twilios_range_is_kept(given_s, kept_s):
    assert sms(validity_period=given_s).validity_period == kept_s


def test_a_validity_period_beyond_ten_hours_is_clamped_to_ten_hours():
    assert sms(validity_period=86_400).validity_period == 36_000


@pytest.mark.parametrize("stale", [0, -5])
def test_a_validity_period_under_a_second_is_refused(stale):
    with pytest.raises(ValueError, match="validity_period"):
        sms(validity_period=stale)


@pytest.mark.parametrize(
    "overrides",
    [{"to": "07700900123"}, {"to": "+0447700900123"}, {"body": ""}, {"sender": ""}],
)
def test_an_outgoing_sms_needs_an_e164_recipient_a_body_and_a_sender(overrides):
    with pytest.raises(ValueError):
        sms(**overrides)


def test_gateway_settings_never_show_the_auth_token():
    settings = GatewaySettings(name="twilio", account_sid="AC1", auth_token="s3cret-token")
    assert "s3cret-token" not in repr(settings)


def test_an_unknown_gateway_name_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="sandbox, twilio"):
        build_gateway(GatewaySettings(name="carrier-pigeon"))


def test_the_real_gateway_needs_credentials():
    with pytest.raises(ValueError, match="account SID"):
        build_gateway(GatewaySettings(name="twilio"))


def test_the_registry_builds_each_gateway_by_name():
    sandbox = build_gateway(GatewaySettings(name="sandbox"))
    real = build_gateway(GatewaySettings(name="twilio", account_sid="AC1", auth_token="t"))
    try:
        assert isinstance(sandbox, SandboxGateway)
        assert (sandbox.name, sandbox.allows_drama_range) == ("sandbox", True)
        assert type(real) is TwilioGateway
        assert (real.name, real.allows_drama_range) == ("twilio", False)
    finally:
        sandbox.close()
        real.close()
