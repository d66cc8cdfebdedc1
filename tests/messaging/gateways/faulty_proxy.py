"""A local HTTP proxy in front of a carrier that can turn create answers into server errors.

It forwards every request to the carrier (so a create really happens there) and, while
``fail_creates`` is above zero, throws the carrier's answer to a create-message POST away
and answers with a server error instead: the provider created the message, the client was
told it failed. ``create_first=False`` answers the error without forwarding (nothing made).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class FaultyProxy:
    """Forwards to ``target``; the next ``fail_creates`` creates are answered ``status``."""

    def __init__(
        self,
        target: str,
        *,
        fail_creates: int = 0,
        status: int = 500,
        twilio_code: int | None = None,
        create_first: bool = True,
    ) -> None:
        self.target = target.rstrip("/")
        self.fail_creates = fail_creates
        self.status = status
        self.twilio_code = twilio_code
        self.create_first = create_first
        self.faults = 0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._session.trust_env = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._handle(self, None)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy._handle(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _take_fault(self, handler: BaseHTTPRequestHandler, body: bytes | None) -> bool:
        if body is None or not handler.path.endswith("/Messages.json"):
            return False
        with self._lock:
            if self.fail_creates <= 0:
                return False
            self.fail_creates -= 1
            self.faults += 1
            return True

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        fault = self._take_fault(handler, body)
        if not fault or self.create_first:
            headers = {
                k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")
            }
            answer = self._session.request(
                handler.command,
                self.target + handler.path,
                data=body,
                headers=headers,
                timeout=10,
            )
        if fault:
            if self.twilio_code is not None:
                payload = json.dumps(
                    {"code": self.twilio_code, "message": "Internal error", "status": self.status}
                ).encode()
                content_type = "application/json"
            else:
                payload = b"<html><body>Bad gateway</body></html>"
                content_type = "text/html"
            self._answer(handler, self.status, payload, content_type)
            return
        self._answer(
            handler, answer.status_code, answer.content, answer.headers.get("Content-Type", "")
        )

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler, status: int, payload: bytes, content_type: str
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._session.close()
