#!/usr/bin/env python3
"""Set up and run pester with nothing but Python 3.11+ (standard library only).

python3 dev.py serve   # venv + dependencies + migrations + demo data, then run it all
python3 dev.py test    # venv + dependencies, then ruff, import-linter and the whole test suite
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".pester-installed"


def ensure_venv(extras: str) -> None:
    """Create .venv and install pester into it, again only when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file runs on whatever python3 is)
        sys.exit("pester needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("creating the virtual environment in .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing dependencies", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f".{extras}"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    os.chdir(ROOT)
    if command == "serve":
        ensure_venv("")
        return subprocess.call([str(BIN / "pester"), "serve", *sys.argv[2:]])
    if command == "test":
        ensure_venv("[test]")
        checks = (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["lint-imports"])
        for check in checks:
            if subprocess.call([str(BIN / check[0]), *check[1:]]) != 0:
                return 1
        return subprocess.call([str(PYTHON), "-m", "pytest", *sys.argv[2:]])
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main())
