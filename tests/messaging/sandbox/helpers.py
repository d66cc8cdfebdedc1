"""Test helpers shared by the sandbox and gateway tests: carriers, gateways, local receivers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from twilio.request_validator import RequestValidator

from messaging.gateways.base import Gateway, GatewaySettings
from messaging.gateways.registry import build_gateway
from messaging.sandbox import CarrierConfig, SandboxCarrier
from messaging.sandbox.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

SENDER = "+447700900001"
SERVICE_SID = "MG" + "1" * 32
RECIPIENT = "+447700900123"


@dataclass(frozen=True)
class Post:
    """One webhook post as a receiver saw it."""

    path: str
    params: dict[str, str]
    signature: str | None
    signature_valid: bool
    at: float


class WebhookReceiver:
    """A tiny local HTTP server that records posts and checks ``X-Twilio-Signature``."""

    def __init__(self, auth_token: str = DEFAULT_AUTH_TOKEN, *, answer: int = 200) -> None:
        self.posts: list[Post] = []
        self.answer = answer
        self._validator = RequestValidator(auth_token)
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = {
                    k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()
                }
                signature = self.headers.get("X-Twilio-Signature")
                url = receiver.url(self.path)
                valid = signature is not None and receiver._validator.validate(
                    url, params, signature
                )
                receiver._record(Post(self.path, params, signature, valid, time.monotonic()))
                self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/hook") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def _record(self, post: Post) -> None:
        with self._changed:
            self.posts.append(post)
            self._changed.notify_all()

    def wait_for(
        self, count: int, *, path: str | None = None, timeout_s: float = 5.0
    ) -> list[Post]:
        """Wait until ``count`` posts (to ``path``, if given) arrived; return them."""
        deadline = time.monotonic() + timeout_s

        def matching() -> list[Post]:
            return [p for p in self.posts if path is None or p.path == path]

        with self._changed:
            while len(matching()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} posts, got {len(matching())}")
                self._changed.wait(left)
            return matching()


class AnswerlessServer:
    """Accepts one request, reads it whole, then drops the connection without answering."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.requests_read = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with connection:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                while len(body) < length:
                    body += connection.recv(65536)
                self.requests_read += 1

    def close(self) -> None:
        self._listener.close()


def unused_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def start_carrier() -> Iterator[Callable[..., SandboxCarrier]]:
    """Start sandbox carriers with fast test defaults; every one is stopped afterwards."""
    started: list[SandboxCarrier] = []

    def start(**overrides: Any) -> SandboxCarrier:
        options: dict[str, Any] = {"callback_delay_ms": 20.0, "seed": 7, **overrides}
        carrier = SandboxCarrier(CarrierConfig(**options))
        carrier.start()
        started.append(carrier)
        return carrier

    yield start
    for carrier in started:
        carrier.stop()


@pytest.fixture
def connect() -> Iterator[Callable[..., Gateway]]:
    """Build gateways pointed at a carrier (or any base URL); every one is closed afterwards."""
    opened: list[Gateway] = []

    def connect_to(target: SandboxCarrier | str, **overrides: Any) -> Gateway:
        base_url = target if isinstance(target, str) else target.base_url
        options: dict[str, Any] = {
            "name": "sandbox",
            "account_sid": DEFAULT_ACCOUNT_SID,
            "auth_token": DEFAULT_AUTH_TOKEN,
            "base_url": base_url,
            "timeout_s": 5.0,
            "pool_size": 16,
            **overrides,
        }
        gateway = build_gateway(GatewaySettings(**options))
        opened.append(gateway)
        return gateway

    yield connect_to
    for gateway in opened:
        gateway.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A local webhook receiver checking signatures with the sandbox's auth token."""
    started = WebhookReceiver().start()
    yield started
    started.stop()
