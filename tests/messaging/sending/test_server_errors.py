"""A server error (HTTP 5xx) answering a create: the carrier may have made the text anyway.

The text is looked up at the carrier before any resend: found there, its id is recorded
(never a second text); not there, it is sent again. A proxy in front of the sandbox carrier
turns the carrier's answers into 500s / 502s after (or instead of) the create.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from messaging.db import db
from messaging.models import CampaignState, OutboxMessage
from tests.messaging.gateways.faulty_proxy import FaultyProxy
from tests.messaging.sending.conftest import Pipeline, assert_exactly_once, drama


@pytest.fixture
def proxy(pipeline: Pipeline) -> Iterator[FaultyProxy]:
    server = FaultyProxy(pipeline.carrier.base_url)
    pipeline.reconfigure(sandbox_carrier_url=server.base_url)
    yield server
    server.close()


@pytest.mark.parametrize(("status", "twilio_code"), [(500, 20500), (502, None)])
def test_a_text_created_despite_a_server_error_is_recorded_not_sent_again(
    pipeline: Pipeline, proxy: FaultyProxy, status: int, twilio_code: int | None
) -> None:
    numbers = [drama(300 + i) for i in range(6)]
    proxy.fail_creates, proxy.status, proxy.twilio_code = 3, status, twilio_code
    campaign = pipeline.drive(pipeline.campaign(numbers), timeout=20)
    assert campaign.state == CampaignState.COMPLETED
    assert proxy.faults == 3
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)
    sids = {m["sid"] for m in pipeline.carrier.messages()}
    assert set(db.session.scalars(select(OutboxMessage.provider_id))) == sids


def test_a_text_the_server_error_did_not_create_is_looked_up_then_sent_once(
    pipeline: Pipeline, proxy: FaultyProxy
) -> None:
    numbers = [drama(320 + i) for i in range(6)]
    proxy.fail_creates, proxy.create_first = 3, False
    campaign = pipeline.drive(pipeline.campaign(numbers), timeout=20)
    assert campaign.state == CampaignState.COMPLETED
    assert proxy.faults == 3
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)
    attempts = sorted(db.session.scalars(select(OutboxMessage.attempts)))
    assert attempts == [1, 1, 1, 2, 2, 2]  # each failed create counted once, then sent
