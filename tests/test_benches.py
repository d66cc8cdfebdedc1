"""Benchmarks run from any virtual environment: no fixed venv path, both ways of starting them.

The figures themselves are measured by running the benches (see README), never asserted in
tests; these tests only prove each one starts, from outside the repository, both as
``python bench/NAME.py`` and as ``python -m bench.NAME``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHES = sorted(p for p in (REPO / "bench").glob("*.py") if p.name != "__init__.py")


def test_there_are_benches_to_check() -> None:
    assert len(BENCHES) >= 5


@pytest.mark.parametrize("bench", BENCHES, ids=lambda p: p.stem)
def test_a_bench_names_no_virtual_environment_of_its_own(bench: Path) -> None:
    text = bench.read_text()
    assert ".venv" not in text
    assert "/bin/" not in text.replace("/usr/bin/chromium", "")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.mark.parametrize("bench", BENCHES, ids=lambda p: p.stem)
def test_a_bench_starts_as_a_script_from_another_directory(bench: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(bench), "--help"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


@pytest.mark.parametrize("bench", BENCHES, ids=lambda p: p.stem)
def test_a_bench_starts_as_a_module(bench: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{bench.stem}", "--help"],
        cwd=REPO,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
