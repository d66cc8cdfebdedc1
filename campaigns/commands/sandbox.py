"""`pester sandbox-carrier`: run the local sandbox carrier in the foreground."""

from __future__ import annotations

import logging

import click

from messaging.sandbox.config import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_PORT,
    CarrierConfig,
)
from messaging.sandbox.server import SandboxCarrier


@click.command("sandbox-carrier")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--latency-ms", default=150.0, show_default=True, type=float, help="Per request.")
@click.option(
    "--capacity", default=None, type=float, help="Messages per second (default: unlimited)."
)
@click.option("--burst", default=None, type=int, help="Messages at once (default: capacity).")
@click.option("--error-rate", default=0.0, show_default=True, type=float, help="Share of 500s.")
@click.option("--callbacks/--no-callbacks", default=True, show_default=True)
@click.option("--callback-delay-ms", default=1000.0, show_default=True, type=float)
@click.option("--duplicate-rate", default=0.0, show_default=True, type=float)
@click.option("--reorder-rate", default=0.0, show_default=True, type=float)
@click.option("--late-rate", default=0.0, show_default=True, type=float)
@click.option("--late-ms", default=5000.0, show_default=True, type=float)
@click.option("--reply-rate", default=0.0, show_default=True, type=float)
@click.option("--reply-delay-ms", default=3000.0, show_default=True, type=float)
@click.option("--inbound-url", default=None, help="Where simulated replies are posted.")
@click.option("--account-sid", default=DEFAULT_ACCOUNT_SID, envvar="SANDBOX_ACCOUNT_SID")
@click.option(
    "--auth-token",
    default=DEFAULT_AUTH_TOKEN,
    envvar="SANDBOX_AUTH_TOKEN",
    help="Checks API calls and signs callbacks (env SANDBOX_AUTH_TOKEN).",
)
@click.option("--seed", default=None, type=int, help="Make failures and replies repeatable.")
def sandbox_carrier(
    host: str,
    port: int,
    latency_ms: float,
    capacity: float | None,
    burst: int | None,
    error_rate: float,
    callbacks: bool,
    callback_delay_ms: float,
    duplicate_rate: float,
    reorder_rate: float,
    late_rate: float,
    late_ms: float,
    reply_rate: float,
    reply_delay_ms: float,
    inbound_url: str | None,
    account_sid: str,
    auth_token: str,
    seed: int | None,
) -> None:
    """Run the sandbox carrier: Twilio's Messages API for demo, training and tests."""
    try:
        config = CarrierConfig(
            host=host,
            port=port,
            account_sid=account_sid,
            auth_token=auth_token,
            latency_ms=latency_ms,
            capacity=capacity,
            burst=burst,
            server_error_rate=error_rate,
            callbacks=callbacks,
            callback_delay_ms=callback_delay_ms,
            duplicate_rate=duplicate_rate,
            reorder_rate=reorder_rate,
            late_rate=late_rate,
            late_ms=late_ms,
            inbound_url=inbound_url,
            reply_rate=reply_rate,
            reply_delay_ms=reply_delay_ms,
            seed=seed,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    carrier = SandboxCarrier(config)
    base_url = carrier.start()
    click.echo(f"sandbox carrier on {base_url} (account {account_sid}); Ctrl-C stops it")
    try:
        carrier.join()
    except KeyboardInterrupt:
        click.echo("sandbox carrier stopping")
    finally:
        carrier.stop()


commands = [sandbox_carrier]

if __name__ == "__main__":
    sandbox_carrier()
