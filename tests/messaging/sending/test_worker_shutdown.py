"""A worker stops promptly: its command listener never holds a shutdown for long."""

from __future__ import annotations

import time

from redis import Redis
from rq import Queue

from messaging.sending.worker import PesterWorker


def test_the_command_listener_stops_within_seconds_even_mid_poll(redis: Redis) -> None:
    worker = PesterWorker([Queue("shutdown-test", connection=redis)], connection=redis)
    worker.subscribe()
    worker.pubsub.unsubscribe()
    time.sleep(0.5)  # the listener reads the reply and is back in its blocking poll
    worker.pubsub_thread.stop(timeout=5)
    # RQ's own 60-second poll would still be blocking here.
    assert not worker.pubsub_thread.is_alive()
