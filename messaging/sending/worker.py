"""Running RQ workers on pester's queues, with the periodic reconciliation tick."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker

from messaging import runtime
from messaging.queues import QUEUE_NAMES, get_queue
from messaging.sending.reconcile import Ticker

log = logging.getLogger(__name__)
REDIS_RETRY_SECONDS = 0.5
PUBSUB_POLL_SECONDS = 1.0  # bounds how long stopping a worker's command listener takes


class PesterWorker(SimpleWorker):
    """A SimpleWorker that remembers whether someone asked it to stop (SIGINT/SIGTERM)."""

    stop_was_requested = False

    def subscribe(self) -> None:
        """Listen on RQ's command channel, polling every ``PUBSUB_POLL_SECONDS``.

        RQ polls every 60 s, and redis-py's ``stop()`` waits for the poll under way: a
        worker's shutdown (and the end of every burst) could then hang for a minute.
        """
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=PUBSUB_POLL_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )

    def request_stop(self, signum, frame):  # type: ignore[no-untyped-def]
        self.stop_was_requested = True
        return super().request_stop(signum, frame)


def run_worker(
    *,
    burst: bool = False,
    tick: bool = True,
    name: str | None = None,
    queues: Sequence[str] = QUEUE_NAMES,
    also_tick: Sequence[Callable[[], object]] = (),
) -> bool:
    """Work pester's queues (all of them by default, alerts first) until stopped (or until
    empty with ``burst``); ``also_tick`` are later stages' periodic passes (risk alerts'
    repeats), run by the tick after its own.

    A SimpleWorker runs jobs in this process: a batch job spends its time waiting on the
    gateway, so a fork per job buys nothing, and the database pool and HTTP connections
    stay warm across batches. RQ's worker quits when Redis goes away in the middle of a
    job; this one waits for Redis to come back and starts a fresh worker (the tick then
    queues again whatever the restart lost), so a Redis restart needs no worker restart.
    """
    rt = runtime.current()
    ticker = Ticker(also=also_tick) if tick and not burst else None
    if ticker:
        ticker.start()
    worked = False
    try:
        while True:
            listened = [get_queue(rt.redis, q, prefix=rt.settings.queue_prefix) for q in queues]
            worker = PesterWorker(listened, connection=rt.redis, name=name)
            name = None  # a restarted worker gets a fresh name
            try:
                worked |= worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
            except RedisError as exc:
                log.warning("worker lost Redis (%s)", type(exc).__name__)
            if burst or worker.stop_was_requested:
                return worked
            time.sleep(REDIS_RETRY_SECONDS)  # never spin if the worker keeps quitting
            _wait_for_redis(rt.redis)
            log.info("Redis is back: starting the worker again")
    finally:
        if ticker:
            ticker.stop()


def _wait_for_redis(redis: Redis) -> None:
    while True:
        try:
            if redis.ping():
                return
        except RedisError:
            pass
        time.sleep(REDIS_RETRY_SECONDS)
