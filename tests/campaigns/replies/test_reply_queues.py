"""Triage queues and scores in the reply log and the API: stored with each reply, shown,
filtered, and sorted risk first, then needs-a-person, above opt-outs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from messaging.db import db, utcnow
from messaging.inbound.triage.classifier import classify
from messaging.inbound.triage.corpus import load_corpus
from messaging.inbound.triage.queues import Queue
from messaging.models import Reply
from tests.campaigns.api.helpers import bearer
from tests.campaigns.replies.helpers import logged_ids, sign_in, store_reply
from tests.support.factories import make_user


def _unplaced_text() -> str:
    """A corpus reply the shipped triage puts in needs-a-person (whichever it is today)."""
    return next(e.text for e in load_corpus() if classify(e.text).queue is Queue.NEEDS_PERSON)


@pytest.fixture
def queued(app: Flask) -> dict[str, Reply]:
    """One reply for each of several queues; the one needing a person is the oldest."""
    now = utcnow()
    texts = {
        "unplaced": _unplaced_text(),
        "stop": "STOP",
        "thanks": "thanks",
        "who": "who is this?",
        "risk": "my mate took some and he isn't breathing",
    }
    stored = {}
    for age, (name, text) in enumerate(reversed(texts.items())):
        stored[name] = store_reply(
            f"+4477009004{age:02d}", text, received_at=now - timedelta(hours=age)
        )
    return stored


@pytest.fixture
def analyst(client: FlaskClient, app: Flask) -> FlaskClient:
    sign_in(client, make_user(role="analyst"))
    return client


@pytest.mark.postgres
def test_a_stored_reply_keeps_the_queue_and_score_triage_gave_it(queued: dict) -> None:
    for reply in queued.values():
        result = classify(reply.body)
        assert reply.queue == str(result.queue)
        assert reply.score == pytest.approx(result.score)
        assert reply.urgent == (reply.queue == "risk")
    assert queued["unplaced"].queue == "needs_person"
    assert queued["stop"].queue == "opt_out"


@pytest.mark.postgres
def test_the_reply_log_sorted_by_queue_puts_needs_a_person_below_risk_above_opt_outs(
    analyst: FlaskClient, queued: dict
) -> None:
    page = analyst.get("/replies/?sort=queue")
    assert page.status_code == 200
    expected = ["risk", "unplaced", "stop", "who", "thanks"]
    assert logged_ids(page.text) == [queued[name].id for name in expected]
    newest_first = logged_ids(analyst.get("/replies/").text)
    assert newest_first[0] == queued["risk"].id and newest_first[-1] == queued["unplaced"].id


@pytest.mark.postgres
def test_the_reply_log_filters_by_queue_and_shows_queue_and_score(
    analyst: FlaskClient, queued: dict
) -> None:
    page = analyst.get("/replies/?queue=needs_person")
    assert logged_ids(page.text) == [queued["unplaced"].id]
    row = page.text[page.text.index(f'id="log-{queued["unplaced"].id}"') :]
    assert "needs a person" in row[: row.index("</tr>")]
    assert f"risk {queued['unplaced'].score:.2f}" in row[: row.index("</tr>")]
    bad = analyst.get("/replies/?queue=later")
    assert "Choose a queue from the list" in bad.text
    assert "Sort by newest or by queue" in analyst.get("/replies/?sort=random").text


@pytest.mark.postgres
def test_unplaced_replies_wait_in_a_panel_of_their_own_until_reviewed(
    analyst: FlaskClient, queued: dict
) -> None:
    page = analyst.get("/replies/")
    panel = page.text[page.text.index('id="unplaced-h"') : page.text.index("All replies")]
    assert re.findall(r'id="unplaced-(\d+)"', panel) == [str(queued["unplaced"].id)]
    assert page.text.index('id="urgent-h"') < page.text.index('id="unplaced-h"')
    queued["unplaced"].reviewed_at = utcnow()
    db.session.commit()
    assert 'id="unplaced-h"' not in analyst.get("/replies/").text


@pytest.mark.postgres
def test_the_api_sorts_by_queue_filters_by_queue_and_shows_queue_and_score(
    app: Flask, queued: dict
) -> None:
    client, headers = app.test_client(), bearer(make_user(role="analyst"))
    page = client.get("/api/v1/replies?sort=queue", headers=headers).get_json()
    expected = ["risk", "unplaced", "stop", "who", "thanks"]
    assert [item["id"] for item in page["items"]] == [queued[name].id for name in expected]
    assert [item["queue"] for item in page["items"]] == [
        "risk", "needs_person", "opt_out", "wrong_number", "other",
    ]  # fmt: skip
    assert all(0.0 <= item["score"] <= 1.0 for item in page["items"])
    only = client.get("/api/v1/replies?queue=needs_person", headers=headers).get_json()
    assert [item["id"] for item in only["items"]] == [queued["unplaced"].id]
    wrong = client.get("/api/v1/replies?queue=later", headers=headers)
    assert wrong.status_code == 422
    default = client.get("/api/v1/replies", headers=headers).get_json()
    assert default["items"][0]["id"] == queued["risk"].id  # urgent unhandled first, as before


def test_the_openapi_document_describes_queue_score_and_the_sort(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/replies"]["get"]
    item_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][item_ref.rsplit("/", 1)[1]]
    reply_ref = page["properties"]["items"]["items"]["$ref"]
    reply = document["components"]["schemas"][reply_ref.rsplit("/", 1)[1]]["properties"]
    assert set(reply["queue"]["enum"]) == {q.value for q in Queue}
    assert "number" in str(reply["score"]["type"])
    names = {p["name"]: p for p in listing["parameters"]}
    assert set(names["queue"]["schema"]["enum"]) - {None} == {q.value for q in Queue}
    assert set(names["sort"]["schema"]["enum"]) == {"urgent", "queue"}
