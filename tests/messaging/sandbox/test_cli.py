"""`pester sandbox-carrier`: options are checked, and the carrier it starts serves the API."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from campaigns.commands.sandbox import sandbox_carrier
from messaging.gateways.base import GatewaySettings, OutgoingSms
from messaging.gateways.registry import build_gateway

ROOT = Path(__file__).resolve().parents[3]


def test_the_help_names_the_options_officers_and_benchmarks_use():
    result = CliRunner().invoke(sandbox_carrier, ["--help"])
    assert result.exit_code == 0
    for option in ("--latency-ms", "--capacity", "--no-callbacks", "--reply-rate", "--inbound-url"):
        assert option in result.output


def test_an_impossible_rate_is_refused_before_anything_starts():
    result = CliRunner().invoke(sandbox_carrier, ["--port", "0", "--reply-rate", "1.5"])
    assert result.exit_code != 0
    assert "reply_rate" in result.output


def test_the_command_serves_the_api_until_interrupted():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "campaigns.commands.sandbox",
            "--port",
            "0",
            "--latency-ms",
            "0",
            "--no-callbacks",
            "--auth-token",
            "cli-token",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        base_url = re.search(r"http://127\.0\.0\.1:\d+", first_line)
        assert base_url, first_line
        gateway = build_gateway(
            GatewaySettings(name="sandbox", auth_token="cli-token", base_url=base_url.group())
        )
        try:
            receipt = gateway.send(
                OutgoingSms(to="+447700900123", body="hi", sender="+447700900001")
            )
            assert gateway.fetch(receipt.provider_id).to == "+447700900123"
        finally:
            gateway.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
