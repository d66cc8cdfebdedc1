"""The carrier's token bucket: a burst, then a steady rate."""

from __future__ import annotations

import time

import pytest

from messaging.sandbox.ratelimit import TokenBucket


def test_a_full_bucket_allows_a_burst_then_refuses():
    bucket = TokenBucket(rate=0.01, burst=3)
    assert [bucket.try_take() for _ in range(5)] == [True, True, True, False, False]


def test_the_burst_defaults_to_one_seconds_worth():
    bucket = TokenBucket(rate=50)
    taken = sum(bucket.try_take() for _ in range(80))
    assert 50 <= taken <= 52  # a few may refill while the loop runs


def test_tokens_come_back_at_the_configured_rate():
    bucket = TokenBucket(rate=100, burst=1)
    assert bucket.try_take()
    assert not bucket.try_take()
    time.sleep(0.03)  # three tokens' worth, capped at the burst of one
    assert bucket.try_take()
    assert not bucket.try_take()


@pytest.mark.parametrize("rate", [0, -1])
def test_a_bucket_needs_a_positive_rate(rate):
    with pytest.raises(ValueError):
        TokenBucket(rate=rate)
