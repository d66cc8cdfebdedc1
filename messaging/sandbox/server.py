"""Serve the sandbox carrier over HTTP/1.1 with keep-alive, in a thread or from the CLI."""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import logging
import re
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from messaging.sandbox.carrier import ApiResponse, Carrier, error_response
from messaging.sandbox.config import CarrierConfig
from messaging.sandbox.resources import API_VERSION, message_resource
from messaging.sandbox.store import now

log = logging.getLogger(__name__)

_ACCOUNT = r"/" + API_VERSION + r"/Accounts/(?P<account>[^/]+)"
_MESSAGES = re.compile(_ACCOUNT + r"/Messages\.json")
_MESSAGE = re.compile(_ACCOUNT + r"/Messages/(?P<sid>[^/]+)\.json")


def _form(raw: bytes | str) -> dict[str, str]:
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


class _Server(ThreadingHTTPServer):
    """A thread per connection; remembers open connections so stop() can cut them."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], carrier: Carrier) -> None:
        super().__init__(address, _Handler)
        self.carrier = carrier
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        expected = f"{carrier.config.account_sid}:{carrier.config.auth_token}".encode()
        self.expected_auth = "Basic " + base64.b64encode(expected).decode("ascii")

    def track(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients dropping keep-alive connections is routine here, not worth a traceback.
        log.debug("sandbox carrier connection from %s ended with an error", client_address)

    def cut_connections(self) -> None:
        """Shut every open keep-alive connection so its handler thread ends."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry phone numbers in query strings: never log them.
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        started = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        is_api = not parts.path.startswith("/_sandbox/")
        try:
            response = self._route(method, parts.path, parts.query, raw, is_api=is_api)
        except Exception:
            log.exception("sandbox carrier failed on a %s request", method)
            response = error_response(500, 20500)
        if is_api and self.server.carrier.config.latency_ms:
            # The whole round trip takes the configured latency, not latency + work.
            left = self.server.carrier.config.latency_ms / 1000 - (time.monotonic() - started)
            if left > 0:
                time.sleep(left)
        self._write(response)

    def _route(
        self, method: str, path: str, query: str, raw: bytes, *, is_api: bool
    ) -> ApiResponse:
        carrier = self.server.carrier
        if not is_api:
            return _sandbox_route(carrier, method, path, raw, self.headers.get("Content-Type"))
        collection, single = _MESSAGES.fullmatch(path), _MESSAGE.fullmatch(path)
        if collection is None and single is None:
            return error_response(404, 20404)
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), self.server.expected_auth.encode()):
            return error_response(401, 20003, ("WWW-Authenticate", 'Basic realm="Twilio API"'))
        match = collection or single
        assert match is not None
        if match["account"] != carrier.config.account_sid:
            return error_response(404, 20404)
        if collection is not None and method == "POST":
            return carrier.create_message(_form(raw))
        if collection is not None and method == "GET":
            return carrier.list_messages(_form(query))
        if single is not None and method == "GET":
            return carrier.fetch_message(single["sid"])
        return error_response(405, 20004)

    def _write(self, response: ApiResponse) -> None:
        payload = json.dumps(response.body).encode("utf-8")
        lines = [
            f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
            "Content-Type: application/json; charset=utf-8",
            f"Content-Length: {len(payload)}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        # One write: headers and body split over two packets meet delayed ACKs (40 ms).
        try:
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        except OSError:
            # The client gave up (its timeout) or stop() cut the connection.
            self.close_connection = True


def _sandbox_route(
    carrier: Carrier, method: str, path: str, raw: bytes, content_type: str | None
) -> ApiResponse:
    """The sandbox's own endpoints: message log, stats, reset, reply injection."""
    if method == "GET" and path == "/_sandbox/messages":
        at = now()
        return ApiResponse(
            200,
            [
                {
                    **message_resource(record, at),
                    "status_callback": record.status_callback,
                    "validity_period": record.validity_period,
                }
                for record in carrier.store.all()
            ],
        )
    if method == "GET" and path == "/_sandbox/stats":
        return ApiResponse(200, carrier.store.stats())
    if method == "POST" and path == "/_sandbox/reset":
        carrier.store.reset()
        return ApiResponse(200, {"reset": True})
    if method == "POST" and path == "/_sandbox/replies":
        if content_type and content_type.startswith("application/json"):
            fields = json.loads(raw or b"{}")
            if not isinstance(fields, dict):
                return ApiResponse(400, {"error": "expected a JSON object"})
            fields = {str(k): str(v) for k, v in fields.items()}
        else:
            fields = _form(raw)
        return carrier.inject_reply(fields)
    return ApiResponse(404, {"error": "no such sandbox endpoint"})


class SandboxCarrier:
    """The sandbox carrier on a local port: ``start()`` it or use it as a context manager."""

    def __init__(self, config: CarrierConfig | None = None) -> None:
        self.config = config or CarrierConfig()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._carrier: Carrier | None = None

    @property
    def base_url(self) -> str:
        """The carrier's base URL, to give the gateway as ``base_url``."""
        host, port = self._running().server_address[:2]
        return f"http://{host}:{port}"

    @property
    def carrier(self) -> Carrier:
        """The running carrier's state (store, counters) for tests and the demo."""
        if self._carrier is None:
            raise RuntimeError("the sandbox carrier is not running")
        return self._carrier

    def start(self) -> str:
        """Start serving in a background thread and return the base URL."""
        if self._server is not None:
            raise RuntimeError("the sandbox carrier is already running")
        self._carrier = Carrier(self.config)
        self._server = _Server((self.config.host, self.config.port), self._carrier)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-carrier",
            daemon=True,
        )
        self._thread.start()
        log.info("sandbox carrier listening on %s", self.base_url)
        return self.base_url

    def join(self) -> None:
        """Block until the carrier stops (the CLI waits here for Ctrl-C)."""
        while (thread := self._thread) is not None and thread.is_alive():
            thread.join(0.5)

    def stop(self) -> None:
        """Stop serving, cut open connections and stop callbacks; safe to call twice."""
        server, carrier = self._server, self._carrier
        self._server = self._carrier = None
        if server is not None:
            server.shutdown()
            server.cut_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if carrier is not None:
            carrier.close()

    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message as Twilio's resource JSON, oldest first."""
        at = now()
        return [message_resource(record, at) for record in self.carrier.store.all()]

    def stats(self) -> dict[str, object]:
        """The carrier's counters (same as ``GET /_sandbox/stats``)."""
        return self.carrier.store.stats()

    def reset(self) -> None:
        """Forget every message, opt-out and counter."""
        self.carrier.store.reset()

    def wait_for_callbacks(self, timeout_s: float = 5.0) -> bool:
        """Wait until every scheduled callback and reply has been posted."""
        return self.carrier.wait_idle(timeout_s)

    def _running(self) -> _Server:
        if self._server is None:
            raise RuntimeError("the sandbox carrier is not running")
        return self._server

    def __enter__(self) -> SandboxCarrier:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
