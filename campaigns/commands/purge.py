"""`pester purge`: erase personal data past its retention period (or show what would go)."""

from __future__ import annotations

import json

import click

from campaigns.commands._setup import cli_actor, configured_runtime
from messaging.records.retention import purge


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Show what would be erased; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def purge_command(dry_run: bool, as_json: bool) -> None:
    """Erase due lines' numbers, names and reply text (keeping counts), old unlinked data,
    and audit entries past audit retention. Every erasure is itself audited."""
    rt = configured_runtime()
    report = purge(rt.settings, dry_run=dry_run, actor=cli_actor())
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    verb = "would erase" if dry_run else "erased"
    if not report.lines:
        click.echo("no line is past its retention period")
    for line in report.lines:
        click.echo(
            f"line {line.reference} (id {line.line_id}): {verb} {line.contacts} numbers, "
            f"{line.sources} sightings, {line.replies} replies, {line.outbox_messages} outbox "
            f"recipients, {line.interactions} interactions"
        )
    orphans = report.orphans
    if orphans is not None and orphans.anything:
        click.echo(
            f"data tied to no line before {orphans.cutoff:%Y-%m-%d}: {verb} {orphans.replies} "
            f"replies, {orphans.unmatched_delivery_events} unmatched receipts, "
            f"{orphans.suppressions_reduced_to_hash} opt-out numbers (kept as hashes)"
        )
    if report.audit_entries:
        click.echo(
            f"audit log: {verb} {report.audit_entries} entries before "
            f"{report.audit_cutoff:%Y-%m-%d}"
        )


commands = [purge_command]
