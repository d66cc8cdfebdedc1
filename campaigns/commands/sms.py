"""`pester sms …`: command-line checks on SMS text, usable without the web app."""

from __future__ import annotations

import json
from typing import BinaryIO

import click

from messaging.content.sms_encoding import inspect

sms = click.Group("sms", help="Check SMS text before it is sent.")


@sms.command("inspect")
@click.argument("source", type=click.File("rb"), default="-")
@click.option(
    "--no-downgrade",
    is_flag=True,
    help="Count the text exactly as given, without replacing look-alike characters.",
)
def inspect_command(*, source: BinaryIO, no_downgrade: bool) -> None:
    """Print the encoding and segment count of a message body (stdin by default) as JSON."""
    raw = source.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException("stdin is not UTF-8 text") from exc
    # Shells and editors end input with a newline nobody means to send; only one is
    # removed, so deliberate blank lines at the end still count.
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    info = inspect(text, downgrade=not no_downgrade)
    # ASCII escapes make look-alikes visible: a curly quote prints as \u2019.
    click.echo(json.dumps(info.as_json()))


commands = [sms]
