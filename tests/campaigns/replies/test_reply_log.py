"""The analysts' reply log on the web: urgent first, filters, search, triage, escaping, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from messaging.db import db, utcnow
from messaging.inbound.reply_log import ReplyFilter, find_replies, matching_ids
from messaging.models import OutboxMessage, Reply
from messaging.sending.receipts import apply_status
from tests.campaigns.replies.helpers import (
    audit_entries,
    audit_text,
    logged_ids,
    sign_in,
    store_reply,
)
from tests.conftest import csrf_token
from tests.messaging.inbound.webhooks.helpers import make_campaign, make_outbox, status_params
from tests.support.factories import make_contacts, make_line, make_user

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def analyst(client: FlaskClient, app: Flask) -> FlaskClient:
    sign_in(client, make_user(role="analyst"))
    return client


@pytest.fixture
def world(app: Flask) -> dict:
    """Two lines, a campaign on each, and a spread of replies over a week."""
    make_user(role="officer")
    tony, jay = make_line(name="Tony"), make_line(name="Jay")
    tony_contacts = make_contacts(tony, ["+447700900601", "+447700900602", "+447700900603"])
    jay_contacts = make_contacts(jay, ["+447700900611"])
    on_tony = make_campaign([tony], name="Tony signposting", sender="+447700900001")
    on_jay = make_campaign([jay], name="Jay warning", sender="+447700900002")
    make_outbox(on_tony, tony_contacts)
    make_outbox(on_jay, jay_contacts)
    now = utcnow()
    replies = {
        "overdose": store_reply(
            "+447700900601", "my mate took some and he isn't breathing", to="+447700900001",
            received_at=now - timedelta(minutes=95),
        ),
        "intel": store_reply(
            "+447700900602", "new number for the line is 07700 900699", to="+447700900001",
            received_at=now - timedelta(days=3),
        ),
        "who": store_reply(
            "+447700900603", "who is this?", to="+447700900001",
            received_at=now - timedelta(days=6),
        ),
        "help": store_reply(
            "+447700900611", "can you help me get off it", to="+447700900002",
            received_at=now - timedelta(hours=2),
        ),
    }  # fmt: skip
    return {"tony": tony, "jay": jay, "on_tony": on_tony, "on_jay": on_jay, **replies}


def ids(*replies: Reply) -> list[int]:
    return [r.id for r in replies]


def test_urgent_disclosures_come_first_with_the_time_waiting(analyst: FlaskClient, world: dict):
    page = analyst.get("/replies/")
    assert page.status_code == 200
    urgent_at = page.text.index(f'id="reply-{world["overdose"].id}"')
    assert urgent_at < page.text.index("All replies")
    assert "1 h 35 min" in page.text  # waiting since it arrived, until someone handles it
    assert logged_ids(page.text) == ids(
        world["overdose"], world["help"], world["intel"], world["who"]
    )


def test_marking_an_urgent_reply_handled_takes_it_off_the_queue(analyst: FlaskClient, world: dict):
    page = analyst.get("/replies/")
    reply_id = world["overdose"].id
    response = analyst.post(
        f"/replies/{reply_id}/handled",
        data={"csrf_token": csrf_token(page.text), "next": "/replies/"},
    )
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/replies/"
    assert f'id="reply-{reply_id}"' not in analyst.get("/replies/").text
    db.session.expire_all()
    assert db.session.get(Reply, reply_id).handled_at is not None
    assert [e.object_id for e in audit_entries("reply_handled")] == [str(reply_id)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("line={tony}", ["overdose", "intel", "who"]),
        ("campaign={on_jay}", ["help"]),
        ("label=risk_disclosure", ["overdose"]),
        ("label=wrong_number", ["who"]),
        ("intel=yes", ["intel"]),
        ("intel=no", ["overdose", "help", "who"]),
        ("urgent=yes", ["overdose"]),
        ("handled=yes", []),
        ("handled=no&line={jay}", ["help"]),
        ("from={four_days_ago}", ["overdose", "help", "intel"]),
        ("to={four_days_ago}", ["who"]),
        ("reviewed=no&label=help_seeking", ["help"]),
    ],
)
def test_filters(analyst: FlaskClient, world: dict, query: str, expected: list[str]) -> None:
    four_days_ago = (utcnow() - timedelta(days=4)).date().isoformat()
    url = "/replies/?" + query.format(
        tony=world["tony"].id,
        jay=world["jay"].id,
        on_jay=world["on_jay"].id,
        four_days_ago=four_days_ago,
    )
    page = analyst.get(url)
    assert page.status_code == 200
    assert logged_ids(page.text) == [world[name].id for name in expected]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30", "Enter a real date"),
        ("label=gossip", "Choose a label from the list"),
        ("from=2026-03-02&to=2026-03-01", "on or after the start date"),
        ("line=abc", "Choose a line"),
    ],
)
def test_a_bad_filter_gets_a_clear_message(analyst: FlaskClient, world: dict, query, message):
    page = analyst.get("/replies/?" + query)
    assert page.status_code == 200
    assert "There is a problem with the filter" in page.text
    assert message in page.text


def test_word_search_decrypts_and_filters_within_the_filtered_set(
    analyst: FlaskClient, world: dict
):
    assert logged_ids(analyst.get("/replies/?q=BREATHING").text) == ids(world["overdose"])
    assert logged_ids(analyst.get("/replies/?q=help+off").text) == ids(world["help"])
    assert logged_ids(analyst.get("/replies/?q=help&line=" + str(world["tony"].id)).text) == []
    page = analyst.get("/replies/?q=nothing+like+this")
    assert logged_ids(page.text) == [] and "Searched 4 replies" in page.text


@pytest.mark.postgres
def test_a_number_search_finds_replies_from_it_and_mentioning_it(analyst: FlaskClient, world: dict):
    assert logged_ids(analyst.get("/replies/?q=07700+900699").text) == ids(world["intel"])
    assert logged_ids(analyst.get("/replies/?q=%2B447700900611").text) == ids(world["help"])


def test_a_word_search_stops_at_its_window_and_says_so(app: Flask, world: dict) -> None:
    outcome = matching_ids(db.session, ReplyFilter(q="who"), window=3)
    assert outcome.ids == []  # the oldest reply, the only match, is outside the window
    assert (outcome.searched, outcome.window_exhausted) == (3, True)
    wider = matching_ids(db.session, ReplyFilter(q="who"), window=4)
    assert wider.ids == ids(world["who"])


@pytest.mark.postgres
def test_tags_notes_and_reviewed(analyst: FlaskClient, world: dict) -> None:
    reply_id = world["intel"].id
    page = analyst.get(f"/replies/{reply_id}")
    token = csrf_token(page.text)
    analyst.post(
        f"/replies/{reply_id}/annotate",
        data={"csrf_token": token, "tags": "New Line, cuckooing, new line", "notes": "call CID"},
    )
    analyst.post(f"/replies/{reply_id}/reviewed", data={"csrf_token": token})
    db.session.expire_all()
    reply = db.session.get(Reply, reply_id)
    assert reply.tags == ["new-line", "cuckooing"]
    assert reply.notes == "call CID"
    assert reply.reviewed_at is not None
    assert logged_ids(analyst.get("/replies/?tag=cuckooing").text) == [reply_id]
    assert logged_ids(analyst.get("/replies/?q=CID").text) == [reply_id]  # notes are searched
    assert logged_ids(analyst.get("/replies/?reviewed=yes").text) == [reply_id]
    too_many = ",".join(f"t{i}" for i in range(11))
    response = analyst.post(
        f"/replies/{reply_id}/annotate",
        data={"csrf_token": token, "tags": too_many, "notes": ""},
        follow_redirects=True,
    )
    assert "Use at most 10 tags" in response.text
    db.session.expire_all()
    assert db.session.get(Reply, reply_id).tags == ["new-line", "cuckooing"]


def test_reply_text_is_escaped_everywhere(analyst: FlaskClient, world: dict) -> None:
    hostile = store_reply("+447700900601", XSS + " stop sending me this", to="+447700900001")
    hostile.notes = XSS
    hostile.tags = ["x"]
    db.session.commit()
    pages = [
        analyst.get("/replies/"),
        analyst.get(f"/replies/{hostile.id}"),
        analyst.get(f"/replies/numbers/{hostile.phone_hash}"),
        analyst.get("/replies/?q=onerror"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;alert(" in page.text


def test_the_conversation_shows_what_was_sent_every_status_and_every_reply(
    analyst: FlaskClient, world: dict
) -> None:
    reply = world["overdose"]
    with db.transaction() as session:
        sent = session.get(OutboxMessage, reply.outbox_id)
        for status in ("sent", "delivered", "sent"):
            apply_status(session, status_params(sent.provider_id, status))
    later = store_reply("+447700900601", "please ring me back", to="+447700900001")
    page = analyst.get(f"/replies/numbers/{reply.phone_hash}")
    assert page.status_code == 200
    text = page.text
    assert "A public-health message. Reply STOP to opt out." in text
    assert "Tony signposting" in text
    assert text.count("no (late or duplicate)") == 1  # the late 'sent' was kept, not applied
    assert "delivered" in text
    assert text.index("isn&#39;t breathing") < text.index("please ring me back")
    (entry,) = audit_entries("conversation_viewed")
    assert entry.category == "consultation"
    assert entry.details["reply_ids"] == [reply.id, later.id]
    assert entry.details["outbox_ids"] == [reply.outbox_id]


def test_every_view_is_audited_as_a_consultation_without_text_or_numbers(
    analyst: FlaskClient, world: dict
) -> None:
    analyst.get("/replies/?q=breathing")
    analyst.get("/replies/?q=07700900699")
    analyst.get(f"/replies/{world['intel'].id}")
    analyst.get(f"/replies/numbers/{world['intel'].phone_hash}")
    analyst.get("/intelligence/")
    viewed = audit_entries("replies_viewed")
    assert [e.category for e in viewed] == ["consultation", "consultation"]
    assert viewed[0].details["filter"] == {"search": "words"}
    assert viewed[1].details["filter"] == {"search": "number"}
    assert sorted(viewed[0].details["reply_ids"]) == ids(world["overdose"])
    assert [e.category for e in audit_entries("reply_viewed")] == ["consultation"]
    logged = audit_text()
    for secret in ("breathing", "900699", "900602", "900601", "new number"):
        assert secret not in logged


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_only_analysts_and_supervisors_read_replies(app: Flask, world: dict, role: str) -> None:
    client = app.test_client()
    sign_in(client, make_user(role=role))
    for path in ("/replies/", f"/replies/{world['who'].id}", "/intelligence/"):
        assert client.get(path).status_code == 403


def test_a_supervisor_reads_but_cannot_triage(app: Flask, world: dict) -> None:
    client = app.test_client()
    sign_in(client, make_user(role="supervisor"))
    page = client.get("/replies/")
    assert page.status_code == 200
    assert "Mark handled" not in page.text
    response = client.post(
        f"/replies/{world['overdose'].id}/handled", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 403


def test_pages_cover_every_reply_once_with_and_without_a_word_search(app: Flask, world: dict):
    newest_first = ids(world["overdose"], world["help"], world["intel"], world["who"])
    for reply_filter in (ReplyFilter(), ReplyFilter(q="i")):  # every reply has an "i"
        pages = [find_replies(db.session, reply_filter, page=n, per_page=3) for n in (1, 2, 9)]
        assert [(p.total, p.pages, p.page) for p in pages] == [(4, 2, 1), (4, 2, 2), (4, 2, 2)]
        assert [r.id for p in pages[:2] for r in p.replies] == newest_first
