"""RQ queues and job options, set in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.job import Job

ALERTS = "alerts"
SEND = "send"
MAINTENANCE = "maintenance"
# In the order a worker takes jobs: a risk alert never waits behind queued send batches.
QUEUE_NAMES = (ALERTS, SEND, MAINTENANCE)

# Per queue: how long a job may run, how long results and failures are kept, retries.
JOB_OPTIONS: dict[str, dict[str, Any]] = {
    ALERTS: {"job_timeout": 300, "result_ttl": 600, "failure_ttl": 7 * 86400},
    SEND: {"job_timeout": 1800, "result_ttl": 3600, "failure_ttl": 7 * 86400},
    MAINTENANCE: {"job_timeout": 3600, "result_ttl": 3600, "failure_ttl": 7 * 86400},
}


def queue_name(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


def get_queue(redis: Redis, name: str = SEND, *, prefix: str = "pester") -> Queue:
    return Queue(queue_name(prefix, name), connection=redis)


def enqueue(
    redis: Redis,
    func: Callable[..., Any],
    *args: Any,
    queue: str = SEND,
    prefix: str = "pester",
    retries: int = 0,
    job_id: str | None = None,
) -> Job:
    """Enqueue ``func(*args)`` (ids only, never ORM objects) with the queue's options."""
    options = dict(JOB_OPTIONS[queue])
    if retries:
        options["retry"] = Retry(max=retries, interval=[10, 60, 300][:retries])
    return get_queue(redis, queue, prefix=prefix).enqueue(func, *args, job_id=job_id, **options)
