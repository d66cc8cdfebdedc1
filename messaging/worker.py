"""Running RQ workers on pester's queues, with the periodic reconciliation tick."""

from __future__ import annotations

import logging

from rq import SimpleWorker

from messaging import runtime
from messaging.queues import QUEUE_NAMES, get_queue
from messaging.reconcile import Ticker

log = logging.getLogger(__name__)


def run_worker(*, burst: bool = False, tick: bool = True, name: str | None = None) -> bool:
    """Work the send and maintenance queues until stopped (or until empty with ``burst``).

    A SimpleWorker runs jobs in this process: a batch job spends its time waiting on the
    gateway, so a fork per job buys nothing, and the database pool and HTTP connections
    stay warm across batches.
    """
    rt = runtime.current()
    queues = [get_queue(rt.redis, q, prefix=rt.settings.queue_prefix) for q in QUEUE_NAMES]
    worker = SimpleWorker(queues, connection=rt.redis, name=name)
    ticker = Ticker() if tick and not burst else None
    if ticker:
        ticker.start()
    try:
        return worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
    finally:
        if ticker:
            ticker.stop()
