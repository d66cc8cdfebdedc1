"""The reply log over the API: who sees text, masked numbers, filters, and triage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from messaging.db import db, utcnow
from messaging.inbound.replies import receive_reply
from messaging.models import Reply
from tests.campaigns.api.helpers import audit_entries, bearer, error_of, token_id
from tests.support.factories import make_user

SENDER = "+447700900301"


def _reply(sid: str, body: str, sender: str = SENDER) -> Reply:
    result = receive_reply(
        db.session, {"MessageSid": sid, "From": sender, "To": "+447700900000", "Body": body}
    )
    db.session.commit()
    return db.session.get(Reply, result.reply_id)


@pytest.fixture
def replies(app: Flask) -> list[Reply]:
    return [
        _reply("SM-1", "who is this?"),
        _reply("SM-2", "my mate is not breathing, help", sender="+447700900302"),
        _reply("SM-3", "new line is 07700 900999", sender="+447700900303"),
    ]


@pytest.mark.postgres
def test_analysts_see_reply_text_but_numbers_stay_masked_in_the_list(
    app: Flask, replies: list[Reply]
) -> None:
    headers = bearer(make_user(role="analyst"))
    page = app.test_client().get("/api/v1/replies", headers=headers).get_json()
    assert page["total"] == 3
    texts = {item["body"] for item in page["items"]}
    assert "who is this?" in texts
    for item in page["items"]:
        assert item["from_number"] not in (SENDER, "+447700900302", "+447700900303")
        assert "*" in item["from_number"]
    mentions = [m for item in page["items"] for m in item["mentions"]]
    assert mentions and all(m["number"] != "+447700900999" for m in mentions)
    (entry,) = audit_entries("replies_listed")
    assert entry.category == "disclosure"
    assert entry.recipient == f"api token {token_id(headers)}"
    assert sorted(entry.details["reply_ids"]) == sorted(r.id for r in replies)


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_roles_without_the_reply_log_get_no_replies_at_all(
    app: Flask, replies: list[Reply], role: str
) -> None:
    # As in the web app, the reply log is for analysts and supervisors: not even labels or
    # counts of replies leave through an officer's or admin's token.
    client = app.test_client()
    headers = bearer(make_user(role=role))
    for url in (
        "/api/v1/replies",
        "/api/v1/replies?urgent=true",
        f"/api/v1/replies/{replies[0].id}",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 403, url
        assert error_of(response)["code"]
    assert audit_entries("replies_listed") == []


def test_a_supervisors_token_reads_the_list(app: Flask, replies: list[Reply]) -> None:
    headers = bearer(make_user(role="supervisor"))
    page = app.test_client().get("/api/v1/replies", headers=headers).get_json()
    assert page["total"] == 3 and all(item["body"] for item in page["items"])


def test_urgent_unhandled_replies_come_first(app: Flask, replies: list[Reply]) -> None:
    page = (
        app.test_client()
        .get("/api/v1/replies", headers=bearer(make_user(role="analyst")))
        .get_json()
    )
    assert page["items"][0]["id"] == replies[1].id
    assert page["items"][0]["urgent"] is True


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("urgent=true", [1]),
        ("urgent=false", [0, 2]),
        ("label=supply_intel", [2]),
        ("label=wrong_number", [0]),
        ("handled=true", []),
        ("handled=false", [0, 1, 2]),
        ("campaign=5", []),
    ],
)
def test_filters_narrow_the_list(
    app: Flask, replies: list[Reply], query: str, expected: list[int]
) -> None:
    headers = bearer(make_user(role="analyst"))
    page = app.test_client().get(f"/api/v1/replies?{query}", headers=headers).get_json()
    assert sorted(item["id"] for item in page["items"]) == sorted(replies[i].id for i in expected)


@pytest.mark.postgres
def test_since_needs_an_offset_and_filters_by_time(app: Flask, replies: list[Reply]) -> None:
    headers = bearer(make_user(role="analyst"))
    client = app.test_client()
    replies[0].received_at = utcnow() - timedelta(days=3)
    db.session.commit()
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = client.get(f"/api/v1/replies?since={since}", headers=headers).get_json()
    assert replies[0].id not in [item["id"] for item in page["items"]]
    assert page["total"] == 2
    naive = client.get("/api/v1/replies?since=2026-01-01T00:00:00", headers=headers)
    assert naive.status_code == 422 and "since" in error_of(naive)["fields"]


def test_one_reply_in_full_is_for_replies_readers_only_and_audited(
    app: Flask, replies: list[Reply]
) -> None:
    client = app.test_client()
    url = f"/api/v1/replies/{replies[2].id}"
    assert client.get(url, headers=bearer(make_user(role="officer"))).status_code == 403
    headers = bearer(make_user(role="analyst"))
    body = client.get(url, headers=headers).get_json()
    assert body["from_number"] == "+447700900303"
    assert body["body"] == "new line is 07700 900999"
    assert [m["number"] for m in body["mentions"]] == ["+447700900999"]
    (entry,) = audit_entries("reply_read")
    assert entry.object_id == str(replies[2].id) and entry.category == "disclosure"


def test_an_analyst_marks_a_reply_handled_once(app: Flask, replies: list[Reply]) -> None:
    analyst = make_user(role="analyst")
    headers = bearer(analyst)
    client = app.test_client()
    url = f"/api/v1/replies/{replies[1].id}/handled"
    first = client.post(url, headers=headers)
    assert first.status_code == 200
    assert first.get_json()["handled_by_id"] == analyst.id
    again = client.post(url, headers=headers)
    assert again.get_json()["handled_at"] == first.get_json()["handled_at"]
    assert len(audit_entries("reply_handled")) == 1
    unhandled = client.get("/api/v1/replies?handled=false", headers=headers).get_json()
    assert replies[1].id not in [item["id"] for item in unhandled["items"]]


def test_labels_and_tags_are_added_without_repeats(app: Flask, replies: list[Reply]) -> None:
    headers = bearer(make_user(role="analyst"))
    client = app.test_client()
    url = f"/api/v1/replies/{replies[0].id}/labels"
    response = client.post(
        url, headers=headers, json={"labels": ["hostile", "wrong_number"], "tags": ["op-x"]}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["labels"] == ["wrong_number", "hostile"]
    assert body["tags"] == ["op-x"] and body["reviewed_at"] is not None
    refused = client.post(url, headers=headers, json={"labels": ["not-a-label"]})
    assert refused.status_code == 422 and "labels.0" in error_of(refused)["fields"]
    empty = client.post(url, headers=headers, json={})
    assert empty.status_code == 422
    too_many = client.post(url, headers=headers, json={"tags": [f"t{i}" for i in range(10)]})
    assert too_many.status_code == 422 and "tags" in error_of(too_many)["fields"]


def test_officers_cannot_triage(app: Flask, replies: list[Reply]) -> None:
    headers = bearer(make_user(role="officer"))
    response = app.test_client().post(f"/api/v1/replies/{replies[0].id}/handled", headers=headers)
    assert response.status_code == 403
