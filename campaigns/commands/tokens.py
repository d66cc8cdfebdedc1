"""`pester token create|revoke|list`: API tokens, shown once, stored only as SHA-256."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from campaigns.api_tokens import TokenError, issue_token, revoke_token
from messaging.db import db
from messaging.models import ApiToken, Role, User
from messaging.records import audit

CLI_ACTOR = "cli"


@click.group("token")
def token() -> None:
    """API tokens for the JSON API (/api/v1)."""


@token.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'force BI export'.")
@click.option(
    "--role",
    type=click.Choice([str(r) for r in Role]),
    default=None,
    help="The token's role (default: the user's); never more than the user's.",
)
@with_appcontext
def create(email: str, name: str, role: str | None) -> None:
    """Issue a token for the user EMAIL and print it once (it cannot be shown again)."""
    with db.transaction() as session:
        user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email}")
        try:
            issued, secret = issue_token(session, user, name=name, role=role)
        except TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.append(
            session,
            category="administration",
            action="api_token_issued",
            actor=CLI_ACTOR,
            object_type="api_token",
            object_id=issued.id,
            details={"user_id": user.id, "role": issued.role},
            force_id=user.force_id,
        )
    click.echo(
        f"token {issued.id} for {user.email} ({issued.role}): keep it safe, it is shown once"
    )
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Stop token TOKEN_ID working from now on."""
    with db.transaction() as session:
        try:
            revoked = revoke_token(session, token_id)
        except TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.append(
            session,
            category="administration",
            action="api_token_revoked",
            actor=CLI_ACTOR,
            object_type="api_token",
            object_id=revoked.id,
            details={"user_id": revoked.user_id},
            force_id=revoked.force_id,
        )
    click.echo(f"token {token_id} revoked")


@token.command("list")
@with_appcontext
def list_tokens() -> None:
    """List tokens: id, user, role, name, created, last used, revoked (never the secret)."""
    rows = db.session.execute(
        select(ApiToken, User.email).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    ).all()
    if not rows:
        click.echo("no API tokens")
        return
    for issued, email in rows:
        last_used = (
            issued.last_used_at.isoformat(timespec="seconds") if issued.last_used_at else "never"
        )
        state = (
            f"revoked {issued.revoked_at.isoformat(timespec='seconds')}"
            if issued.revoked_at
            else "active"
        )
        click.echo(
            f"{issued.id}\t{email}\t{issued.role}\t{issued.name}\t"
            f"created {issued.created_at.isoformat(timespec='seconds')}\t"
            f"last used {last_used}\t{state}"
        )


commands = [token]
