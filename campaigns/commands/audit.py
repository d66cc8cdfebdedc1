"""`pester audit verify` and `pester audit export`: the audit log from the command line."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from campaigns.commands._setup import WHEN, cli_actor, configured_runtime
from messaging.db import db
from messaging.records import audit as audit_log
from messaging.records.audit import CATEGORIES
from messaging.records.audit_export import FORMATS, AuditFilter, export

audit = click.Group("audit", help="The audit log of who did what with personal data.")


@audit.command("verify")
def verify_command() -> None:
    """Check the whole hash chain; name the first broken entry and exit 1 if there is one."""
    configured_runtime()
    with db.transaction() as session:
        check = audit_log.verify(session)
    if not check.ok:
        click.echo(check.describe(), err=True)
        sys.exit(1)
    click.echo(check.describe())


@audit.command("export")
@click.option("--since", type=WHEN, required=True, help="Entries at or after this date (UTC).")
@click.option("--until", type=WHEN, default=None, help="Entries before this date (UTC).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--category", type=click.Choice(sorted(CATEGORIES)), default=None)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-")
@click.option("--reason", default="", help="Why the log is exported (recorded in the log).")
def export_command(
    since: datetime,
    until: datetime | None,
    fmt: str,
    category: str | None,
    output: str,
    reason: str,
) -> None:
    """Write audit entries as CSV or JSON (to stdout unless --output); the export is logged."""
    configured_runtime()
    where = AuditFilter(category=category or "", since=since, until=until)
    with (
        click.open_file(output, "w", encoding="utf-8") as out,
        db.transaction() as session,
    ):
        for chunk in export(session, where, fmt):
            out.write(chunk)
    actor = cli_actor()
    with db.transaction() as session:
        audit_log.append(
            session,
            category="disclosure",
            action="audit_exported",
            actor=actor,
            object_type="audit_log",
            recipient=actor if output == "-" else f"{actor} (file)",
            details={"format": fmt, "filter": where.as_details()},
            reason=reason,
        )


commands = [audit]
