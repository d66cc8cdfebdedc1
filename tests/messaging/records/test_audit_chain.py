"""The audit log is append-only and tamper-evident: the chain holds under concurrency, any
change shows at the entry where it was made, and trimming keeps it verifiable."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import delete, func, select, text, update

from campaigns.commands.audit import audit as audit_cli
from messaging.db import db, utcnow
from messaging.models import AuditEvent, AuditHead
from messaging.records import audit
from messaging.records.audit_format import public_digest


def _append(n: int, **fields: object) -> list[int]:
    ids = []
    with db.transaction() as session:
        for i in range(n):
            values = {"category": "consultation", "action": "line_viewed", "actor": f"user:{i}"}
            values.update(fields)
            ids.append(audit.append(session, **values).id)  # type: ignore[arg-type]
    return ids


def test_an_untouched_chain_verifies(app: Flask) -> None:
    _append(5, object_type="line", object_id=7, details={"contacts": 3}, ip="10.0.0.1")
    check = audit.verify(db.session)
    assert check.ok and check.entries == 5
    head = db.session.get(AuditHead, 1)
    assert check.head_hash == head.last_hash


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", {"contacts": 300}),
        ("actor", "user:99 someone@else"),
        ("ip", "192.0.2.66"),
        ("category", "alteration"),
        ("reason", "nothing to see"),
        ("recipient", "somewhere"),
    ],
)
def test_changing_any_field_of_an_entry_is_named_at_that_entry(
    app: Flask, column: str, value: object
) -> None:
    ids = _append(5, details={"contacts": 3})
    db.session.execute(update(AuditEvent).where(AuditEvent.id == ids[2]).values({column: value}))
    db.session.commit()
    check = audit.verify(db.session)
    assert not check.ok
    assert check.first_broken_id == ids[2]
    assert check.problem == "its contents were changed"


def test_removing_an_entry_from_the_middle_is_named_at_the_next_one(app: Flask) -> None:
    ids = _append(5)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    db.session.commit()
    check = audit.verify(db.session)
    assert (check.ok, check.first_broken_id) == (False, ids[2])
    assert check.problem == "does not link to the entry before it"


def test_removing_the_newest_entries_is_noticed(app: Flask) -> None:
    ids = _append(5)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id >= ids[3]))
    db.session.commit()
    check = audit.verify(db.session)
    assert not check.ok and check.first_broken_id is None
    assert "removed" in check.problem


def test_rewriting_an_entry_and_rehashing_without_the_key_is_noticed(app: Flask) -> None:
    """Someone with database access but not the keys cannot re-forge the chain."""
    ids = _append(3)
    event = db.session.get(AuditEvent, ids[2])
    event.actor = "user:1 innocent"
    canonical = json.dumps(audit.entry_content(event), sort_keys=True, separators=(",", ":"))
    forged = hashlib.sha256((event.prev_hash + canonical).encode()).hexdigest()
    event.hash = forged
    db.session.get(AuditHead, 1).last_hash = forged
    db.session.commit()
    check = audit.verify(db.session)
    assert (check.ok, check.first_broken_id) == (False, ids[2])


def test_each_entry_carries_a_public_digest_anyone_can_recompute(app: Flask) -> None:
    _append(3, details={"contacts": 3, "label": "café ☕"})
    prev = audit.GENESIS
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        canonical = json.dumps(audit.entry_content(event), sort_keys=True, separators=(",", ":"))
        assert event.digest == hashlib.sha256((prev + canonical).encode()).hexdigest()
        assert event.digest != event.hash  # the keyed hash is another thing
        prev = event.digest
    assert db.session.get(AuditHead, 1).last_digest == prev


def test_changing_only_an_entrys_digest_is_named_at_that_entry(app: Flask) -> None:
    ids = _append(3)
    db.session.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(digest="a" * 64))
    db.session.commit()
    check = audit.verify(db.session)
    assert (check.ok, check.first_broken_id) == (False, ids[1])
    assert check.problem == "its public digest was changed"


def test_recomputing_the_public_digests_after_an_edit_does_not_fool_the_keyed_chain(
    app: Flask,
) -> None:
    """The digests are unkeyed, so anyone can recompute them; the keyed hash still holds."""
    ids = _append(3)
    db.session.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor="nobody"))
    prev = db.session.get(AuditEvent, ids[0]).digest
    for entry_id in ids[1:]:
        event = db.session.get(AuditEvent, entry_id)
        event.digest = prev = public_digest(prev, audit.entry_content(event))
    db.session.get(AuditHead, 1).last_digest = prev
    db.session.commit()
    check = audit.verify(db.session)
    assert (check.ok, check.first_broken_id) == (False, ids[1])
    assert check.problem == "its contents were changed"


def test_trimming_moves_the_anchor_so_the_rest_still_verifies_and_is_itself_recorded(
    app: Flask,
) -> None:
    old = _append(4)
    cutoff = utcnow()
    kept = _append(3)
    with db.transaction() as session:
        result = audit.trim(session, before=cutoff, actor="system:purge")
    assert (result.removed, result.through_id) == (4, old[-1])
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.id for e in events][:3] == kept
    trim_entry = events[-1]
    assert (trim_entry.category, trim_entry.action) == ("erasure", "audit_trimmed")
    assert trim_entry.details["removed"] == 4 and trim_entry.details["through_id"] == old[-1]
    head = db.session.get(AuditHead, 1)
    assert head.anchor_hash == events[0].prev_hash
    assert head.entries == 4
    assert audit.verify(db.session).ok


def test_a_trim_that_skips_the_anchor_is_noticed(app: Flask) -> None:
    _append(3)
    first = db.session.scalar(select(func.min(AuditEvent.id)))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == first))
    db.session.commit()
    check = audit.verify(db.session)
    assert not check.ok and check.first_broken_id == first + 1


def test_a_dry_run_trim_counts_and_changes_nothing(app: Flask) -> None:
    _append(3)
    with db.transaction() as session:
        result = audit.trim(session, before=utcnow() + timedelta(seconds=1), dry_run=True)
    assert result.removed == 3
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 3


def test_unknown_categories_are_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="unknown audit category"), db.transaction() as session:
        audit.append(session, category="gossip", action="x", actor="me")


@pytest.mark.postgres
def test_concurrent_appends_from_many_threads_form_one_unbroken_chain(app: Flask) -> None:
    """Several writers at once (web processes, workers): the chain never forks, including
    when they race to create its head."""
    threads, per_thread = 6, 20
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with db.transaction() as session:
                    audit.append(
                        session,
                        category="disclosure",
                        action="texts_sent_to_gateway",
                        actor="worker",
                        object_id=f"{n}-{i}",
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    assert errors == []
    check = audit.verify(db.session)
    assert check.ok, check.describe()
    assert check.entries == threads * per_thread
    prev = db.session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(set(prev)) == len(prev)  # no two entries claim the same predecessor
    assert db.session.get(AuditHead, 1).entries == threads * per_thread


def test_pester_audit_verify_names_the_first_broken_entry_and_exits_non_zero(app: Flask) -> None:
    ids = _append(4)
    ok = CliRunner().invoke(audit_cli, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 4 entries" in ok.output
    db.session.execute(
        text("UPDATE audit_events SET action = 'nothing' WHERE id = :id"), {"id": ids[1]}
    )
    db.session.commit()
    broken = CliRunner().invoke(audit_cli, ["verify"])
    assert broken.exit_code == 1
    assert f"broken at entry {ids[1]}" in broken.output


def test_pester_audit_export_writes_csv_or_json_since_a_date_and_is_itself_logged(
    app: Flask,
) -> None:
    _append(2, reason='=HYPERLINK("http://evil.test","click")')
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    result = CliRunner().invoke(audit_cli, ["export", "--since", since, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 2
    assert rows[0]["action"] == "line_viewed"
    assert rows[0]["reason"].startswith("'=HYPERLINK")  # defused for spreadsheets
    assert rows[1]["prev_hash"] == rows[0]["hash"]

    result = CliRunner().invoke(audit_cli, ["export", "--since", since, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # The first export was recorded, so the second one sees it.
    assert [e["action"] for e in data] == ["line_viewed", "line_viewed", "audit_exported"]
    assert data[2]["category"] == "disclosure" and data[2]["recipient"].startswith("cli")

    future = (utcnow() + timedelta(days=1)).date().isoformat()
    result = CliRunner().invoke(audit_cli, ["export", "--since", future, "--format", "json"])
    assert json.loads(result.output) == []


def test_pester_audit_export_refuses_a_date_it_cannot_read(app: Flask) -> None:
    result = CliRunner().invoke(audit_cli, ["export", "--since", "last tuesday"])
    assert result.exit_code == 2
    assert "is not a date" in result.output
