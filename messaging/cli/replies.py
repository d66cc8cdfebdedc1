"""The ``pester replies`` commands: reply triage tools that need no app or database."""

from __future__ import annotations

import json

import click

from messaging.reply_classifier import classify

replies = click.Group("replies", help="Reply triage tools.")


@replies.command("classify")
def classify_command() -> None:
    """Classify reply texts read one a line from stdin; write one JSON object a line.

    Every input line gives exactly one output line, in order, so outputs can be matched back
    to inputs. Each object holds labels, numbers (E.164), why (label → rules that fired) and
    risk_kinds.
    """
    stdin = click.get_text_stream("stdin", errors="replace")
    for line in stdin:
        text = line.removesuffix("\n").removesuffix("\r")
        click.echo(json.dumps(classify(text).as_json(), ensure_ascii=False))

commands = [replies]
