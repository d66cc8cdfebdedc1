"""`pester audit verify`, `verify-export`, `checkpoint`, `public-key` and `export`: the audit
log from the command line."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from campaigns.commands._setup import WHEN, cli_actor, configured_runtime
from messaging.db import db
from messaging.records import audit as audit_log
from messaging.records.audit import CATEGORIES
from messaging.records.audit_anchors import verify_anchored
from messaging.records.audit_checkpoints import (
    CheckpointError,
    checkpoint_if_due,
    signing_key,
    write_checkpoint,
)
from messaging.records.audit_evidence import verify_export
from messaging.records.audit_export import EVIDENCE_FORMAT, FORMATS, AuditFilter, evidence, export
from messaging.records.audit_format import load_public_key, public_key_pem, read_checkpoint_files

audit = click.Group("audit", help="The audit log of who did what with personal data.")
READABLE_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@audit.command("verify")
@click.option(
    "--checkpoints",
    "checkpoint_files",
    type=READABLE_FILE,
    multiple=True,
    help="A checkpoint file (JSON lines) to check the chain against; repeat for several.",
)
@click.option(
    "--public-key",
    "public_key_files",
    type=READABLE_FILE,
    multiple=True,
    help="PEM public key the checkpoints are signed with (default: this installation's).",
)
def verify_command(checkpoint_files: tuple[Path, ...], public_key_files: tuple[Path, ...]) -> None:
    """Check the whole hash chain (and, with --checkpoints, that it still holds every signed
    checkpoint); name the first broken, missing or altered entry and exit 1 if there is one."""
    rt = configured_runtime()
    with db.transaction() as session:
        if not checkpoint_files:
            check = audit_log.verify(session)
        else:
            files = read_checkpoint_files(checkpoint_files)
            for note in files.notes:
                click.echo(f"note: {note}", err=True)
            try:
                keys = [load_public_key(p.read_text()) for p in public_key_files] or [
                    signing_key(rt.settings.audit_signing_key).public_key()
                ]
            except ValueError as exc:
                raise click.ClickException(f"--public-key: {exc}") from exc
            check = verify_anchored(session, files, keys)
    if not check.ok:
        click.echo(check.describe(), err=True)
        sys.exit(1)
    click.echo(check.describe())


@audit.command("checkpoint")
@click.option("--if-due", is_flag=True, help="Only when one is due (for cron without workers).")
def checkpoint_command(if_due: bool) -> None:
    """Sign the chain's head now and write it to PESTER_AUDIT_CHECKPOINT_PATH (and any other
    checkpoint channel)."""
    rt = configured_runtime()
    try:
        if if_due:
            written = checkpoint_if_due(rt.settings, _redis_or_none(rt))
        else:
            written = write_checkpoint(rt.settings, redis=_redis_or_none(rt))
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    if written is None:
        click.echo("no checkpoint written (none due, or the audit log is empty)")
        return
    click.echo(
        f"checkpoint written: {written.entries} entries, last entry {written.last_id}, "
        f"head {written.head}"
    )


def _redis_or_none(rt):  # type: ignore[no-untyped-def]
    try:
        return rt.redis
    except RuntimeError:
        return None  # no Redis configured: the tick's schedule is simply not updated


@audit.command("public-key")
def public_key_command() -> None:
    """Print the public key (PEM) that verifies this installation's checkpoints: keep it with
    the checkpoint file's copies; verifying needs nothing secret."""
    rt = configured_runtime()
    click.echo(public_key_pem(signing_key(rt.settings.audit_signing_key).public_key()), nl=False)


@audit.command("verify-export")
@click.argument("export_file", metavar="EXPORT", type=READABLE_FILE)
@click.option(
    "--checkpoints",
    "checkpoint_files",
    type=READABLE_FILE,
    multiple=True,
    required=True,
    help="A checkpoint file (JSON lines); repeat for several.",
)
@click.option(
    "--public-key",
    "public_key_files",
    type=READABLE_FILE,
    multiple=True,
    required=True,
    help="PEM public key the checkpoints are signed with; repeat for several.",
)
def verify_export_command(
    export_file: Path, checkpoint_files: tuple[Path, ...], public_key_files: tuple[Path, ...]
) -> None:
    """Check an evidence export (`export --format jsonl`) against the signed checkpoints with
    the public key alone: no database, no secret key. Names the first missing or altered
    entry and exits 1 if there is one."""
    files = read_checkpoint_files(checkpoint_files)
    for note in files.notes:
        click.echo(f"note: {note}", err=True)
    try:
        keys = [load_public_key(path.read_text()) for path in public_key_files]
    except ValueError as exc:
        raise click.ClickException(f"--public-key: {exc}") from exc
    try:
        with export_file.open(encoding="utf-8") as lines:
            check = verify_export(lines, files, keys)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{export_file}: {exc}") from exc
    if not check.ok:
        click.echo(check.describe(), err=True)
        sys.exit(1)
    click.echo(check.describe())


@audit.command("export")
@click.option(
    "--since",
    type=WHEN,
    default=None,
    help="Entries at or after this date (UTC); required except for jsonl (then: from the start).",
)
@click.option("--until", type=WHEN, default=None, help="Entries before this date (UTC).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, EVIDENCE_FORMAT]),
    default="csv",
    show_default=True,
    help="jsonl: the whole chain as evidence, checkable offline with `verify-export`.",
)
@click.option("--category", type=click.Choice(sorted(CATEGORIES)), default=None)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-")
@click.option("--reason", default="", help="Why the log is exported (recorded in the log).")
def export_command(
    since: datetime | None,
    until: datetime | None,
    fmt: str,
    category: str | None,
    output: str,
    reason: str,
) -> None:
    """Write audit entries as CSV, JSON or evidence JSON lines (to stdout unless --output);
    the export is logged."""
    if fmt == EVIDENCE_FORMAT and category:
        raise click.UsageError(
            "--category does not go with --format jsonl: the evidence export is the chain "
            "whole, since a gap would leave nothing to check the entries after it against"
        )
    if fmt != EVIDENCE_FORMAT and since is None:
        raise click.UsageError("--since is required (except with --format jsonl)")
    configured_runtime()
    where = AuditFilter(category=category or "", since=since, until=until)
    with (
        click.open_file(output, "w", encoding="utf-8") as out,
        db.transaction() as session,
    ):
        chunks = (
            evidence(session, since=since, until=until)
            if fmt == EVIDENCE_FORMAT
            else export(session, where, fmt)
        )
        for chunk in chunks:
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
