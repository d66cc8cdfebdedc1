"""Logs never carry phone numbers: not in access logs' query strings, not in tracebacks."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from messaging.log_redaction import REDACTED, PhoneNumberRedactor, install, redact
from tests.support.live import free_port, live_stack

REPO = Path(__file__).resolve().parents[2]
DIGITS = "7700900123"


@pytest.mark.parametrize(
    "text",
    [
        "GET /lines/?q=07700900123 HTTP/1.1",
        "GET /lines/?q=%2B447700900123 HTTP/1.1",
        "GET /lines/?q=07700+900123 HTTP/1.1",
        "GET /lines/?q=07700%20900%20123 HTTP/1.1",
        "searched for +44 (0)7700 900123",
        "searched for 0044 7700 900123",
        "tel:+447700900123",
        "/replies/numbers/447700900123",
        "call 07700-900-123.",
        "7700900123",
    ],
)
def test_anything_that_looks_like_a_phone_number_is_redacted(text: str) -> None:
    cleaned = redact(text)
    assert REDACTED in cleaned
    assert "900123" not in cleaned and "7700 900" not in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25 09:30:00,123 INFO campaign 42: batch 9f3a done",
        '127.0.0.1 - - [25/Nov/2026 09:30:00] "GET /lines/17 HTTP/1.1" 200 -',
        "outbox 123456 claimed by lease 5f3a07700900123b",
        "provider id SM0123456789abcdef0123456789abcdef",
        "a batch of 100 rows in 2.5 s",
    ],
)
def test_ids_times_addresses_and_hashes_survive(text: str) -> None:
    assert redact(text) == text


def test_the_filter_rewrites_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "search %s by %s", ("07700900123", "user 3"), None
    )
    PhoneNumberRedactor().filter(record)
    assert record.getMessage() == f"search {REDACTED} by user 3"
    try:
        raise ValueError("no contact +447700900123")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    PhoneNumberRedactor().filter(record)
    formatted = logging.Formatter().format(record)
    assert DIGITS not in formatted and REDACTED in formatted


def test_installed_redaction_covers_every_logger_and_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install()
    install()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("number %s", "+447700900123")
        logging.getLogger("werkzeug").info('"GET /lines/?q=07700900123 HTTP/1.1" 200 -')
    assert DIGITS not in caplog.text
    assert caplog.text.count(REDACTED) == 2


def test_the_development_server_logs_a_searched_number_as_redacted(
    tmp_path: Path, database_url: str, redis_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO),
        live_stack(tmp_path, database_url=database_url, redis_url=redis_db_url) as stack,
    ):
        response = requests.get(
            f"{stack.base_url}/login?q=07700900123&n=%2B447700900123", timeout=10
        )
        assert response.status_code == 200
        time.sleep(0.2)  # the request line is logged after the response is sent
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/login?q=" in line for line in lines)
    assert DIGITS not in caplog.text


def test_gunicorns_access_log_carries_no_searched_number(tmp_path: Path, redis_db_url: str) -> None:
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "PESTER_ENV": "development",
        "PESTER_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}",
        "REDIS_URL": redis_db_url,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
            "wsgi:app",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/login?q=07700%20900123&x=447700900123", timeout=2
                )
                break
            # Refused until gunicorn listens; then held until its worker has booted, which
            # takes longer than one request's timeout on a loaded machine.
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        deadline = time.monotonic() + 10
        while "/login" not in access_log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    logged = access_log.read_text()
    assert "GET /login?q=" in logged
    assert "900123" not in logged and REDACTED in logged
