"""Signed audit checkpoints: what a database writer does to the chain is caught by verify.

The tamper suite: a chain of 12 entries checkpointed after entries 4, 8 and 12, then each
way someone who can write the database might rewrite history. Every one must be reported
by ``verify_anchored`` (what ``pester audit verify --checkpoints`` runs), naming the first
missing or altered entry.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import delete, select, text, update

from campaigns.commands.audit import audit as audit_cli
from messaging import runtime
from messaging.config import ConfigurationError, load_settings
from messaging.db import db
from messaging.models import AuditEvent, AuditHead
from messaging.records import audit
from messaging.records.audit_anchors import verify_anchored
from messaging.records.audit_checkpoints import (
    CheckpointError,
    FileSink,
    checkpoint_if_due,
    register_sink_factory,
    signing_key,
    write_checkpoint,
)
from messaging.records.audit_format import (
    Checkpoint,
    public_digest,
    public_key_pem,
    read_checkpoint_files,
)
from messaging.sending.reconcile import Ticker
from tests.messaging.records.tampering import (
    TAMPERS,
    append_entries,
    checkpointed_chain,
    current_settings,
    row,
)


@pytest.fixture
def chain(app: Flask) -> list[int]:
    """12 entries, checkpointed after the 4th, 8th and 12th."""
    return checkpointed_chain()


def _anchored():  # type: ignore[no-untyped-def]
    db.session.expire_all()
    files = read_checkpoint_files([current_settings().audit_checkpoint_path])
    public = signing_key(current_settings().audit_signing_key).public_key()
    return verify_anchored(db.session, files, [public])


@pytest.mark.postgres
def test_an_untouched_chain_agrees_with_its_checkpoints(chain: list[int]) -> None:
    append_entries(2, start=100)
    check = _anchored()
    assert check.ok, check.describe()
    assert (check.checkpoints, check.unanchored, check.entries) == (3, 2, 14)
    assert "agrees with 3 of 3 signed checkpoints, 2 newer entries" in check.describe()


@pytest.mark.postgres
@pytest.mark.parametrize("tamper", list(TAMPERS), ids=list(TAMPERS))
def test_every_tampering_is_detected_by_verify_with_checkpoints(
    chain: list[int], tamper: str
) -> None:
    first_broken = TAMPERS[tamper](chain)
    check = _anchored()
    assert not check.ok, f"{tamper} went unnoticed"
    assert check.first_broken_id == first_broken, check.describe()
    if tamper == "truncate-and-rewrite-head":
        assert f"the one after entry {chain[8]}" in check.problem
        assert f"counted 12, the last being entry {chain[11]}" in check.problem


@pytest.mark.postgres
def test_a_checkpoint_signed_with_another_key_is_reported_as_forged(chain: list[int]) -> None:
    forged = Checkpoint.from_line(
        current_settings().audit_checkpoint_path.read_text().splitlines()[-1]
    )
    forged = Checkpoint(**{**forged.__dict__, "entries": 3}).signed_by(Ed25519PrivateKey.generate())
    FileSink(current_settings().audit_checkpoint_path).send(forged)
    check = _anchored()
    assert not check.ok and "not signed by the given public key" in check.problem
    assert "line 4" in check.problem


@pytest.mark.postgres
def test_an_altered_checkpoint_line_is_reported(chain: list[int]) -> None:
    path = current_settings().audit_checkpoint_path
    lines = path.read_text().splitlines()
    data = json.loads(lines[1])
    data["entries"] = 7  # moved: the signature no longer covers it
    lines[1] = json.dumps(data)
    path.write_text("\n".join(lines) + "\n")
    check = _anchored()
    assert not check.ok and "line 2" in check.problem


def test_a_last_line_cut_short_by_a_crash_is_only_noted(chain: list[int]) -> None:
    path = current_settings().audit_checkpoint_path
    with path.open("a") as handle:
        handle.write('{"at": "2026-')
    files = read_checkpoint_files([path])
    assert len(files.checkpoints) == 3 and files.unreadable == []
    assert files.notes and "incomplete" in files.notes[0]
    assert _anchored().ok


@pytest.mark.postgres
def test_retention_trims_keep_the_chain_verifiable_against_older_checkpoints(
    chain: list[int],
) -> None:
    cutoff = db.session.get(AuditEvent, chain[6]).at
    with db.transaction() as session:
        result = audit.trim(session, before=cutoff)
    assert result.removed >= 6
    assert write_checkpoint(current_settings()) is not None
    check = _anchored()
    assert check.ok, check.describe()
    head = db.session.get(AuditHead, 1)
    assert head.trimmed == result.removed
    # Moving the start further by hand, as if trimmed, is not vouched for by the trim record.
    first_left = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).limit(1))
    removed = row(first_left)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == first_left))
    db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(
            anchor_hash=removed["hash"],
            anchor_digest=removed["digest"],
            trimmed=head.trimmed + 1,
        )
    )
    db.session.commit()
    check = audit.verify(db.session)
    assert not check.ok and "last retention trim" in check.problem


def test_checkpoints_are_appended_one_whole_line_each_and_keep_what_was_there(
    app: Flask,
) -> None:
    path = current_settings().audit_checkpoint_path
    path.write_text("kept from before\n")
    append_entries(2)
    first = write_checkpoint(current_settings())
    append_entries(1, start=5)
    second = write_checkpoint(current_settings())
    lines = path.read_text().splitlines()
    assert lines[0] == "kept from before"
    assert [Checkpoint.from_line(line) for line in lines[1:]] == [first, second]
    assert (first.entries, second.entries) == (2, 3)
    public = signing_key(current_settings().audit_signing_key).public_key()
    assert first.verifies_with(public) and second.verifies_with(public)
    head = db.session.get(AuditHead, 1)
    assert second.head == head.last_hash and second.installation == head.installation_id


@pytest.mark.postgres
def test_a_checkpoint_will_not_vouch_for_an_edit_made_since_the_last_one(
    chain: list[int],
) -> None:
    """A writer without the key edits an entry after the last checkpoint and recomputes the
    public digests and the head (anyone can): the next checkpoint refuses to sign it."""
    newer = append_entries(3, start=100)
    lines_before = current_settings().audit_checkpoint_path.read_text()
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == newer[1]).values(details={"contacts": 0})
    )
    prev_digest = row(newer[0])["digest"]
    for entry_id in newer[1:]:
        event = db.session.get(AuditEvent, entry_id)
        event.digest = public_digest(prev_digest, audit.entry_content(event))
        prev_digest = event.digest
    db.session.get(AuditHead, 1).last_digest = prev_digest
    db.session.commit()

    with pytest.raises(CheckpointError, match=f"entry {newer[1]}: its contents were changed"):
        write_checkpoint(current_settings())
    assert current_settings().audit_checkpoint_path.read_text() == lines_before


@pytest.mark.postgres
def test_a_checkpoint_checks_only_what_came_since_the_last_one(chain: list[int]) -> None:
    """Entries a checkpoint already vouched for are not walked again (the tick stays cheap as
    the trail grows); an edit among them is for ``verify --checkpoints`` to name."""
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == chain[1]).values(details={"contacts": 7})
    )
    db.session.commit()
    append_entries(2, start=100)
    assert audit.verify_since(db.session, row(chain[-1])["hash"]).entries == 2
    assert write_checkpoint(current_settings()) is not None
    assert not _anchored().ok


def test_an_empty_log_writes_no_checkpoint(app: Flask) -> None:
    assert write_checkpoint(current_settings()) is None
    assert not current_settings().audit_checkpoint_path.exists()


def test_a_checkpoint_is_due_after_every_n_entries_or_m_minutes(app: Flask, redis) -> None:  # type: ignore[no-untyped-def]
    every_three = current_settings().with_overrides(
        audit_checkpoint_every=3, audit_checkpoint_minutes=60
    )
    append_entries(1)
    assert checkpoint_if_due(every_three, redis) is not None  # nothing checkpointed yet
    assert checkpoint_if_due(every_three, redis) is None  # nothing new
    append_entries(2)
    assert checkpoint_if_due(every_three, redis) is None  # 2 new entries, fewer than 3
    append_entries(1)
    assert checkpoint_if_due(every_three, redis).entries == 4  # the 3rd new entry
    append_entries(1)
    soon = every_three.with_overrides(audit_checkpoint_minutes=1e-6)
    assert checkpoint_if_due(soon, redis).entries == 5  # waited long enough
    # Without Redis the file's last line says what was checkpointed.
    assert checkpoint_if_due(every_three, None) is None
    append_entries(3)
    assert checkpoint_if_due(every_three, None).entries == 8


def test_every_registered_channel_gets_the_checkpoint_too(app: Flask) -> None:
    received: list[Checkpoint] = []

    class Channel:
        name = "test-channel"

        def send(self, checkpoint: Checkpoint) -> None:
            received.append(checkpoint)

    def factory(settings):  # type: ignore[no-untyped-def]
        return Channel() if settings.testing else None

    register_sink_factory(factory)
    try:
        append_entries(1)
        written = write_checkpoint(current_settings())
    finally:
        from messaging.records import audit_checkpoints

        audit_checkpoints._SINK_FACTORIES.remove(factory)
    assert received == [written]


def test_the_cli_writes_prints_the_public_key_and_verifies_with_it_alone(
    app: Flask, tmp_path: Path
) -> None:
    append_entries(3)
    runner = CliRunner()
    written = runner.invoke(audit_cli, ["checkpoint"])
    assert written.exit_code == 0, written.output
    assert "checkpoint written: 3 entries" in written.output
    key = runner.invoke(audit_cli, ["public-key"])
    assert key.output.startswith("-----BEGIN PUBLIC KEY-----")
    assert key.output == public_key_pem(
        signing_key(current_settings().audit_signing_key).public_key()
    )
    key_file = tmp_path / "audit.pub"
    key_file.write_text(key.output)
    path = str(current_settings().audit_checkpoint_path)

    ok = runner.invoke(audit_cli, ["verify", "--checkpoints", path, "--public-key", str(key_file)])
    assert ok.exit_code == 0, ok.output
    assert "agrees with 1 of 1 signed checkpoints" in ok.output

    db.session.execute(
        delete(AuditEvent).where(
            AuditEvent.id
            == db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        )
    )
    db.session.execute(
        text(
            "UPDATE audit_head SET last_hash = (SELECT hash FROM audit_events"
            " ORDER BY id DESC LIMIT 1), last_digest = (SELECT digest FROM audit_events"
            " ORDER BY id DESC LIMIT 1), entries = 2"
        )
    )
    db.session.commit()
    assert runner.invoke(audit_cli, ["verify"]).exit_code == 0  # the chain alone: fooled
    broken = runner.invoke(
        audit_cli, ["verify", "--checkpoints", path, "--public-key", str(key_file)]
    )
    assert broken.exit_code == 1
    assert "entries were removed from the end" in broken.output

    other = tmp_path / "other.pub"
    other.write_text(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    wrong_key = runner.invoke(
        audit_cli, ["verify", "--checkpoints", path, "--public-key", str(other)]
    )
    assert wrong_key.exit_code == 1 and "not signed by the given public key" in wrong_key.output


def test_the_workers_tick_writes_checkpoints_as_entries_arrive(app: Flask) -> None:
    runtime.configure(current_settings().with_overrides(audit_checkpoint_every=2))
    ticker = Ticker(interval=0.05)
    ticker.start()
    try:
        append_entries(2)
        deadline = time.monotonic() + 10
        path = current_settings().audit_checkpoint_path
        while not (path.exists() and path.read_text().strip()):
            assert time.monotonic() < deadline, "the tick wrote no checkpoint"
            time.sleep(0.05)
    finally:
        ticker.stop()
        ticker.join(timeout=5)
    assert Checkpoint.from_line(path.read_text().splitlines()[0]).entries == 2


PRODUCTION = {
    "PESTER_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "PESTER_DATA_KEY": "d" * 40,
    "PESTER_LOOKUP_KEY": "l" * 40,
    "DATABASE_URL": "postgresql+psycopg://db/pester",
    "REDIS_URL": "redis://redis:6379/0",
}


def test_production_refuses_to_start_without_an_audit_signing_key(tmp_path: Path) -> None:
    env = {**PRODUCTION, "PESTER_INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(ConfigurationError, match="PESTER_AUDIT_SIGNING_KEY"):
        load_settings(env)
    settings = load_settings({**env, "PESTER_AUDIT_SIGNING_KEY": "k" * 40})
    assert settings.audit_signing_key == "k" * 40
    assert not (tmp_path / "audit_signing_key").exists()  # never generated in production


def test_development_generates_its_signing_key_and_reads_the_checkpoint_settings(
    tmp_path: Path,
) -> None:
    env = {
        "PESTER_INSTANCE_DIR": str(tmp_path),
        "PESTER_AUDIT_CHECKPOINT_EVERY": "25",
        "PESTER_AUDIT_CHECKPOINT_MINUTES": "2.5",
        "PESTER_AUDIT_CHECKPOINT_PATH": str(tmp_path / "anchors" / "audit.jsonl"),
    }
    settings = load_settings(env)
    assert settings.audit_signing_key == (tmp_path / "audit_signing_key").read_text()
    assert load_settings(env).audit_signing_key == settings.audit_signing_key  # kept
    assert (settings.audit_checkpoint_every, settings.audit_checkpoint_minutes) == (25, 2.5)
    assert settings.audit_checkpoint_path == tmp_path / "anchors" / "audit.jsonl"
    assert settings.accept_legacy_seals is False
    with pytest.raises(ConfigurationError, match="PESTER_AUDIT_CHECKPOINT_EVERY"):
        load_settings({**env, "PESTER_AUDIT_CHECKPOINT_EVERY": "0"})
    with pytest.raises(ConfigurationError, match="PESTER_LEGACY_SEALS"):
        load_settings({**env, "PESTER_LEGACY_SEALS": "maybe"})
    assert load_settings({**env, "PESTER_LEGACY_SEALS": "accept"}).accept_legacy_seals
