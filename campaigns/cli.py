"""The ``pester`` command: database, users, workers, the all-in-one dev server, demo data."""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import sys

import click
from flask.cli import FlaskGroup, with_appcontext

import campaigns.commands
from campaigns.app import create_app
from campaigns.auth import create_user
from campaigns.commands._setup import cli_actor, force_option, resolve_force
from campaigns.demo import load_demo
from campaigns.devserver import run_all_in_one
from messaging import runtime
from messaging.db import db
from messaging.migrate import upgrade
from messaging.models import Campaign, Role
from messaging.records import audit
from messaging.seed import seed_reference_data
from messaging.sending.progress import campaign_progress
from messaging.sending.reconcile import tick
from messaging.sending.worker import run_worker


def _create_app():  # type: ignore[no-untyped-def]
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """pester: bulk public-health texts for county-lines teams."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply migrations and add the shipped templates and national services."""
    assert db.engine is not None
    upgrade(db.engine)
    with db.transaction() as session:
        added = seed_reference_data(session, default_force=runtime.current().settings.default_force)
    click.echo(
        f"database is up to date ({added['versions']} template versions, "
        f"{added['services']} services added)"
    )
    if added["local_edits_kept"]:
        click.echo(
            f"{added['local_edits_kept']} templates edited here keep their text; this "
            "release's wording for them is in templates/sms/ to copy in by hand if wanted"
        )


@main.group("user")
def user_group() -> None:
    """People and roles."""


@user_group.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([str(role) for role in Role]))
@force_option
@click.option("--name", default="", help="Display name.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin instead of generating one."
)
@with_appcontext
def user_add(
    email: str, role: str, force_code: str | None, name: str, password_stdin: bool
) -> None:
    """Add a user to a force; prints a one-time password unless one is given on stdin."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    force = resolve_force(db.session, force_code)
    try:
        user, secret = create_user(email, role, password=password, name=name, force_id=force.id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    # As when an admin adds someone on the web: an account change, recorded with who ran it.
    audit.append(
        db.session,
        category="administration",
        action="user_added",
        actor=cli_actor(),
        object_type="user",
        object_id=user.id,
        details={"role": user.role, "one_time_password": not password_stdin},
        force_id=force.id,
    )
    db.session.commit()
    click.echo(f"added {user.email} as {user.role} of {force.code}")
    if not password_stdin:
        click.echo(f"one-time password: {secret}")


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--no-tick", is_flag=True, help="Do not run the reconciliation tick here.")
@with_appcontext
def worker(burst: bool, no_tick: bool) -> None:
    """Run an RQ worker on pester's queues (start as many as the send rate needs)."""
    run_worker(burst=burst, tick=not no_tick)


@main.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run one reconciliation pass now (re-queue, reconcile leases, finish campaigns)."""
    click.echo(json.dumps(tick()))


@main.group("campaign")
def campaign_group() -> None:
    """Campaigns."""


@campaign_group.command("status")
@click.argument("campaign_id", type=int)
@with_appcontext
def campaign_status(campaign_id: int) -> None:
    """Print a campaign's progress as JSON."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    data = campaign_progress(db.session, campaign_id)
    data.update(
        id=campaign.id,
        name=campaign.name,
        state=campaign.state,
        stop_reason=campaign.stop_reason,
        stop_code=campaign.stop_code,
        launched_at=campaign.launched_at,
        finished_at=campaign.finished_at,
    )
    click.echo(json.dumps(data, default=str))


@main.command("demo")
@click.option("--contacts", default=300, show_default=True, help="How many synthetic contacts.")
@with_appcontext
def demo(contacts: int) -> None:
    """Load a synthetic seized line (Ofcom drama-range numbers) and demo users."""
    for line in load_demo(contacts=contacts):
        click.echo(line)


@main.command("serve")
@click.option("--port", default=5000, show_default=True)
@click.option("--carrier-port", default=8025, show_default=True)
def serve(port: int, carrier_port: int) -> None:
    """Development all-in-one: Redis, migrations, a worker, the sandbox carrier, the web app."""
    run_all_in_one(port=port, carrier_port=carrier_port)


def _register_command_modules() -> None:
    """Add the commands of every module in campaigns.commands.

    Each such module exposes ``commands``: a list of click commands or groups.
    """
    package = campaigns.commands
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for command in getattr(module, "commands", ()):
            main.add_command(command)


_register_command_modules()
