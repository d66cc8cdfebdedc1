"""`pester lines add` and `pester contacts import`: the import path without a browser."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from campaigns.commands._setup import force_option, resolve_force
from messaging import runtime
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.contact_import import ImportRefused, import_contacts
from messaging.intake.extractions import FORMATS, ColumnMap
from messaging.intake.phone_numbers import normalise
from messaging.models import Line
from messaging.records import audit

CLI_ACTOR = "cli"


@click.group("lines")
def lines() -> None:
    """Seized lines."""


@lines.command("add")
@click.argument("reference")
@click.option("--name", required=True, help="The line's brand, e.g. 'Tony'.")
@click.option("--exhibit", default="", help="Exhibit reference.")
@click.option("--force-area", default="", help="Force or area.")
@click.option("--operation", default="", help="Operation name.")
@click.option("--number", "line_number", default=None, help="The line's own phone number.")
@click.option("--seized-on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--retention-days", type=click.IntRange(1, 3650), default=None)
@force_option
@with_appcontext
def add_line(
    reference: str,
    name: str,
    exhibit: str,
    force_area: str,
    operation: str,
    line_number: str | None,
    seized_on: date | None,
    retention_days: int | None,
    force_code: str | None,
) -> None:
    """Register a seized line of a force."""
    settings = runtime.current().settings
    with db.transaction() as session:
        force = resolve_force(session, force_code)
        taken = select(Line.id).where(Line.reference == reference, Line.force_id == force.id)
        if session.scalar(taken) is not None:
            raise click.ClickException(f"a line with reference {reference!r} already exists")
        line = Line(
            force_id=force.id,
            reference=reference,
            name=name,
            exhibit_reference=exhibit,
            force_area=force_area,
            operation=operation,
            seized_on=seized_on.date() if seized_on else None,  # type: ignore[union-attr]
            retention_days=retention_days or settings.default_retention_days,
        )
        if line_number:
            number = normalise(line_number)
            if number.e164 is None:
                raise click.ClickException(f"the line number is not valid ({number.reason})")
            line.line_number, line.line_number_hash = number.e164, lookup_hash(number.e164)
        session.add(line)
        session.flush()
        audit.append(
            session,
            category="collection",
            action="line_registered",
            actor=CLI_ACTOR,
            object_type="line",
            object_id=line.id,
            force_id=force.id,
        )
    click.echo(f"registered line {reference} (id {line.id})")


@click.group("contacts")
def contacts() -> None:
    """Contacts of seized lines."""


@contacts.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--line", "reference", required=True, help="The line's reference.")
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto")
@click.option(
    "--number-column", "number_columns", multiple=True, help="CSV column(s) holding numbers."
)
@click.option("--name-column", default=None, help="CSV column holding the saved name.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@force_option
@with_appcontext
def import_file(
    path: Path,
    reference: str,
    fmt: str,
    number_columns: tuple[str, ...],
    name_column: str | None,
    as_json: bool,
    dry_run: bool,
    force_code: str | None,
) -> None:
    """Import an extraction (CSV, vCard, Cellebrite XLSX or UFDR) into a line, atomically."""
    settings = runtime.current().settings
    column_map = ColumnMap(numbers=number_columns, name=name_column) if number_columns else None
    try:
        with db.transaction() as session:
            force = resolve_force(session, force_code)
            line = session.scalar(
                select(Line).where(Line.reference == reference, Line.force_id == force.id)
            )
            if line is None:
                raise click.ClickException(f"no line with reference {reference!r}")
            report = import_contacts(
                session,
                line,
                path,
                filename=path.name,
                format=fmt,
                column_map=column_map,
                textable_regions=settings.textable_regions,
                dry_run=dry_run,
            )
            if not dry_run and not report.already_imported:
                audit.append(
                    session,
                    category="collection",
                    action="contacts_imported",
                    actor=CLI_ACTOR,
                    object_type="line",
                    object_id=line.id,
                    details=report.audit_details(),
                    force_id=force.id,
                )
    except ImportRefused as exc:
        click.echo(f"refused: {exc.message}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    if report.already_imported:
        click.echo("this file was already imported into this line: nothing added")
        return
    click.echo(
        f"{report.records} records, {report.numbers_seen} numbers seen, "
        f"{report.contacts_added} contacts added, {report.duplicates} duplicates, "
        f"{len(report.rejected)} rejected"
    )


commands = [lines, contacts]
