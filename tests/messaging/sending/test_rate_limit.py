"""One shared rate per sender, counted in segments, for every worker process."""

from __future__ import annotations

import time

import pytest
from redis import Redis
from rq import Worker
from rq.job import Job
from rq.registry import FinishedJobRegistry

from messaging import runtime
from messaging.models import CampaignState
from messaging.queues import SEND, get_queue
from messaging.sending.rate_limiter import RateLimiter, backoff_seconds
from tests.messaging.sending.conftest import Pipeline, assert_exactly_once, carrier, drama


def test_tokens_are_segments_and_the_bucket_refills_at_the_rate(redis: Redis) -> None:
    limiter = RateLimiter(redis, prefix="t")
    assert limiter.try_take("S", 3, rate=10, burst=10) == 0  # 7 left
    assert limiter.try_take("S", 4, rate=10, burst=10) == 0  # 3 left
    wait = limiter.try_take("S", 4, rate=10, burst=10)  # one short: 0.1 s at 10/s
    assert 0.05 <= wait <= 0.11
    time.sleep(wait + 0.02)
    assert limiter.try_take("S", 4, rate=10, burst=10) == 0
    assert limiter.try_take("OTHER", 10, rate=10, burst=10) == 0  # senders are separate


def test_a_429_penalty_holds_every_caller_of_that_sender(redis: Redis) -> None:
    limiter = RateLimiter(redis, prefix="t")
    limiter.penalise("S", rate=100, seconds=0.5)
    assert limiter.try_take("S", 1, rate=100, burst=100) > 0.4
    limiter.penalise("S", rate=100, seconds=0.5)  # a second refusal does not add up
    assert limiter.try_take("S", 1, rate=100, burst=100) < 0.52


def test_take_gives_up_when_told_to_stop(redis: Redis) -> None:
    limiter = RateLimiter(redis, prefix="t")
    limiter.try_take("S", 1, rate=1, burst=1)
    started = time.monotonic()
    assert not limiter.take("S", 1, rate=1, burst=1, should_stop=lambda: True)
    assert not limiter.take("S", 1, rate=1, burst=1, max_wait=0.1)
    assert time.monotonic() - started < 0.2


@pytest.mark.parametrize("attempt", [1, 2, 5, 20])
def test_backoff_is_jittered_below_an_exponential_cap(attempt: int) -> None:
    cap = min(300, 2 ** (attempt - 1))
    samples = [backoff_seconds(attempt) for _ in range(200)]
    assert all(0 <= s <= cap for s in samples)
    assert len(set(samples)) > 150  # full jitter: workers do not retry in lockstep


@pytest.mark.parametrize("carrier_config", [carrier(latency_ms=30)], indirect=True)
def test_two_worker_processes_share_one_rate_counted_in_segments(pipeline: Pipeline) -> None:
    rate = 30.0  # segments per second; each text is 2 segments, so 15 texts a second
    pipeline.reconfigure(send_rate_override=rate, batch_size=8, gateway_concurrency=16)
    numbers = [drama(100 + i) for i in range(90)]
    campaign_id = pipeline.campaign(numbers, launch=False)
    segments = pipeline.get(campaign_id).snapshot["segments"]
    assert segments == 2
    first, second = pipeline.start_worker(), pipeline.start_worker()
    rt = runtime.current()
    # Both processes up and listening before the campaign is queued.
    pipeline.wait_for(lambda: len(Worker.all(connection=rt.redis)) == 2)
    assert first.poll() is None and second.poll() is None
    pipeline.launch(campaign_id)
    pipeline.wait_state(campaign_id, CampaignState.COMPLETED, timeout=25)
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)

    created = sorted(r.created_at for r in pipeline.carrier.carrier.store.all())
    elapsed = created[-1] - created[0]
    total = len(created) * segments
    # One shared bucket: a full burst (one second's worth) then the rate. Two separate
    # buckets would send at twice the rate.
    assert total <= rate * elapsed + rate + segments * 2, (total, elapsed)
    assert elapsed >= (total - rate) / rate * 0.9
    for start in created:
        in_second = sum(1 for t in created if start <= t < start + 1.0) * segments
        # Never more than the burst and one second's rate within any second.
        assert in_second <= 2 * rate + segments, (in_second, start - created[0])

    registry = FinishedJobRegistry(queue=get_queue(rt.redis, SEND, prefix=rt.settings.queue_prefix))
    jobs = Job.fetch_many(registry.get_job_ids(), connection=rt.redis)
    assert len({job.worker_name for job in jobs if job}) == 2, "both processes sent batches"
