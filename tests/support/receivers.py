"""Real receivers for what pester sends people: an SMTP server and an HTTP webhook endpoint.

Both listen on 127.0.0.1 on a free port, in this process, and keep every message exactly
as it arrived (the raw bytes), so tests can read what a person would get.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.live import free_port


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the whole message as the server received it

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.sink.lock:
            if self.sink.refuse_next > 0:
                self.sink.refuse_next -= 1
                return "451 4.3.0 try again later"
            self.sink.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 OK"


@dataclass
class SmtpSink:
    """An aiosmtpd server keeping every message; ``refuse_next`` answers 451 that many times."""

    port: int = field(default_factory=free_port)
    received: list[ReceivedMail] = field(default_factory=list)
    refuse_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class ReceivedPost:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookSink:
    """An HTTP server keeping every POST; answers ``status`` (200 unless a test changes it)."""

    port: int = field(default_factory=free_port)
    received: list[ReceivedPost] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0  # how long each POST is held, once kept, before it is answered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.received.append(ReceivedPost(self.path, dict(self.headers), body))
                    status = sink.status
                time.sleep(sink.delay_s)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/pester"

    def start(self) -> WebhookSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
