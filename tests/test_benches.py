"""Benchmarks run from any virtual environment: no fixed venv path, both ways of starting them.

The figures themselves are measured by running the benches (see README), never asserted in
tests; these tests prove each one starts, from outside the repository, both as
``python bench/NAME.py`` and as ``python -m bench.NAME``, and goes end to end at its
smallest size, printing one JSON object.
"""

from __future__ import annotations

import json
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


# The smallest honest run of each bench: every one must go end to end (a bench that only
# starts can rot unseen, as bench/alerts.py once did when sealed values learnt their rows).
SMOKE = {
    "alerts": ["--replies", "10", "--clients", "2", "--workers", "1", "--threads", "2"],
    "callbacks": ["--recipients", "20", "--clients", "2", "--workers", "1", "--threads", "2"],
    "forces": [
        "--forces",
        "2",
        "--lines",
        "3",
        "--contacts",
        "20",
        "--repeat",
        "1",
        "--links-repeat",
        "1",
    ],
    "import_contacts": ["--rows", "200", "--naive-rows", "50"],
    "normalise": ["--inputs", "200", "--pool", "50"],
    "sandbox_throughput": ["--texts", "20", "--baseline-texts", "10"],
    "send": ["--recipients", "20", "--baseline-sample", "10"],
    "triage": ["--folds", "2", "--replies", "100", "--sample", "500"],
}


def test_every_bench_has_a_smoke_run() -> None:
    assert sorted(SMOKE) == [bench.stem for bench in BENCHES]


@pytest.mark.parametrize("bench", BENCHES, ids=lambda p: p.stem)
def test_a_bench_runs_end_to_end_at_its_smallest_and_prints_one_json_object(
    bench: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, str(bench), *SMOKE[bench.stem]],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = result.stdout.strip().splitlines()
    assert len(printed) == 1, result.stdout[-3000:]
    assert isinstance(json.loads(printed[0]), dict)
