"""The app served over real HTTP on 127.0.0.1, with the sandbox carrier beside it."""

from __future__ import annotations

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
from messaging.db import Base, db
from messaging.sandbox import CarrierConfig, SandboxCarrier
from messaging.seed import seed_reference_data


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
        if db.engine.dialect.name == "postgresql":
            Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        with db.transaction() as session:
            seed_reference_data(session)
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
