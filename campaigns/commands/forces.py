"""`pester force add|list|edit`: the forces (tenants) sharing this installation."""

from __future__ import annotations

import json
import re

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from campaigns.commands._setup import cli_actor
from messaging.db import db
from messaging.models import Force
from messaging.models.forces import FORCE_CODE_PATTERN
from messaging.records import audit

_FIELDS = ("name", "contact_name", "contact_email", "on_call_email")


@click.group("force")
def force() -> None:
    """Forces sharing this installation: each sees only its own lines, replies and people."""


def _contact_options(function):  # type: ignore[no-untyped-def]
    for option in (
        click.option("--on-call-email", default=None, help="Where urgent alerts go, 24/7."),
        click.option("--contact-email", default=None, help="Shown to other forces' links."),
        click.option("--contact-name", default=None, help="Shown to other forces' links."),
    ):
        function = option(function)
    return function


def _checked_code(code: str) -> str:
    code = code.strip().upper()
    if not re.fullmatch(FORCE_CODE_PATTERN, code):
        raise click.ClickException(
            "a force code is 2 to 12 capital letters and digits, starting with a letter (WMP)"
        )
    return code


def _checked_email(value: str | None, option: str) -> str | None:
    if value is not None and value and "@" not in value:
        raise click.ClickException(f"{option} does not look like an email address")
    return value


@force.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The force's name, e.g. 'West Midlands Police'.")
@_contact_options
@with_appcontext
def add(
    code: str,
    name: str,
    contact_name: str | None,
    contact_email: str | None,
    on_call_email: str | None,
) -> None:
    """Add the force CODE (e.g. WMP)."""
    code = _checked_code(code)
    with db.transaction() as session:
        if session.scalar(select(Force.id).where(Force.code == code)) is not None:
            raise click.ClickException(f"force {code} already exists")
        added = Force(
            code=code,
            name=name.strip()[:120],
            contact_name=(contact_name or "").strip()[:120],
            contact_email=(_checked_email(contact_email, "--contact-email") or "").strip(),
            on_call_email=(_checked_email(on_call_email, "--on-call-email") or "").strip(),
        )
        session.add(added)
        session.flush()
        audit.append(
            session,
            category="administration",
            action="force_added",
            actor=cli_actor(),
            object_type="force",
            object_id=added.id,
            details={"code": code},
            force_id=added.id,
        )
    click.echo(f"added force {code} (id {added.id})")


@force.command("edit")
@click.argument("code")
@click.option("--name", default=None)
@_contact_options
@with_appcontext
def edit(code: str, **changes: str | None) -> None:
    """Change a force's name or contacts."""
    with db.transaction() as session:
        found = session.scalar(select(Force).where(Force.code == code.strip().upper()))
        if found is None:
            raise click.ClickException(f"no force {code!r}")
        changed = []
        for field in _FIELDS:
            value = changes.get(field)
            if value is not None:
                if field.endswith("email"):
                    _checked_email(value, f"--{field.replace('_', '-')}")
                setattr(found, field, value.strip())
                changed.append(field)
        audit.append(
            session,
            category="administration",
            action="force_changed",
            actor=cli_actor(),
            object_type="force",
            object_id=found.id,
            details={"fields": changed},
            force_id=found.id,
        )
    click.echo(f"force {found.code}: {', '.join(changed) or 'nothing'} changed")


@force.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per force.")
@with_appcontext
def list_forces(as_json: bool) -> None:
    """Every force, in the order they were added."""
    forces = db.session.scalars(select(Force).order_by(Force.id)).all()
    for row in forces:
        if as_json:
            fields = {f: getattr(row, f) for f in _FIELDS}
            click.echo(json.dumps({"id": row.id, "code": row.code, **fields}))
        else:
            contact = f" — {row.contact_name} <{row.contact_email}>" if row.contact_name else ""
            click.echo(f"{row.code}\t{row.name}{contact}")


commands = [force]
