"""The ``pester numbers`` commands: phone-number tools that need no app or database."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import BinaryIO

import click
import phonenumbers

from messaging.intake.phone_numbers import DEFAULT_TEXTABLE_REGIONS, normalise

numbers = click.Group("numbers", help="Phone-number tools.")


def _region_code(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """Return a region code in upper case, refusing codes phonenumbers does not know."""
    region = value.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise click.BadParameter(f"{value!r} is not a region code such as GB, IE or JE.")
    return region


def _region_codes(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> frozenset[str]:
    if not values:
        return DEFAULT_TEXTABLE_REGIONS
    return frozenset(_region_code(ctx, param, value) for value in values)


@numbers.command("normalise")
@click.option(
    "--region",
    "default_region",
    default="GB",
    show_default=True,
    callback=_region_code,
    help="Region assumed for numbers written without a country code.",
)
@click.option(
    "--textable-region",
    "textable_regions",
    multiple=True,
    callback=_region_codes,
    help="Region whose mobiles may be texted; repeat for several. Default: GB, IM, JE, GG.",
)
def normalise_command(default_region: str, textable_regions: frozenset[str]) -> None:
    """Normalise raw numbers read one a line from stdin; write one JSON object a line.

    Every input line gives exactly one output line, in order, so outputs can be matched back
    to inputs. Each object holds raw, e164, kind, region, textable and reason.
    """
    for raw in _lines(sys.stdin.buffer):
        result = normalise(raw, default_region=default_region, textable_regions=textable_regions)
        # Bytes go straight to stdout as UTF-8, whatever the terminal's encoding.
        click.echo(json.dumps(result.as_json(), ensure_ascii=False).encode())


def _lines(stream: BinaryIO) -> Iterator[str]:
    """Yield each line as text without its line ending; bad UTF-8 becomes U+FFFD, not a crash."""
    for index, line in enumerate(stream):
        text = line.decode("utf-8-sig" if index == 0 else "utf-8", errors="replace")
        yield text.removesuffix("\n").removesuffix("\r")


commands = [numbers]
