"""Fault tests: whatever breaks mid-campaign, nobody is texted twice, and once the campaign
completes everyone not suppressed was texted exactly once (the carrier's own log decides).

Workers run as `python -m campaigns worker` processes with their tick; campaigns are small
and the carrier slowed down so that every fault lands in the middle of the campaign.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from campaigns import lifecycle
from messaging import runtime
from messaging.db import db
from messaging.models import CampaignState, OutboxMessage
from messaging.redis_conn import BundledRedis
from messaging.sandbox import CarrierConfig
from messaging.sending.worker import run_worker
from tests.messaging.sending.conftest import (
    Pipeline,
    assert_at_most_once,
    assert_exactly_once,
    carrier,
    drama,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def carrier_config(request: pytest.FixtureRequest) -> CarrierConfig:
    return getattr(request, "param", None) or carrier(latency_ms=100)


def _claimed(campaign_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).where(
            OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == "claimed"
        )
    )


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_is_replaced_without_texting_anyone_twice(
    pipeline: Pipeline,
) -> None:
    pipeline.reconfigure(send_rate_override=60.0, batch_size=40)  # 2 segments: 30 texts/s
    numbers = [drama(100 + i) for i in range(120)]
    campaign_id = pipeline.campaign(numbers)
    first = pipeline.start_worker()
    pipeline.wait_for(lambda: pipeline.accepted() >= 25)
    pipeline.kill(first)
    in_flight = _claimed(campaign_id)
    assert in_flight > 0, "the kill should land while the worker held claimed rows"
    assert_at_most_once(pipeline.texts_per_recipient(), numbers)
    pipeline.start_worker()
    campaign = pipeline.wait_state(campaign_id, CampaignState.COMPLETED, timeout=30)
    assert campaign.state == CampaignState.COMPLETED
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)


@pytest.fixture
def own_redis(tmp_path: Path) -> Any:
    """A Valkey server of this test's own, so restarting it disturbs nobody else."""
    from tests.support.live import free_port

    server = BundledRedis(tmp_path / "valkey", port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pipeline_overrides(own_redis: BundledRedis) -> dict[str, Any]:
    return {"redis_url": own_redis.url}


def test_a_redis_restart_mid_campaign_loses_no_text_and_sends_none_twice(
    pipeline: Pipeline, own_redis: BundledRedis
) -> None:
    pipeline.reconfigure(send_rate_override=60.0, batch_size=20)
    numbers = [drama(300 + i) for i in range(120)]
    campaign_id = pipeline.campaign(numbers)
    worker = pipeline.start_worker()
    pipeline.wait_for(lambda: pipeline.accepted() >= 25)
    own_redis.stop()  # the queue, the rate limiter and the tick lock are gone
    time.sleep(1.0)
    assert_at_most_once(pipeline.texts_per_recipient(), numbers)
    own_redis.start()
    campaign = pipeline.wait_state(campaign_id, CampaignState.COMPLETED, timeout=30)
    assert campaign.state == CampaignState.COMPLETED
    assert worker.poll() is None, "the worker should ride out the restart"
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)


@pytest.mark.parametrize("carrier_config", [carrier(latency_ms=1500)], indirect=True)
def test_gateway_timeouts_are_looked_up_at_the_carrier_and_never_resent(
    pipeline: Pipeline,
) -> None:
    pipeline.reconfigure(gateway_timeout_s=0.5, gateway_concurrency=10, batch_size=30)
    numbers = [drama(400 + i) for i in range(30)]
    campaign_id = pipeline.campaign(numbers)
    run_worker(burst=True, tick=False)  # every call times out after the carrier took the text
    assert pipeline.statuses(campaign_id) == {"claimed": 30}
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)
    pipeline.carrier.carrier.config = replace(pipeline.carrier.config, latency_ms=0)
    campaign = pipeline.drive(campaign_id)  # the tick reconciles once the leases end
    assert campaign.state == CampaignState.COMPLETED
    statuses = pipeline.statuses(campaign_id)  # the carrier's status at lookup time
    assert sum(statuses.values()) == 30 and set(statuses) <= {"accepted", "sent", "delivered"}
    sids = {m["sid"] for m in pipeline.carrier.messages()}
    recorded = set(db.session.scalars(select(OutboxMessage.provider_id)))
    assert recorded == sids  # each row carries the id of the one text the carrier has
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)


@pytest.mark.parametrize(
    "carrier_config", [carrier(latency_ms=20, server_error_rate=0.3)], indirect=True
)
def test_server_errors_are_retried_until_each_text_is_accepted_once(pipeline: Pipeline) -> None:
    pipeline.reconfigure(max_attempts=12)  # 0.3^12: no text runs out of attempts here
    numbers = [drama(500 + i) for i in range(80)]
    campaign = pipeline.drive(pipeline.campaign(numbers), timeout=20)
    assert campaign.state == CampaignState.COMPLETED
    assert pipeline.carrier_stats()["server_errors"] > 10
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)
    attempts = db.session.scalars(select(OutboxMessage.attempts)).all()
    assert max(attempts) > 1  # the 500s cost attempts


@pytest.mark.parametrize(
    "carrier_config", [carrier(latency_ms=20, capacity=20, burst=5)], indirect=True
)
def test_a_carrier_answering_429_is_backed_off_from_and_every_text_goes_once(
    pipeline: Pipeline,
) -> None:
    pipeline.reconfigure(send_rate_override=1000.0, gateway_concurrency=8)  # far above 20/s
    numbers = [drama(600 + i) for i in range(60)]
    started = time.monotonic()
    campaign = pipeline.drive(pipeline.campaign(numbers), timeout=25)
    assert campaign.state == CampaignState.COMPLETED
    assert pipeline.carrier_stats()["rejected_429"] > 0
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)
    # A 429 was never processed: it costs no attempt.
    assert set(db.session.scalars(select(OutboxMessage.attempts))) == {1}
    assert time.monotonic() - started >= (60 - 5) / 20 * 0.9  # no faster than the carrier


def _pause(pipeline: Pipeline, campaign_id: int) -> None:
    lifecycle.pause(db.session, pipeline.get(campaign_id), pipeline.officer)
    db.session.commit()


def _resume(pipeline: Pipeline, campaign_id: int) -> None:
    rt = runtime.current()
    lifecycle.resume(
        db.session,
        pipeline.get(campaign_id),
        pipeline.officer,
        redis=rt.redis,
        settings=rt.settings,
    )
    db.session.commit()


@pytest.mark.postgres
def test_pausing_and_resuming_repeatedly_stops_within_a_second_and_resends_nothing(
    pipeline: Pipeline,
) -> None:
    pipeline.reconfigure(send_rate_override=40.0, batch_size=25)  # 20 texts a second
    numbers = [drama(700 + i) for i in range(100)]
    campaign_id = pipeline.campaign(numbers)
    pipeline.start_worker()
    for round_ in range(3):
        target = 15 * (round_ + 1)
        pipeline.wait_for(lambda target=target: pipeline.accepted() >= target)
        _pause(pipeline, campaign_id)
        time.sleep(1.0)  # pause takes effect within a second (texts in flight may land)
        settled = pipeline.accepted()
        time.sleep(0.8)
        assert pipeline.accepted() == settled, "a text went while the campaign was paused"
        assert pipeline.get(campaign_id).state == CampaignState.PAUSED
        assert_at_most_once(pipeline.texts_per_recipient(), numbers)
        _resume(pipeline, campaign_id)
    campaign = pipeline.wait_state(campaign_id, CampaignState.COMPLETED, timeout=30)
    assert campaign.state == CampaignState.COMPLETED
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)


def test_cancelling_mid_batch_stops_within_a_second_and_cancels_the_rest(
    pipeline: Pipeline,
) -> None:
    pipeline.reconfigure(send_rate_override=40.0, batch_size=100)  # one batch, 20 texts/s
    numbers = [drama(800 + i) for i in range(100)]
    campaign_id = pipeline.campaign(numbers)
    pipeline.start_worker()
    pipeline.wait_for(lambda: pipeline.accepted() >= 15)
    lifecycle.cancel(db.session, pipeline.get(campaign_id), pipeline.officer, reason="test")
    db.session.commit()
    time.sleep(1.0)
    settled = pipeline.accepted()
    time.sleep(0.8)
    assert pipeline.accepted() == settled, "a text went after the campaign was cancelled"
    pipeline.wait_for(lambda: set(pipeline.statuses(campaign_id)) <= {"accepted", "cancelled"})
    counts = pipeline.statuses(campaign_id)
    assert counts["accepted"] == settled and counts["cancelled"] == 100 - settled
    assert pipeline.get(campaign_id).state == CampaignState.CANCELLED
    texts = pipeline.texts_per_recipient()
    assert_at_most_once(texts, numbers)
    assert sum(texts.values()) == settled
