"""`pester replies retriage`: stored replies read again with today's triage, keeping what
analysts did and never taking a risk disclosure away."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from campaigns.commands.replies import replies as replies_cli
from messaging.db import db
from messaging.inbound.retriage import retriage
from messaging.inbound.triage.classifier import classify
from messaging.models import AuditEvent, Reply
from tests.campaigns.replies.helpers import store_reply


def _as_before_the_model(reply: Reply, *, labels: list[str], urgent: bool = False) -> None:
    """Make a stored reply look as the old rules left it: their labels, no score."""
    reply.labels = labels
    reply.why = {label: ["an old rule"] for label in labels}
    reply.risk_kinds = ["violence"] if urgent else []
    reply.urgent = urgent
    reply.queue = "risk" if urgent else labels[0]
    reply.score = None
    db.session.commit()


@pytest.mark.postgres
def test_retriage_scores_old_replies_and_moves_missed_disclosures_to_risk(app: Flask) -> None:
    missed = store_reply("+447700900501", "everyone would be better off without me tbh")
    plain = store_reply("+447700900502", "who is this?")
    _as_before_the_model(missed, labels=["other"])
    _as_before_the_model(plain, labels=["wrong_number"])

    report = retriage(actor="cli:test", batch=1)

    db.session.expire_all()
    assert missed.urgent and missed.queue == "risk" and "self_harm" in missed.risk_kinds
    assert missed.score == pytest.approx(classify(missed.body).score)
    assert plain.queue == "wrong_number" and plain.score is not None
    assert report.read == 2 and report.changed == 2
    assert report.newly_urgent == [missed.id]
    entries = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "replies_retriaged"))
    )
    assert [e.details["reply_ids"] for e in entries] == [[missed.id], [plain.id]]
    assert all(e.category == "alteration" and e.actor == "cli:test" for e in entries)
    assert "better off" not in json.dumps([e.details for e in entries])


@pytest.mark.postgres
def test_retriage_keeps_analysts_labels_and_never_takes_risk_away(app: Flask) -> None:
    reply = store_reply("+447700900503", "thanks")
    reply.labels = ["risk_disclosure", "supply_intel"]
    reply.why = {"risk_disclosure": ["violence.old_rule: thanks"]}  # supply_intel: an analyst's
    reply.risk_kinds = ["violence"]
    reply.urgent, reply.queue = True, "risk"
    db.session.commit()

    retriage(actor="cli:test")

    db.session.expire_all()
    assert reply.labels == ["risk_disclosure", "supply_intel"]
    assert reply.urgent and reply.queue == "risk" and reply.risk_kinds == ["violence"]
    assert "violence.old_rule: thanks" in reply.why["risk_disclosure"]
    assert "other" not in reply.why


@pytest.mark.postgres
def test_retriage_skips_text_erased_at_the_end_of_retention_and_changes_nothing_twice(
    app: Flask,
) -> None:
    erased = store_reply("+447700900504", "my mate is not breathing")
    erased.body = None
    db.session.commit()
    store_reply("+447700900505", "STOP")
    first = retriage(actor="cli:test")
    second = retriage(actor="cli:test")
    assert first.skipped_erased == 1
    assert second.changed == 0


@pytest.mark.postgres
def test_the_retriage_command_prints_its_report(app: Flask) -> None:
    store_reply("+447700900506", "STOP")
    result = CliRunner().invoke(replies_cli, ["retriage", "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "read": 1,
        "changed": 0,
        "newly_urgent": [],
        "skipped_erased": 0,
    }
