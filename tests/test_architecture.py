"""The layout is a contract: import-linter's layers hold, and they would catch a wrong import.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); ``python3 dev.py test``
runs ``lint-imports`` before the suite. These tests show the contracts are not vacuous: a
copy of the tree with one deliberately wrong import fails them, naming the import.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIPELINE = REPO / "messaging"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for package in ("messaging", "campaigns"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{statement}  # deliberately wrong\n")


def test_the_contracts_hold_for_the_tree_as_it_is(tree_copy: Path) -> None:
    result = _lint(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "named"),
    [
        # an earlier stage of the path reaching for a later one
        (
            "messaging.intake.contact_import",
            "from messaging.sending import outbox",
            "messaging.intake.contact_import -> messaging.sending.outbox",
        ),
        # the core reaching up into a stage
        (
            "messaging.models.lines",
            "from messaging.records import audit",
            "messaging.models.lines -> messaging.records.audit",
        ),
        # the pipeline reaching for the web app
        (
            "messaging.sending.outbox",
            "import campaigns.lifecycle",
            "messaging.sending.outbox -> campaigns.lifecycle",
        ),
        # the pipeline reaching for Flask
        ("messaging.inbound.replies", "import flask", "messaging.inbound.replies -> flask"),
        # a cycle inside one package
        (
            "messaging.sending.claims",
            "from messaging.sending import send_job",
            "messaging.sending",
        ),
    ],
)
def test_a_deliberately_wrong_import_breaks_a_contract(
    tree_copy: Path, module: str, statement: str, named: str
) -> None:
    _add_import(tree_copy, module, statement)
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert named in result.stdout


def _pipeline_modules() -> list[Path]:
    return sorted(p for p in PIPELINE.rglob("*.py") if "migrations" not in p.parts)


def test_every_pipeline_package_says_what_it_owns() -> None:
    for init in sorted(PIPELINE.rglob("__init__.py")):
        if "migrations" in init.parts:
            continue
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring, f"{init.relative_to(REPO)} has no docstring saying what it owns"


def test_no_pipeline_module_imports_inside_a_function() -> None:
    """Function-local imports of pester's own modules would hide a cycle from the contract."""
    found = []
    for path in _pipeline_modules():
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    ("messaging", "campaigns")
                ):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
                if isinstance(node, ast.Import) and any(
                    alias.name.startswith(("messaging", "campaigns")) for alias in node.names
                ):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []


MAX_FUNCTION_LINES = 60


def test_no_pipeline_function_runs_past_sixty_lines() -> None:
    long = []
    for path in _pipeline_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO)}:{node.name} ({length} lines)")
    assert long == []
