"""`pester keys rotate`: re-seal personal data under the current PESTER_DATA_KEY."""

from __future__ import annotations

import json
import sys

import click

from campaigns.commands._setup import cli_actor, configured_runtime
from messaging.db import db
from messaging.records import audit
from messaging.records.key_rotation import RotationError, rotate

keys = click.Group("keys", help="Encryption keys for personal data at rest.")


@keys.command("rotate")
@click.option(
    "--dry-run", is_flag=True, help="Count values still under an old key; change nothing."
)
def rotate_command(dry_run: bool) -> None:
    """Re-encrypt every encrypted column under PESTER_DATA_KEY, reading old values with
    PESTER_OLD_DATA_KEYS. Afterwards the old keys can be removed from the configuration."""
    rt = configured_runtime()
    if not rt.settings.lookup_key:
        raise click.ClickException(
            "PESTER_LOOKUP_KEY is not set, so lookup hashes derive from the data key: set it to "
            "the key the hashes were made with before rotating"
        )
    try:
        report = rotate(dry_run=dry_run)
    except RotationError as exc:
        click.echo(f"rotation stopped: {exc}", err=True)
        sys.exit(1)
    if not dry_run:
        with db.transaction() as session:
            audit.append(
                session,
                category="administration",
                action="data_key_rotated",
                actor=cli_actor(),
                object_type="data_key",
                details={"resealed": report.total_resealed},
            )
    click.echo(json.dumps(report.as_json()))


commands = [keys]
