"""`pester services list|add|edit|withdraw|restore`: the services directory from the shell.

Without ``--force`` a command acts on national services (shared by every force: the system
operator's own); with ``--force CODE`` it acts, in that force's scope, on the force's own
services, exactly as the force's admins do in the web app (a national service is read-only
there, another force's is not found).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.commands._setup import cli_actor, force_option, resolve_force
from campaigns.forms import ServiceForm
from messaging import tenancy
from messaging.db import db
from messaging.models import Force, Service
from messaging.records import audit

FIELDS = ("name", "phone", "url", "hours", "areas")


@click.group("services")
def services() -> None:
    """Services a campaign can signpost: national ones (no --force) or a force's own."""


def _fields(function):  # type: ignore[no-untyped-def]
    for name, text in reversed(
        [
            ("--name", "As people know it."),
            ("--phone", "Phone number (a phone number or a web address is needed)."),
            ("--url", "Web address, short: changegrowlive.org."),
            ("--hours", "Opening hours, e.g. 'Mon-Fri 9am-5pm'."),
            ("--areas", "Areas served."),
        ]
    ):
        function = click.option(name, default=None, help=text)(function)
    return function


@contextmanager
def _acting(code: str | None) -> Iterator[tuple[Session, Force | None]]:
    """One transaction in ``code``'s scope (the whole of it, its commit's flush too), or
    outside any force's scope when no force is named."""
    force = None
    if code:
        with db.transaction() as session:
            force = resolve_force(session, code)
            session.expunge(force)
    with tenancy.acting_for(force.id if force else tenancy.ALL_FORCES), db.transaction() as s:
        yield s, force


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The fields as the web form would take them, or the form's first complaint."""
    try:
        return ServiceForm().load({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        field, problems = next(iter(exc.normalized_messages().items()))
        raise click.ClickException(f"--{field}: {problems[0]}") from exc


def _audit(session: Session, action: str, service: Service, **details: Any) -> None:
    audit.append(
        session,
        category="administration",
        action=action,
        actor=cli_actor(),
        object_type="service",
        object_id=service.id,
        details=details or None,
        force_id=service.force_id,
    )


def _find(session: Session, service_id: int, force: Force | None) -> Service:
    """The service to change: national without --force, the force's own with it."""
    service = session.get(Service, service_id)
    if service is None:
        where = f" in force {force.code}" if force else ""
        raise click.ClickException(f"no service {service_id}{where} (see: pester services list)")
    if force is not None and service.shared:
        raise click.ClickException(
            f"service {service_id} ({service.name}) is national: a force cannot change it; "
            "run the command without --force to change it for every force"
        )
    if force is None and not service.shared:
        owner = session.get(Force, service.force_id)
        code = owner.code if owner else service.force_id
        raise click.ClickException(
            f"service {service_id} ({service.name}) is force {code}'s own: add --force {code}"
        )
    return service


@services.command("list")
@force_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per service.")
@with_appcontext
def list_services(force_code: str | None, as_json: bool) -> None:
    """Every service (with --force: what that force sees, national and its own)."""
    with _acting(force_code) as (session, _force):
        rows = session.scalars(
            select(Service).order_by(Service.force_id.is_not(None), Service.name, Service.id)
        ).all()
        codes = dict(session.execute(select(Force.id, Force.code)).all())
        lines = [_line(row, codes, as_json=as_json) for row in rows]
    for line in lines:
        click.echo(line)


def _line(row: Service, codes: dict[int, str], *, as_json: bool) -> str:
    owner = "national" if row.shared else codes.get(row.force_id, str(row.force_id))
    if as_json:
        fields = {f: getattr(row, f) for f in FIELDS}
        return json.dumps(
            {"id": row.id, **fields, "helpline": row.national, "active": row.active, "force": owner}
        )
    state = "" if row.active else " (withdrawn)"
    return f"{row.id}\t{owner}\t{row.name}{state}\t{row.phone or row.url}"


@services.command("add")
@_fields
@click.option(
    "--helpline/--local",
    default=None,
    help="A national helpline, listed after local services (default: national services "
    "are helplines, a force's are local).",
)
@force_option
@with_appcontext
def add(force_code: str | None, helpline: bool | None, **values: str | None) -> None:
    """Add a national service, or with --force CODE one of that force's own."""
    data = _checked(values)
    with _acting(force_code) as (session, force):
        kind = helpline if helpline is not None else force is None
        service = Service(**data, national=kind, force_id=force.id if force else None)
        session.add(service)
        session.flush()
        _audit(session, "service_added", service)
    click.echo(f"added service {service.id} ({'national' if force is None else force.code})")


@services.command("edit")
@click.argument("service_id", type=int)
@_fields
@force_option
@with_appcontext
def edit(service_id: int, force_code: str | None, **values: str | None) -> None:
    """Change a service's details (name, phone, web address, hours, areas)."""
    with _acting(force_code) as (session, force):
        service = _find(session, service_id, force)
        merged = {f: getattr(service, f) for f in FIELDS}
        merged.update({k: v for k, v in values.items() if v is not None})
        data = _checked(merged)
        changed = sorted(f for f in FIELDS if getattr(service, f) != data.get(f, ""))
        for name in changed:
            setattr(service, name, data.get(name, ""))
        if changed:
            _audit(session, "service_changed", service, fields=changed)
    click.echo(f"service {service_id}: {', '.join(changed) or 'nothing'} changed")


def _set_active(service_id: int, force_code: str | None, *, active: bool) -> None:
    with _acting(force_code) as (session, force):
        service = _find(session, service_id, force)
        if service.active != active:
            service.active = active
            _audit(session, "service_restored" if active else "service_withdrawn", service)
    state = "can be chosen again" if active else "withdrawn from new campaigns"
    click.echo(f"service {service_id} {state}")


@services.command("withdraw")
@click.argument("service_id", type=int)
@force_option
@with_appcontext
def withdraw(service_id: int, force_code: str | None) -> None:
    """Withdraw a service: no new campaign can choose it (campaigns using it keep it)."""
    _set_active(service_id, force_code, active=False)


@services.command("restore")
@click.argument("service_id", type=int)
@force_option
@with_appcontext
def restore(service_id: int, force_code: str | None) -> None:
    """Let new campaigns choose a withdrawn service again."""
    _set_active(service_id, force_code, active=True)


commands = [services]
