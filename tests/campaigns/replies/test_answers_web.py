"""The conversation page: answering a reply, second-person approval, the responder grant and
recording an outcome, through the web forms (CSRF, permissions, clear refusals)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.db import db
from messaging.models import Conversion, OutboxMessage, ReplyAnswer
from tests.campaigns.replies.helpers import audit_text, sign_in, store_reply
from tests.conftest import csrf_token
from tests.messaging.inbound.webhooks.helpers import make_campaign, make_outbox
from tests.support.factories import make_contacts, make_line, make_user

NUMBER = "+447700900321"
SUICIDAL = "i want to kill myself tonight"


def _texted() -> int:
    make_user(role="officer")
    line = make_line()
    contacts = make_contacts(line, [NUMBER])
    [row] = make_outbox(make_campaign([line]), contacts)
    return row.id


def _form(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _samaritans_id(html: str) -> str:
    match = re.search(r'value="(\d+)"[^>]*>\s*<label for="response-\d+">Response: suicidal', html)
    assert match, "no Samaritans response offered"
    return match.group(1)


def test_an_analyst_answers_a_risk_reply_with_the_samaritans_response(
    client: FlaskClient,
) -> None:
    _texted()
    reply = store_reply(NUMBER, SUICIDAL)
    sign_in(client, make_user(role="analyst"))
    page = client.get(f"/replies/numbers/{reply.phone_hash}")
    assert page.status_code == 200 and "Answer by text" in page.text
    assert "suits this reply" in page.text  # the Samaritans response is offered first
    action = f"/replies/{reply.id}/answer"
    fields = {**_form(page.text, action), "response": _samaritans_id(page.text)}
    response = client.post(action, data=fields)
    assert response.status_code == 302
    again = client.post(action, data=fields)  # the same form sent twice
    assert again.status_code == 302
    db.session.expire_all()
    [made] = db.session.scalars(select(ReplyAnswer)).all()
    assert made.state == "approved" and "116 123" in made.body
    [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.answer_id == made.id))
    assert row.private_body == made.body and row.status == "pending"
    shown = client.get(f"/replies/numbers/{reply.phone_hash}")
    assert "answered" in shown.text and "Samaritans" in shown.text
    assert "kill myself" not in audit_text() and NUMBER not in audit_text()


def test_an_opted_out_number_shows_why_it_cannot_be_answered(client: FlaskClient) -> None:
    _texted()
    reply = store_reply(NUMBER, SUICIDAL)
    store_reply(NUMBER, "STOP")
    sign_in(client, make_user(role="analyst"))
    page = client.get(f"/replies/numbers/{reply.phone_hash}")
    assert 'data-testid="cannot-answer"' in page.text and "opted out" in page.text
    assert f'action="/replies/{reply.id}/answer"' not in page.text


def test_free_text_is_approved_by_a_second_person_on_the_approvals_page(
    app, client: FlaskClient
) -> None:  # type: ignore[no-untyped-def]
    _texted()
    reply = store_reply(NUMBER, "who is this")
    author, checker = make_user(role="analyst"), make_user(role="supervisor")
    sign_in(client, author)
    page = client.get(f"/replies/numbers/{reply.phone_hash}")
    action = f"/replies/{reply.id}/answer"
    fields = {**_form(page.text, action), "response": "free_text", "text": "Testshire Police."}
    client.post(action, data=fields)
    made = db.session.scalar(select(ReplyAnswer))
    assert made.state == "awaiting_approval"
    listing = client.get("/replies/answers")
    assert "Yours: someone else decides." in listing.text
    other = app.test_client()
    sign_in(other, checker)
    listing = other.get("/replies/answers")
    assert "Testshire Police." in listing.text
    approve = f"/replies/answers/{made.id}/approve"
    assert other.post(approve, data=_form(listing.text, approve)).status_code == 302
    db.session.expire_all()
    assert db.session.get(ReplyAnswer, made.id).approval == "second_person"
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.answer_id == made.id))


def test_officers_cannot_answer_and_admins_grant_the_responder_permission(
    app, client: FlaskClient
) -> None:  # type: ignore[no-untyped-def]
    _texted()
    reply = store_reply(NUMBER, SUICIDAL)
    sign_in(client, make_user(role="officer"))
    page = client.get("/replies/")
    assert page.status_code == 403
    token = csrf_token(client.get("/").text)
    refused = client.post(
        f"/replies/{reply.id}/answer", data={"csrf_token": token, "response": "free_text"}
    )
    assert refused.status_code == 403
    analyst = make_user(role="analyst")
    admin = app.test_client()
    sign_in(admin, make_user(role="admin"))
    user_page = admin.get(f"/admin/users/{analyst.id}")
    assert "Grant the responder permission" in user_page.text
    target = f"/admin/users/{analyst.id}/responder"
    admin.post(target, data=_form(user_page.text, target))
    db.session.expire_all()
    assert db.session.get(type(analyst), analyst.id).responder is True
    assert "responder_granted" in audit_text()


def test_an_outcome_is_recorded_once_against_the_campaign_text(client: FlaskClient) -> None:
    outbox_id = _texted()
    reply = store_reply(NUMBER, "yes please, how do i get help")
    sign_in(client, make_user(role="analyst"))
    page = client.get(f"/replies/numbers/{reply.phone_hash}")
    action = f"/replies/{reply.id}/conversions"
    fields = {**_form(page.text, action), "kind": "referred_to_service", "outbox_id": outbox_id}
    for _ in range(2):
        assert client.post(action, data=fields).status_code == 302
    bad = client.post(action, data={**fields, "kind": "cured"}, follow_redirects=True)
    assert "Choose an outcome from the list." in bad.text
    [made] = db.session.scalars(select(Conversion)).all()
    assert made.outbox_id == outbox_id and made.kind == "referred_to_service"
    assert "Referred to a service" in client.get(f"/replies/numbers/{reply.phone_hash}").text
    assert audit_text().count("conversion_recorded") == 1
