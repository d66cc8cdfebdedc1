"""The ``pester replies`` commands: classify texts, train the triage model, re-triage the log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import click

from campaigns.commands._setup import cli_actor, configured_runtime
from messaging.inbound.retriage import retriage
from messaging.inbound.triage.classifier import classify
from messaging.inbound.triage.corpus import CORPUS_DIR, CorpusError, load_corpus
from messaging.inbound.triage.model import MODEL_PATH, read_model_file
from messaging.inbound.triage.training import TrainingError, train, write_model

replies = click.Group("replies", help="Reply triage tools.")


@replies.command("classify")
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
def classify_command(source: TextIO) -> None:
    """Classify reply texts read one a line (from SOURCE or stdin); write one JSON object a line.

    Every input line gives exactly one output line, in order, so outputs can be matched back
    to inputs. Each object holds labels, numbers (E.164), why (label → rules that fired, or
    the model's reading), risk_kinds, score (the model's risk probability) and queue.
    """
    for line in source:
        text = line.removesuffix("\n").removesuffix("\r")
        click.echo(json.dumps(classify(text).as_json(), ensure_ascii=False))


@replies.command("train")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CORPUS_DIR,
    show_default="the corpus shipped in the package",
    help="Directory of labelled *.jsonl replies.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=MODEL_PATH,
    show_default="the model file shipped in the package",
    help="Where to write the model file.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 unless training reproduces the model file at --output.",
)
def train_command(corpus_dir: Path, output: Path, check: bool) -> None:
    """Train the triage model from the labelled corpus (needs pester[train]).

    Training is reproducible: the same corpus and scikit-learn version give the same file.
    Prints one JSON object: examples, features, thresholds and where the model went.
    """
    try:
        examples = load_corpus(corpus_dir)
        model = train(examples)
    except (CorpusError, TrainingError) as exc:
        raise click.ClickException(str(exc)) from exc
    summary = {
        "examples": len(examples),
        "features": len(model["weights"]),
        "thresholds": dict(zip(model["outputs"], model["thresholds"], strict=True)),
        "uncertain_from": model["uncertain_from"],
        "output": str(output),
    }
    if check:
        same = output.exists() and read_model_file(output) == json.loads(json.dumps(model))
        click.echo(json.dumps({**summary, "reproduced": same}))
        sys.exit(0 if same else 1)
    write_model(model, output)
    click.echo(json.dumps(summary))


@replies.command("retriage")
@click.option("--batch", type=click.IntRange(1, 10000), default=500, show_default=True)
def retriage_command(batch: int) -> None:
    """Classify every stored reply again with the current rules and model.

    Keeps labels analysts added and never takes a risk disclosure away; sets the score and
    queue of replies stored before the model. Each batch is audited. Prints one JSON object.
    """
    configured_runtime()
    report = retriage(actor=cli_actor(), batch=batch)
    click.echo(json.dumps(report.as_json()))


commands = [replies]
