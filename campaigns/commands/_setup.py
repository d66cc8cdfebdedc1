"""Shared set-up for the pipeline's commands: the runtime, and who is running them."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import click

from messaging import runtime
from messaging.config import load_settings


def configured_runtime() -> runtime.Runtime:
    """This process's runtime, configured from the environment when nothing has yet."""
    try:
        return runtime.current()
    except RuntimeError:
        return runtime.configure(load_settings())


def cli_actor() -> str:
    """Who ran a command, for the audit log: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"[:120]
    except (KeyError, OSError):
        return "cli"


class WhenType(click.ParamType):
    """A date (midnight UTC) or an ISO 8601 date and time (UTC unless it says otherwise)."""

    name = "date"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-01-31 or 2026-01-31T09:30", param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


WHEN = WhenType()
