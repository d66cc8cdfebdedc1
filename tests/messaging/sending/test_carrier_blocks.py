"""A carrier that filters the content (30007) pauses the campaign and tells the officer.

The 30007 arrives in a signed status callback, so this runs the web app over HTTP beside
the sandbox carrier, and a worker process sends.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from campaigns.auth import create_user
from messaging.models import CampaignState
from messaging.sandbox import CarrierConfig
from tests.messaging.sending.conftest import Pipeline, assert_at_most_once, drama
from tests.support.live import live_stack

FILTERED = drama(995)  # the sandbox fails this one with 30007 (carrier filtered)


@pytest.mark.slow
def test_a_30007_callback_pauses_the_campaign_within_moments(
    tmp_path: Path, database_url: str, redis_db_url: str
) -> None:
    config = CarrierConfig(callback_delay_ms=20, latency_ms=20, seed=7)
    with (
        live_stack(
            tmp_path,
            database_url=database_url,
            redis_url=redis_db_url,
            carrier=config,
            send_rate_override=10.0,  # 2 segments: 5 texts a second
            batch_size=10,
            lease_seconds=3,
            reconcile_grace_seconds=1,
            tick_seconds=0.3,
            quiet_hours_start=0,
            quiet_hours_end=0,
        ) as stack,
        stack.app.app_context(),
    ):
        officer, _ = create_user("officer@force.test", "officer", password="x" * 16)
        supervisor, _ = create_user("supervisor@force.test", "supervisor", password="x" * 16)
        pipeline = Pipeline(stack.settings, stack.carrier, tmp_path, officer, supervisor)
        try:
            numbers = [drama(100 + i) for i in range(4)] + [FILTERED]
            numbers += [drama(200 + i) for i in range(35)]
            campaign_id = pipeline.campaign(numbers)
            pipeline.start_worker()
            campaign = pipeline.wait_state(campaign_id, CampaignState.PAUSED, timeout=10)
            assert campaign.stop_code == "carrier_block"
            assert "30007" in campaign.stop_reason and "supervisor" in campaign.stop_reason
            time.sleep(1.0)
            settled = pipeline.accepted()
            time.sleep(0.8)
            assert pipeline.accepted() == settled < len(numbers)
            assert_at_most_once(pipeline.texts_per_recipient(), numbers)
        finally:
            pipeline.stop_workers()
