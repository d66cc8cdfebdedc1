"""The ``pester replies`` commands: reply triage tools that need no app or database."""

from __future__ import annotations

import json
from typing import TextIO

import click

from messaging.inbound.triage.classifier import classify

replies = click.Group("replies", help="Reply triage tools.")


@replies.command("classify")
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
def classify_command(source: TextIO) -> None:
    """Classify reply texts read one a line (from SOURCE or stdin); write one JSON object a line.

    Every input line gives exactly one output line, in order, so outputs can be matched back
    to inputs. Each object holds labels, numbers (E.164), why (label → rules that fired) and
    risk_kinds.
    """
    for line in source:
        text = line.removesuffix("\n").removesuffix("\r")
        click.echo(json.dumps(classify(text).as_json(), ensure_ascii=False))


commands = [replies]
