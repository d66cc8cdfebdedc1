"""Shared set-up for the commands: the runtime, who is running them, and for which force."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging import runtime
from messaging.config import load_settings
from messaging.models import Force
from messaging.records.checkpoint_channels import register_checkpoint_channels


def configured_runtime() -> runtime.Runtime:
    """This process's runtime, configured from the environment when nothing has yet (with
    the audit checkpoints' e-mail and webhook channels, as the app factory does)."""
    try:
        return runtime.current()
    except RuntimeError:
        configured = runtime.configure(load_settings())
        register_checkpoint_channels()
        return configured


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


def force_option(function):  # type: ignore[no-untyped-def]
    """``--force CODE``: which force a command acts for (needed once there are several)."""
    return click.option(
        "--force",
        "force_code",
        default=None,
        help="The force's code, e.g. WMP (needed when there is more than one force).",
    )(function)


def resolve_force(session: Session, code: str | None) -> Force:
    """The force ``code`` names, or the only force when none is named."""
    if code:
        force = session.scalar(select(Force).where(Force.code == code.strip().upper()))
        if force is None:
            raise click.ClickException(f"no force {code!r} (see: pester force list)")
        return force
    forces = session.scalars(select(Force).order_by(Force.id).limit(2)).all()
    if len(forces) != 1:
        raise click.ClickException(
            "name the force with --force CODE" if forces else "add a force first: pester force add"
        )
    return forces[0]
