"""The audit trail checked offline: an evidence export, the checkpoint file and the public key.

The same tamper suite as ``test_audit_checkpoints`` (a 12-entry chain checkpointed after
entries 4, 8 and 12, then rewritten in the database), but checked the way an independent
expert would: from ``pester audit export --format jsonl``, with no database and no secret
key. Every tampering must be reported, naming the same entry and the same problem as
``pester audit verify --checkpoints``.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import delete, select, update

from campaigns.commands.audit import audit as audit_cli
from messaging.db import db
from messaging.models import AuditEvent, AuditHead
from messaging.records import audit, audit_evidence, audit_format
from messaging.records.audit_anchors import verify_anchored
from messaging.records.audit_checkpoints import signing_key, write_checkpoint
from messaging.records.audit_evidence import verify_export
from messaging.records.audit_format import (
    ChainCheck,
    Checkpoint,
    key_id,
    public_key_pem,
    read_checkpoint_files,
)
from tests.messaging.records.tampering import (
    TAMPERS,
    append_entries,
    checkpointed_chain,
    current_settings,
    row,
)

PESTER = Path(sys.executable).with_name("pester")


@pytest.fixture
def chain(app: Flask) -> list[int]:
    return checkpointed_chain()


def _export(tmp_path: Path, *args: str) -> Path:
    """An evidence export made as an operator would, with ``pester audit export``."""
    path = tmp_path / f"audit-{len(list(tmp_path.glob('audit-*')))}.jsonl"
    result = CliRunner().invoke(
        audit_cli, ["export", "--format", "jsonl", "--output", str(path), *args]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return path


def _public_key(tmp_path: Path) -> Path:
    path = tmp_path / "audit.pub"
    path.write_text(public_key_pem(signing_key(current_settings().audit_signing_key).public_key()))
    return path


def _offline(export: Path) -> ChainCheck:
    files = read_checkpoint_files([current_settings().audit_checkpoint_path])
    public = signing_key(current_settings().audit_signing_key).public_key()
    with export.open(encoding="utf-8") as lines:
        return verify_export(lines, files, [public])


def _in_the_database() -> ChainCheck:
    db.session.expire_all()
    files = read_checkpoint_files([current_settings().audit_checkpoint_path])
    public = signing_key(current_settings().audit_signing_key).public_key()
    check = verify_anchored(db.session, files, [public])
    db.session.rollback()
    return check


def _keyless_env(tmp_path: Path) -> dict[str, str]:
    """No PESTER_* setting, no database or Redis URL, no secret: only a PATH and a HOME."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    assert not [k for k in env if k.startswith("PESTER") or k.endswith("_URL")]
    return env


@pytest.mark.postgres
def test_an_untouched_export_verifies_with_only_the_public_key(
    chain: list[int], tmp_path: Path
) -> None:
    append_entries(2, start=100)
    export = _export(tmp_path)
    lines = export.read_text().splitlines()
    header = json.loads(lines[0])
    assert (header["entries"], header["first_position"], header["trimmed"]) == (14, 1, 0)
    assert [json.loads(line)["id"] for line in lines[1:]] == [*chain, chain[-1] + 1, chain[-1] + 2]
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_exported"))
    assert [e.details["format"] for e in exported] == ["jsonl"]  # the export is audited

    result = subprocess.run(
        [
            *(str(PESTER), "audit", "verify-export", str(export)),
            *("--checkpoints", str(current_settings().audit_checkpoint_path)),
            *("--public-key", str(_public_key(tmp_path))),
        ],
        env=_keyless_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "audit chain intact: 14 entries" in result.stdout
    assert "agrees with 3 of 3 signed checkpoints, 2 newer entries not covered" in result.stdout
    assert result.stdout.strip() == _offline(export).describe()
    assert not (tmp_path / "instance").exists()  # no settings were loaded, no key generated


@pytest.mark.postgres
@pytest.mark.parametrize("tamper", list(TAMPERS), ids=list(TAMPERS))
def test_every_tampering_is_detected_offline_from_an_export(
    chain: list[int], tamper: str, tmp_path: Path
) -> None:
    first_broken = TAMPERS[tamper](chain)
    database = _in_the_database()
    check = _offline(_export(tmp_path))
    assert not check.ok, f"{tamper} went unnoticed offline"
    assert check.first_broken_id == first_broken == database.first_broken_id, check.describe()
    # The same words as `pester audit verify --checkpoints`, but for whose head it names.
    assert check.problem == database.problem.replace("the database's", "the export's")


def test_the_offline_check_runs_with_no_pester_at_all(chain: list[int], tmp_path: Path) -> None:
    """The two public modules, copied out, run where pester, SQLAlchemy and Flask cannot be
    imported, and say what ``pester audit verify-export`` says, for good and bad exports."""
    export = _export(tmp_path)
    copied = tmp_path / "expert"
    copied.mkdir()
    for module in (audit_format, audit_evidence):
        source = Path(module.__file__ or "")
        (copied / source.name).write_text(source.read_text())
    blocker = (
        "import sys, runpy\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('messaging', 'campaigns', 'sqlalchemy', 'flask'):\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    args = [
        sys.executable,
        "-c",
        blocker,
        str(copied / "audit_evidence.py"),
        str(export),
        "--checkpoints",
        str(current_settings().audit_checkpoint_path),
        "--public-key",
        str(_public_key(tmp_path)),
    ]
    run = {"env": _keyless_env(tmp_path), "capture_output": True, "text": True, "timeout": 60}
    good = subprocess.run(args, cwd=copied, check=False, **run)  # type: ignore[call-overload]
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == _offline(export).describe()

    TAMPERS["forged-self-consistent-chain"](chain)
    args[4] = str(_export(tmp_path))
    bad = subprocess.run(args, cwd=copied, check=False, **run)  # type: ignore[call-overload]
    assert bad.returncode == 1
    assert f"audit chain broken at entry {chain[4]}" in bad.stderr


def test_the_offline_modules_import_only_the_standard_library_and_cryptography() -> None:
    allowed = set(sys.stdlib_module_names) | {"cryptography", "__future__", "audit_format"}
    for module in (audit_format, audit_evidence):
        tree = ast.parse(Path(module.__file__ or "").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                own = name == "messaging.records.audit_format"
                assert top in allowed or own, f"{module.__name__} imports {name}"


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    change(lines)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _rechain(lines: list[dict]) -> None:  # type: ignore[type-arg]
    """Recompute every digest after a change (anyone can: they are unkeyed), and the head."""
    digest = lines[0]["start_digest"]
    for line in lines[1:]:
        line["digest"] = digest = audit_format.public_digest(digest, line["content"])
    lines[0]["head_digest"] = digest


def test_an_export_altered_after_it_was_made_is_caught(chain: list[int], tmp_path: Path) -> None:
    original = _export(tmp_path)
    assert _offline(original).ok

    def edit(lines):  # type: ignore[no-untyped-def]
        lines[6]["content"]["details"] = {"contacts": 0}

    naive = tmp_path / "naive.jsonl"
    naive.write_text(original.read_text())
    _rewrite(naive, edit)
    check = _offline(naive)
    assert (check.first_broken_id, check.problem) == (chain[5], "its contents were changed")

    careful = tmp_path / "careful.jsonl"  # the digests recomputed: only a checkpoint can tell
    careful.write_text(original.read_text())
    _rewrite(careful, lambda lines: (edit(lines), _rechain(lines)))
    check = _offline(careful)
    assert check.first_broken_id == chain[4] and "checkpoint of" in check.problem

    cut = tmp_path / "cut.jsonl"  # the newest entries dropped, and the header to match
    cut.write_text(original.read_text())

    def drop_the_end(lines):  # type: ignore[no-untyped-def]
        del lines[10:]
        lines[0].update(entries=9, head_hash=lines[-1]["hash"], head_digest=lines[-1]["digest"])

    _rewrite(cut, drop_the_end)
    check = _offline(cut)
    assert not check.ok and "entries were removed from the end" in check.problem

    short = tmp_path / "short.jsonl"  # cut short in transit
    short.write_text("".join(original.read_text().splitlines(keepends=True)[:8]))
    check = _offline(short)
    assert not check.ok and "header says 12" in check.problem


@pytest.mark.postgres
def test_an_export_of_a_period_checks_the_checkpoints_inside_it(
    chain: list[int], tmp_path: Path
) -> None:
    fifth, tenth = row(chain[4])["at"], row(chain[9])["at"]
    since = _offline(_export(tmp_path, "--since", fifth.isoformat()))
    assert since.ok, since.describe()
    # The 4th entry's checkpoint is checked against where the export starts.
    assert (since.entries, since.checkpoints, since.outside, since.unanchored) == (8, 3, 0, 0)
    assert "from place 5 on" in since.describe()

    until = _offline(_export(tmp_path, "--until", tenth.isoformat()))
    assert until.ok, until.describe()
    assert (until.entries, until.checkpoints, until.outside, until.unanchored) == (9, 2, 1, 1)

    # Entries cut from the end of the period, the head rewritten: the checkpoint of the
    # 12th entry, written before the period ends, says they were there.
    later = row(chain[11])["at"].replace(year=row(chain[11])["at"].year + 1)
    TAMPERS["truncate-and-rewrite-head"](chain)
    cut = _offline(_export(tmp_path, "--until", later.isoformat()))
    assert not cut.ok and "entries were removed from the end" in cut.problem


@pytest.mark.postgres
def test_an_export_after_retention_starts_where_the_trim_record_says(
    chain: list[int], tmp_path: Path
) -> None:
    with db.transaction() as session:
        removed = audit.trim(session, before=row(chain[6])["at"]).removed
    assert write_checkpoint(current_settings()) is not None
    export = _export(tmp_path)
    header = json.loads(export.read_text().splitlines()[0])
    assert (header["trimmed"], header["first_position"]) == (removed, removed + 1)
    check = _offline(export)
    assert check.ok, check.describe()
    assert (check.checkpoints, check.checkpoints_total, check.outside) == (3, 4, 1)

    # The start moved once more by hand, as if trimmed: no trim record vouches for it.
    first = row(chain[6])
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == chain[6]))
    db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(anchor_hash=first["hash"], anchor_digest=first["digest"], trimmed=removed + 1)
    )
    db.session.commit()
    check = _offline(_export(tmp_path))
    assert (check.first_broken_id, check.problem) == (
        chain[7],
        _in_the_database().problem,
    )
    assert "last retention trim" in check.problem


def _as_version_1(checkpoint: Checkpoint) -> str:
    """The checkpoint as pester wrote it before public digests: no digest member, and the
    version 1 signed bytes, made here independently of :class:`Checkpoint`."""
    private = signing_key(current_settings().audit_signing_key)
    members = {k: v for k, v in asdict(checkpoint).items() if k not in ("digest", "signature")}
    members.update(version=1, key=key_id(private.public_key()))
    signed = b"pester-audit-checkpoint/1\n" + json.dumps(
        members, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    signature = base64.b64encode(private.sign(signed)).decode()
    return json.dumps({**members, "signature": signature}) + "\n"


@pytest.mark.postgres
def test_checkpoints_signed_before_public_digests_still_verify(
    chain: list[int], tmp_path: Path
) -> None:
    path = current_settings().audit_checkpoint_path
    old = [_as_version_1(Checkpoint.from_line(line)) for line in path.read_text().splitlines()]
    path.write_text("".join(old))
    assert all(Checkpoint.from_line(line).version == 1 for line in old)

    database = _in_the_database()  # with the key: the hashes are recomputed, all vouched
    assert database.ok and (database.checkpoints, database.unanchored) == (3, 0)

    offline = _offline(_export(tmp_path))  # without it: the hashes match, contents unvouched
    assert offline.ok and (offline.checkpoints, offline.hash_only, offline.unanchored) == (3, 3, 12)
    assert "3 signed before public digests" in offline.describe()

    TAMPERS["truncate-and-rewrite-head"](chain)  # a cut end shows against them all the same
    assert "removed from the end" in _offline(_export(tmp_path)).problem
    assert "removed from the end" in _in_the_database().problem


def test_bad_input_to_verify_export_gets_a_clear_error(app: Flask, tmp_path: Path) -> None:
    not_an_export = tmp_path / "notes.jsonl"
    not_an_export.write_text('{"hello": "world"}\n')
    key = _public_key(tmp_path)
    checkpoints = tmp_path / "checkpoints.jsonl"
    checkpoints.write_text("")
    runner = CliRunner()
    args = ["verify-export", str(not_an_export), "--checkpoints", str(checkpoints)]
    result = runner.invoke(audit_cli, [*args, "--public-key", str(key)])
    assert result.exit_code == 1 and "not a pester audit evidence export" in result.output
    result = runner.invoke(audit_cli, [*args, "--public-key", str(not_an_export)])
    assert result.exit_code == 1 and "--public-key" in result.output
    category = runner.invoke(audit_cli, ["export", "--format", "jsonl", "--category", "access"])
    assert category.exit_code == 2 and "the evidence export is the chain whole" in category.output
    no_since = runner.invoke(audit_cli, ["export", "--format", "csv"])
    assert no_since.exit_code == 2 and "--since is required" in no_since.output
