"""The administrators' audit log and retention pages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update

from messaging import runtime
from messaging.db import db
from messaging.models import AuditEvent, AuditHead, Line
from messaging.records import audit
from messaging.records.audit_checkpoints import write_checkpoint
from tests.security.helpers import NUMBERS, fresh_token, seeded_line, sign_in
from tests.support.factories import make_force, make_user


def _admin_client(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    admin = make_user(role="admin")
    sign_in(client, admin)
    return client, admin


def _entry(**fields: object) -> AuditEvent:
    values = {"category": "consultation", "action": "line_viewed", "actor": "user:5 a@b.test"}
    values.update(fields)
    with db.transaction() as session:
        event = audit.append(session, **values)  # type: ignore[arg-type]
        return event


def test_the_audit_log_lists_entries_newest_first_and_records_that_it_was_viewed(
    app: Flask,
) -> None:
    client, admin = _admin_client(app)
    _entry(object_type="line", object_id=12, details={"contacts": 40}, ip="10.1.2.3")
    page = client.get("/admin/audit/")
    assert page.status_code == 200
    assert "line viewed" in page.text and "10.1.2.3" in page.text
    assert page.text.index("line viewed") < page.text.index("signed in")  # newest first
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_log_viewed"))
    assert viewed.category == "consultation" and viewed.actor_id == admin.id


def test_the_audit_log_filters_by_category_who_and_object(app: Flask) -> None:
    client, _ = _admin_client(app)
    _entry(category="erasure", action="line_purged", object_type="line", object_id=3)
    _entry(category="disclosure", action="replies_exported", actor="user:9 analyst@x.test")
    erasures = client.get("/admin/audit/?category=erasure")
    assert "line purged" in erasures.text and "replies exported" not in erasures.text
    by_actor = client.get("/admin/audit/?actor=analyst@x")
    assert "replies exported" in by_actor.text and "line purged" not in by_actor.text
    by_object = client.get("/admin/audit/?object_type=line&object_id=3")
    assert "line purged" in by_object.text and "replies exported" not in by_object.text
    assert client.get("/admin/audit/?category=gossip").status_code == 400
    assert client.get("/admin/audit/?since=yesterday").status_code == 400


def test_audit_entries_are_shown_escaped(app: Flask) -> None:
    client, _ = _admin_client(app)
    _entry(reason="<script>alert(1)</script>", user_agent='"><img src=x onerror=alert(1)>')
    page = client.get("/admin/audit/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<img src=x" not in page.text


def test_an_export_is_a_logged_disclosure_and_defuses_formulas(app: Flask) -> None:
    client, admin = _admin_client(app)
    _entry(reason="=cmd|' /C calc'!A0", category="erasure", action="line_purged")
    response = client.get("/admin/audit/export?format=csv&category=erasure&reason=for+the+DPO")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["action"] for r in rows] == ["line_purged"]
    assert rows[0]["reason"] == "'=cmd|' /C calc'!A0"
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_log_exported"))
    assert logged.category == "disclosure"
    assert logged.recipient.startswith(f"user:{admin.id} ")
    assert logged.reason == "for the DPO"
    assert logged.details["filter"] == {"category": "erasure"}

    as_json = client.get("/admin/audit/export?format=json&category=erasure")
    assert [e["action"] for e in json.loads(as_json.text)] == ["line_purged"]
    assert client.get("/admin/audit/export?format=xml").status_code == 400


def test_the_chain_check_page_says_whether_the_log_was_tampered_with(app: Flask) -> None:
    client, _ = _admin_client(app)
    event = _entry()
    good = client.get("/admin/audit/verify")
    assert good.status_code == 200 and "The chain is intact" in good.text
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == event.id).values(details={"contacts": 1})
    )
    db.session.commit()
    bad = client.get("/admin/audit/verify")
    assert bad.status_code == 409
    assert f"Entry {event.id}" in bad.text and "its contents were changed" in bad.text


def test_the_chain_check_page_uses_this_servers_checkpoint_file(app: Flask) -> None:
    client, _ = _admin_client(app)
    _entry()
    last = _entry()  # checkpointed, then cut off with everything after it
    assert write_checkpoint(runtime.current().settings) is not None
    good = client.get("/admin/audit/verify")
    assert good.status_code == 200 and "agrees with 1 of the 1 signed checkpoints" in good.text
    left = db.session.scalar(select(func.count()).where(AuditEvent.id < last.id))
    before = db.session.scalar(select(AuditEvent.digest).where(AuditEvent.hash == last.prev_hash))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id >= last.id))
    db.session.execute(
        update(AuditHead).values(last_hash=last.prev_hash, last_digest=before, entries=left)
    )
    db.session.commit()
    cut = client.get("/admin/audit/verify")
    assert cut.status_code == 409 and "entries were removed from the end" in cut.text


@pytest.mark.parametrize("role", ["officer", "supervisor", "analyst"])
def test_only_admins_reach_the_audit_and_retention_pages(app: Flask, role: str) -> None:
    client = app.test_client()
    sign_in(client, make_user(role=role))
    for path in (
        "/admin/audit/",
        "/admin/audit/export",
        "/admin/audit/verify",
        "/admin/retention/",
    ):
        assert client.get(path).status_code == 403, path
    token = fresh_token(client, "/account")
    assert client.post("/admin/retention/purge", data={"csrf_token": token}).status_code == 403


def test_the_retention_page_shows_each_line_and_what_the_next_purge_would_erase(
    app: Flask,
) -> None:
    client, _ = _admin_client(app)
    seeded = seeded_line(make_user())
    page = client.get("/admin/retention/")
    assert page.status_code == 200
    assert seeded.line.reference in page.text
    assert "due now" in page.text
    assert "What the next purge would erase" in page.text
    assert NUMBERS[0] not in page.text
    assert db.session.get(Line, seeded.line.id).purged_at is None  # only a preview


def test_an_admin_changes_a_lines_retention_with_a_reason_and_it_is_audited(app: Flask) -> None:
    client, _ = _admin_client(app)
    seeded = seeded_line(make_user())
    token = fresh_token(client, "/admin/retention/")
    response = client.post(
        f"/admin/retention/lines/{seeded.line.id}",
        data={"retention_days": "400", "reason": "court order", "csrf_token": token},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Line, seeded.line.id).retention_days == 400
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_changed"))
    assert entry.details == {"from_days": 90, "to_days": 400}
    assert entry.reason == "court order"
    bad = client.post(
        f"/admin/retention/lines/{seeded.line.id}",
        data={"retention_days": "0", "csrf_token": token},
    )
    assert bad.status_code == 400 and "from 1 to 3650" in bad.text


def test_purge_now_needs_confirmation_then_erases_the_due_lines(app: Flask) -> None:
    client, admin = _admin_client(app)
    seeded = seeded_line(make_user())
    token = fresh_token(client, "/admin/retention/")
    refused = client.post("/admin/retention/purge", data={"csrf_token": token})
    assert refused.status_code == 400
    assert db.session.get(Line, seeded.line.id).purged_at is None
    done = client.post(
        "/admin/retention/purge", data={"csrf_token": token, "confirm": "yes", "reason": "DPO"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Line, seeded.line.id).purged_at is not None
    erasure = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "line_purged"))
    assert erasure.actor == f"user:{admin.id} {admin.email}"


@pytest.mark.postgres
def test_an_audit_export_streams_only_the_admins_own_forces_entries(app: Flask) -> None:
    """The body streams after the request has ended: it must still be read in its force."""
    ours, theirs = make_force("KNT"), make_force("ESX")
    _entry(reason="ours to see", force_id=ours.id)
    _entry(reason="theirs alone", force_id=theirs.id)
    client = app.test_client()
    sign_in(client, make_user(role="admin", force=ours))
    for fmt in ("csv", "json"):
        answer = client.get(f"/admin/audit/export?format={fmt}")
        assert answer.status_code == 200
        assert "ours to see" in answer.text and "theirs alone" not in answer.text, fmt
