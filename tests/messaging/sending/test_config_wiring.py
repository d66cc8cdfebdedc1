"""Settings that reach the pipeline: per-sender-type rates, price, and the default sender."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns import lifecycle
from messaging import runtime
from messaging.config import ConfigurationError, load_settings
from messaging.content.senders import SENDER_RATE_PER_SECOND, SenderKind
from messaging.db import db
from messaging.models import CampaignState
from messaging.sending.pacing import sender_rate
from tests.messaging.sending.conftest import SERVICE_SID, Pipeline, drama

SENDERS = {
    SenderKind.LONG_CODE: "+447700900001",
    SenderKind.ALPHANUMERIC: "TestPolice",
    SenderKind.SHORT_CODE: "60123",
    SenderKind.MESSAGING_SERVICE: SERVICE_SID,
}
RATE_VARIABLES = {
    SenderKind.LONG_CODE: "PESTER_SEND_RATE_LONG_CODE",
    SenderKind.ALPHANUMERIC: "PESTER_SEND_RATE_ALPHANUMERIC",
    SenderKind.SHORT_CODE: "PESTER_SEND_RATE_SHORT_CODE",
    SenderKind.MESSAGING_SERVICE: "PESTER_SEND_RATE_MESSAGING_SERVICE",
}


def _load(tmp_path: Path, **env: str) -> object:
    return load_settings({"PESTER_INSTANCE_DIR": str(tmp_path), **env})


def test_price_per_segment_is_read_from_the_environment(tmp_path: Path) -> None:
    assert _load(tmp_path).price_per_segment_pence == 4.0
    assert _load(tmp_path, PESTER_PRICE_PER_SEGMENT_PENCE="3.25").price_per_segment_pence == 3.25
    with pytest.raises(ConfigurationError, match="PESTER_PRICE_PER_SEGMENT_PENCE"):
        _load(tmp_path, PESTER_PRICE_PER_SEGMENT_PENCE="cheap")


def test_the_reconcile_grace_may_be_a_fraction_of_a_second_but_not_nothing(
    tmp_path: Path,
) -> None:
    assert _load(tmp_path).reconcile_grace_seconds == 30.0
    assert _load(tmp_path, PESTER_RECONCILE_GRACE_SECONDS="0.5").reconcile_grace_seconds == 0.5
    for wrong in ("0", "-1", "soon"):
        with pytest.raises(ConfigurationError, match="PESTER_RECONCILE_GRACE_SECONDS"):
            _load(tmp_path, PESTER_RECONCILE_GRACE_SECONDS=wrong)


@pytest.mark.parametrize("kind", list(SenderKind))
def test_each_sender_type_has_its_own_rate_defaulting_to_carrier_guidance(
    tmp_path: Path, kind: SenderKind
) -> None:
    assert _load(tmp_path).send_rate(kind) == SENDER_RATE_PER_SECOND[kind]
    configured = _load(tmp_path, **{RATE_VARIABLES[kind]: "2.5"})
    assert configured.send_rate(kind) == 2.5
    others = [k for k in SenderKind if k != kind]
    assert [configured.send_rate(k) for k in others] == [SENDER_RATE_PER_SECOND[k] for k in others]
    overridden = _load(tmp_path, **{RATE_VARIABLES[kind]: "2.5", "PESTER_SEND_RATE": "7"})
    assert overridden.send_rate(kind) == 7.0
    with pytest.raises(ConfigurationError, match=RATE_VARIABLES[kind]):
        _load(tmp_path, **{RATE_VARIABLES[kind]: "0"})


def test_the_limiter_paces_each_sender_at_its_types_configured_rate(pipeline: Pipeline) -> None:
    pipeline.reconfigure(
        send_rate_override=None,
        send_rate_long_code=0.5,
        send_rate_alphanumeric=12.0,
        send_rate_short_code=40.0,
        send_rate_messaging_service=25.0,
    )
    rates = {kind: sender_rate(sender) for kind, sender in SENDERS.items()}
    assert rates == {
        SenderKind.LONG_CODE: 0.5,
        SenderKind.ALPHANUMERIC: 12.0,
        SenderKind.SHORT_CODE: 40.0,
        SenderKind.MESSAGING_SERVICE: 25.0,
    }
    pipeline.reconfigure(send_rate_override=99.0)
    assert {sender_rate(sender) for sender in SENDERS.values()} == {99.0}


def test_the_preview_costs_segments_at_the_configured_price(pipeline: Pipeline) -> None:
    pipeline.reconfigure(price_per_segment_pence=2.5)
    campaign_id = pipeline.campaign([drama(240), drama(241)], launch=False)
    result = lifecycle.preview(
        db.session, pipeline.get(campaign_id), settings=runtime.current().settings
    )
    assert result.total_segments > 0
    assert result.cost_pence == round(result.total_segments * 2.5, 2)


def test_the_twilio_senders_are_checked_when_loaded(tmp_path: Path) -> None:
    settings = _load(tmp_path, TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID, TWILIO_FROM="07700900001")
    assert settings.twilio_from == "+447700900001"
    assert settings.default_sender == SERVICE_SID  # the service first
    assert _load(tmp_path, TWILIO_FROM="TestPolice").default_sender == "TestPolice"
    with pytest.raises(ConfigurationError, match="TWILIO_MESSAGING_SERVICE_SID"):
        _load(tmp_path, TWILIO_MESSAGING_SERVICE_SID="+447700900001")
    with pytest.raises(ConfigurationError, match="TWILIO_FROM"):
        _load(tmp_path, TWILIO_FROM=SERVICE_SID)
    with pytest.raises(ConfigurationError, match="TWILIO_FROM"):
        _load(tmp_path, TWILIO_FROM="INFO")


@pytest.mark.parametrize("default", ["service", "from"])
def test_a_campaign_naming_no_sender_sends_from_the_configured_default(
    pipeline: Pipeline, default: str
) -> None:
    if default == "service":
        pipeline.reconfigure(twilio_messaging_service_sid=SERVICE_SID, twilio_from=drama(2))
    else:
        pipeline.reconfigure(twilio_from=drama(2))
    numbers = [drama(250), drama(251)]
    campaign_id = pipeline.campaign(numbers, sender="")
    assert pipeline.get(campaign_id).sender == ""
    expected = SERVICE_SID if default == "service" else drama(2)
    assert pipeline.get(campaign_id).snapshot["sender"] == expected
    assert pipeline.drive(campaign_id).state == CampaignState.COMPLETED
    logged = pipeline.carrier.carrier.store.all()
    assert len(logged) == 2
    if default == "service":  # through the real twilio client as MessagingServiceSid
        assert {m.service_sid for m in logged} == {SERVICE_SID}
    else:
        assert {(m.service_sid, m.from_number) for m in logged} == {(None, drama(2))}


def test_without_a_default_a_campaign_naming_no_sender_cannot_be_approved(
    pipeline: Pipeline,
) -> None:
    campaign_id = pipeline.campaign([drama(260)], sender="", launch=False, approve=False)
    result = lifecycle.preview(
        db.session, pipeline.get(campaign_id), settings=runtime.current().settings
    )
    assert any(problem.startswith("Sender:") for problem in result.problems)
