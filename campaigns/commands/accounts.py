"""`pester account reset-two-factor`: for someone who lost the phone with their codes."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from campaigns.commands._setup import cli_actor, configured_runtime
from messaging.db import db
from messaging.models import User
from messaging.records import audit

account = click.Group("account", help="Staff accounts.")


@account.command("reset-two-factor")
@click.argument("email")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
def reset_two_factor(email: str, reason: str) -> None:
    """Turn off EMAIL's two-step sign-in so they can sign in with their password and set it
    up again. Check who is asking first: this removes a protection."""
    configured_runtime()
    with db.transaction() as session:
        user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email!r}")
        if not user.totp_secret:
            click.echo(f"{user.email} has no two-step sign-in: nothing to do")
            return
        user.totp_secret = None
        audit.append(
            session,
            category="access",
            action="second_factor_reset",
            actor=cli_actor(),
            object_type="user",
            object_id=user.id,
            reason=reason,
            force_id=user.force_id,
        )
    click.echo(f"two-step sign-in turned off for {email}; they should set it up again")


commands = [account]
