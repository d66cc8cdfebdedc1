"""Every command README.md documents is reachable through the real top-level ``pester`` CLI.

Commands are discovered from modules (``commands = [...]``); a module that loses its list
silently drops its commands, so these tests go through ``campaigns.cli.main`` itself, the
entry point ``.venv/bin/pester`` runs, rather than importing each group directly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaigns.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
_CODE = re.compile(r"`([^`]+)`")
_PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z_]*|\[.*|-.*|…|\.\.\.)$")


def _words(usage: str) -> list[str]:
    """The command path of a usage string: words up to the first argument or option."""
    words: list[str] = []
    for word in usage.replace("\\|", "|").split():
        if _PLACEHOLDER.match(word) or "|" in word:
            break
        words.append(word)
    return words


def documented_commands() -> list[tuple[str, ...]]:
    """Command paths (without ``pester``) from the first cell of README's command table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## The `pester` command", 1)[1].split("\n## ", 1)[0]
    paths: list[tuple[str, ...]] = []
    for row in section.splitlines():
        if not row.startswith("| `pester"):
            continue
        first_cell = row.split(" | ", 1)[0]
        usages = _CODE.findall(first_cell)
        head = _words(usages[0])
        assert head[0] == "pester", row
        path = head[1:]
        paths.append(tuple(path))
        # "`pester token create …` / `list` / `revoke ID`": siblings under the same group.
        for sibling in usages[1:]:
            paths.append((*path[:-1], *_words(sibling)))
    return list(dict.fromkeys(paths))


DOCUMENTED = documented_commands()


def test_the_readme_table_was_read() -> None:
    # Guards the parser: if the table's format changes, the parametrised tests below would
    # otherwise pass vacuously.
    assert len(DOCUMENTED) >= 20
    assert ("replies", "classify") in DOCUMENTED
    assert ("token", "revoke") in DOCUMENTED
    assert ("audit", "export") in DOCUMENTED


@pytest.mark.parametrize("path", DOCUMENTED, ids=" ".join)
def test_every_documented_command_answers_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="pester", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Usage: pester {' '.join(path)}" in result.output


def test_every_top_level_command_is_documented() -> None:
    documented = {path[0] for path in DOCUMENTED}
    assert set(main.commands) <= documented, set(main.commands) - documented


def test_replies_classify_runs_through_the_top_level_command() -> None:
    result = CliRunner().invoke(
        main, ["replies", "classify"], prog_name="pester", input="STOP\nring 07700 900123\n"
    )
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["labels"] == ["opt_out"]
    assert second["numbers"] == ["+447700900123"]
