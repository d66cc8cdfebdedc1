"""Rotating the data key: everything re-sealed under the new key, then the old key can go."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import LargeBinary, select, type_coerce

from campaigns.commands.keys import keys as keys_cli
from messaging import runtime
from messaging.crypto import DecryptionError, Place, cipher, configure_cipher
from messaging.db import db
from messaging.models import Contact, ContactSource, OutboxMessage, Reply, ReplyAnswer, User
from messaging.records.key_rotation import RotationError, encrypted_columns, rotate
from tests.security.helpers import MENTIONED, NUMBERS, SAVED_NAME, seeded_line
from tests.support.factories import make_answer, make_user

OLD = "old-data-key-0123456789abcdef0123456789abcdef"
NEW = "new-data-key-fedcba9876543210fedcba9876543210"
ANSWER = "Samaritans: 116 123, any time."


def _use_keys(current: str, *old: str) -> None:
    settings = runtime.current().settings
    configure_cipher(current, tuple(old), settings.lookup_key)


def _plaintexts() -> dict[str, object]:
    session = db.session
    session.expire_all()
    return {
        "contacts": sorted(c.phone for c in session.scalars(select(Contact))),
        "names": sorted(s.saved_name for s in session.scalars(select(ContactSource))),
        "replies": sorted(r.body for r in session.scalars(select(Reply))),
        "totp": [u.totp_secret for u in session.scalars(select(User).order_by(User.id))],
        "answers": [a.body for a in session.scalars(select(ReplyAnswer))],
        "answers_sent": [
            m.private_body
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.answer_id > 0))
        ],
    }


def _sealed_key_ids() -> set[bytes]:
    ids = set()
    for _table, column in encrypted_columns():
        raw = type_coerce(column, LargeBinary)
        for (blob,) in db.session.execute(select(raw).where(column.is_not(None))):
            ids.add(bytes(blob)[2:6])
    return ids


@pytest.fixture
def sealed_under_old_key(app: Flask):  # type: ignore[no-untyped-def]
    _use_keys(OLD)
    officer = make_user()
    db.session.get(User, officer.id).totp_secret = "JBSWY3DPEHPK3PXP"
    db.session.commit()
    seeded = seeded_line(officer)
    make_answer(seeded.replies[0], officer, ANSWER)
    before = _plaintexts()
    yield before
    settings = runtime.current().settings
    configure_cipher(settings.data_key, settings.old_data_keys, settings.lookup_key)


@pytest.mark.postgres
def test_after_rotation_the_old_key_can_be_removed_and_everything_still_reads(
    sealed_under_old_key: dict[str, object],
) -> None:
    before = sealed_under_old_key
    assert NUMBERS[0] in before["contacts"] and SAVED_NAME in before["names"]
    assert before["answers"] == before["answers_sent"] == [ANSWER]
    old_id = cipher().current_key_id
    _use_keys(NEW, OLD)
    new_id = cipher().current_key_id
    assert _sealed_key_ids() == {old_id}

    report = rotate(batch=2)  # small batches: the resume path is exercised too

    assert report.total_resealed > 0
    assert report.resealed["contacts.phone"] == 3
    assert report.resealed["users.totp_secret"] == 1
    assert report.resealed["reply_answers.body"] == 1  # an analyst's answer, and as sent
    assert report.resealed["outbox_messages.private_body"] == 1
    assert _sealed_key_ids() == {new_id}
    _use_keys(NEW)  # the old key is gone from the configuration
    assert _plaintexts() == before
    assert rotate().total_resealed == 0  # nothing left to do


def test_without_rotation_removing_the_old_key_makes_data_unreadable(
    sealed_under_old_key: dict[str, object],
) -> None:
    _use_keys(NEW)
    with pytest.raises(DecryptionError):
        _plaintexts()
    with pytest.raises(RotationError, match="PESTER_OLD_DATA_KEYS"):
        rotate()


def test_a_dry_run_counts_and_changes_nothing(sealed_under_old_key: dict[str, object]) -> None:
    old_id = cipher().current_key_id
    _use_keys(NEW, OLD)
    report = rotate(dry_run=True)
    assert report.resealed["replies.body"] == 3
    assert _sealed_key_ids() == {old_id}


def test_every_encrypted_column_is_found(app: Flask) -> None:
    found = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert {
        "contacts.phone",
        "contact_sources.saved_name",
        "contact_sources.raw",
        "contact_sources.account",
        "replies.body",
        "replies.notes",
        "reply_numbers.phone",
        "outbox_messages.to",
        "suppressions.phone",
        "users.totp_secret",
        "lines.line_number",
        "reply_answers.body",
        "outbox_messages.private_body",
    } <= found


def test_pester_keys_rotate_reports_json_and_is_audited(
    sealed_under_old_key: dict[str, object],
) -> None:
    _use_keys(NEW, OLD)
    result = CliRunner().invoke(keys_cli, ["rotate"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["resealed"]["replies.body"] == 3 and data["dry_run"] is False
    from messaging.models import AuditEvent

    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_key_rotated"))
    assert entry.category == "administration"
    assert entry.details == {"resealed": data["total_resealed"]}
    assert MENTIONED not in json.dumps(data)


@pytest.mark.postgres
def test_a_value_edited_or_purged_during_rotation_is_never_overwritten_with_old_data(
    sealed_under_old_key: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_keys(NEW, OLD)
    edited, purged, untouched = db.session.scalars(select(Reply).order_by(Reply.id)).all()
    untouched_body = untouched.body
    original = edited.body
    sealer = cipher()
    real_seal = sealer.seal
    fired = []

    def seal_after_someone_else_commits(plaintext: str, place: Place) -> bytes:
        # The rotation has read the replies and is re-sealing them: meanwhile an analyst
        # edits one reply and the purge empties another, each committed at once.
        if not fired and plaintext == original:
            fired.append(True)
            other = db.session
            other.get(Reply, edited.id).body = "edited during the rotation"
            other.get(Reply, purged.id).body = None
            other.commit()
        return real_seal(plaintext, place)

    monkeypatch.setattr(sealer, "seal", seal_after_someone_else_commits)
    report = rotate()
    monkeypatch.undo()

    assert fired
    db.session.expire_all()
    assert db.session.get(Reply, edited.id).body == "edited during the rotation"
    assert db.session.get(Reply, purged.id).body is None
    assert db.session.get(Reply, untouched.id).body == untouched_body
    assert report.changed_meanwhile["replies.body"] == 2
    assert report.resealed["replies.body"] == 1
    _use_keys(NEW)  # everything left is readable without the old key
    db.session.expire_all()
    assert db.session.get(Reply, untouched.id).body == untouched_body
