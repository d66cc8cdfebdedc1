"""The app served over real HTTP on 127.0.0.1, with the sandbox carrier beside it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from campaigns.app import create_app
from messaging.config import Settings, test_settings
from messaging.db import db
from messaging.sandbox import CarrierConfig, SandboxCarrier
from tests.support.schema import fresh_database

REPO = Path(__file__).resolve().parents[2]


def process_env(settings: Settings, instance_dir: Path) -> dict[str, str]:
    """The environment that gives a `pester` process the same parts as ``settings``."""
    s = settings
    env = {
        **os.environ,
        "PESTER_ENV": "testing",
        "PESTER_INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": s.database_url,
        "REDIS_URL": s.redis_url or "",
        "SECRET_KEY": s.secret_key,
        "PESTER_DATA_KEY": s.data_key,
        "PESTER_LOOKUP_KEY": s.lookup_key,
        "PESTER_AUDIT_SIGNING_KEY": s.audit_signing_key,
        "PESTER_AUDIT_CHECKPOINT_PATH": str(s.audit_checkpoint_path),
        "PESTER_AUDIT_CHECKPOINT_EVERY": str(s.audit_checkpoint_every),
        "PESTER_AUDIT_CHECKPOINT_MINUTES": str(s.audit_checkpoint_minutes),
        "PESTER_LEGACY_SEALS": "accept" if s.accept_legacy_seals else "refuse",
        "SANDBOX_CARRIER_URL": s.sandbox_carrier_url,
        "PUBLIC_BASE_URL": s.public_base_url,
        "TWILIO_ACCOUNT_SID": s.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": s.twilio_auth_token,
        "PESTER_SEND_RATE": str(s.send_rate_override or ""),
        "PESTER_BATCH_SIZE": str(s.batch_size),
        "PESTER_GATEWAY_CONCURRENCY": str(s.gateway_concurrency),
        "PESTER_GATEWAY_TIMEOUT": str(s.gateway_timeout_s),
        "PESTER_LEASE_SECONDS": str(s.lease_seconds),
        "PESTER_RECONCILE_GRACE_SECONDS": str(s.reconcile_grace_seconds),
        "PESTER_TICK_SECONDS": str(s.tick_seconds),
        "PESTER_MAX_ATTEMPTS": str(s.max_attempts),
        "PESTER_QUIET_HOURS_START": str(s.quiet_hours_start),
        "PESTER_QUIET_HOURS_END": str(s.quiet_hours_end),
        "PESTER_QUEUE_PREFIX": s.queue_prefix,
    }
    if s.alert_smtp_url:
        env.update(
            PESTER_ALERT_SMTP_URL=s.alert_smtp_url,
            PESTER_ALERT_TO=",".join(s.alert_to),
            PESTER_ALERT_FROM=s.alert_from,
        )
    if s.alert_webhook_url:
        env.update(
            PESTER_ALERT_WEBHOOK_URL=s.alert_webhook_url,
            PESTER_ALERT_WEBHOOK_SECRET=s.alert_webhook_secret,
        )
    if s.audit_checkpoint_email_to:
        env["PESTER_AUDIT_CHECKPOINT_EMAIL_TO"] = ",".join(s.audit_checkpoint_email_to)
    if s.audit_checkpoint_webhook_url:
        env["PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL"] = s.audit_checkpoint_webhook_url
        env["PESTER_ALERT_WEBHOOK_SECRET"] = s.alert_webhook_secret
    if not env["REDIS_URL"]:
        del env["REDIS_URL"]
    return env


def start_worker_process(
    settings: Settings, instance_dir: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    """A `python -m campaigns worker` process (with its tick) on the parts of ``settings``."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "campaigns", "worker"],
            cwd=REPO,
            env=process_env(settings, instance_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a worker to stop (it finishes its batch), killing it if it will not."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class LiveStack:
    app: Flask
    base_url: str
    carrier: SandboxCarrier
    settings: Settings


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_stack(
    tmp_path: Path,
    *,
    database_url: str,
    redis_url: str,
    carrier: CarrierConfig | None = None,
    **overrides: object,
) -> Iterator[LiveStack]:
    """Start the carrier and the app (served in a thread); tear both down afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = carrier or CarrierConfig(callback_delay_ms=20, inbound_url=None)
    if config.inbound_url is None:
        from dataclasses import replace

        config = replace(config, inbound_url=f"{base_url}/webhooks/twilio/inbound")
    sandbox = SandboxCarrier(config)
    sandbox.start()
    settings = test_settings(
        tmp_path,
        database_url=database_url,
        redis_url=redis_url,
        public_base_url=base_url,
        sandbox_carrier_url=sandbox.base_url,
        twilio_account_sid=config.account_sid,
        twilio_auth_token=config.auth_token,
        **overrides,
    )
    app = create_app(settings)
    from tests.support.factories import IsolatingClient

    app.test_client_class = IsolatingClient
    with app.app_context():
        assert db.engine is not None
        fresh_database(db.engine)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveStack(app=app, base_url=base_url, carrier=sandbox, settings=settings)
    finally:
        server.shutdown()
        sandbox.stop()
        db.dispose()


def wait_until(condition: Callable[[], bool], *, timeout: float = 15.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
