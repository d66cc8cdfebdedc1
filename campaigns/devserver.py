"""`pester serve`: everything a developer or trainer needs, on one machine, one command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from messaging.config import load_settings
from messaging.redis_conn import BundledRedis, reachable


def _pester(*args: str) -> list[str]:
    return [sys.executable, "-m", "campaigns", *args]


def run_all_in_one(*, port: int, carrier_port: int) -> None:
    """Start Redis (bundled if none), migrate, load demo data, start the carrier, a worker
    and the web app; stop them all on Ctrl-C."""
    settings = load_settings()
    env = dict(os.environ)
    bundled: BundledRedis | None = None
    if not settings.redis_url:
        bundled = BundledRedis(Path(settings.instance_dir) / "valkey")
        env["REDIS_URL"] = bundled.start()
    elif not reachable(settings.redis_url):
        raise click.ClickException("REDIS_URL is set but nothing answers there")
    base = f"http://127.0.0.1:{port}"
    env.setdefault("PUBLIC_BASE_URL", base)
    env.setdefault("SANDBOX_CARRIER_URL", f"http://127.0.0.1:{carrier_port}")
    children: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(_pester("db", "upgrade"), env=env, check=True)
        subprocess.run(_pester("demo"), env=env, check=True)
        children.append(
            subprocess.Popen(
                _pester(
                    "sandbox-carrier",
                    "--port",
                    str(carrier_port),
                    "--latency-ms",
                    "150",
                    "--capacity",
                    "500",
                    "--reply-rate",
                    "0.2",
                    "--inbound-url",
                    f"{env['PUBLIC_BASE_URL']}/webhooks/twilio/inbound",
                ),
                env=env,
            )
        )
        children.append(subprocess.Popen(_pester("worker"), env=env))
        click.echo(f"pester is running at {base} (Ctrl-C to stop)")
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi:app",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--with-threads",
                "--no-reload",
            ],
            env=env,
        )
        children.append(web)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c.args for c in children if c.poll() not in (None, 0)]
        if failed:
            raise click.ClickException(f"a process stopped unexpectedly: {failed[0]}")
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if bundled is not None:
            bundled.stop()
