"""API tokens: hashed at rest, scoped to a role within the user's, revocable; no cookies."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from sqlalchemy import select

from campaigns.api_tokens import TokenError, issue_token, revoke_token, role_within
from campaigns.commands.tokens import token as token_cli
from messaging.db import db
from messaging.models import ApiToken, AuditEvent, User
from tests.campaigns.api.helpers import audit_entries, bearer, error_of, token_id
from tests.support.factories import login, make_user


def test_only_the_sha256_of_a_token_is_stored(app: Flask) -> None:
    user = make_user()
    token, secret = issue_token(db.session, user, name="bi export")
    db.session.commit()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.execute(select(ApiToken.__table__)).one()
    assert secret not in [str(value) for value in row]


def test_a_valid_token_authenticates_and_records_its_last_use(app: Flask) -> None:
    user = make_user()
    headers = bearer(user)
    response = app.test_client().get("/api/v1/lines", headers=headers)
    assert response.status_code == 200
    assert db.session.get(ApiToken, token_id(headers)).last_used_at is not None


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer pester_" + "x" * 43,
        "Basic b2ZmaWNlcjpwYXNzd29yZA==",
        "Bearer not-even-the-right-shape",
    ],
)
def test_a_missing_or_unknown_token_is_refused_with_401(
    app: Flask, authorization: str | None
) -> None:
    make_user()
    headers = {"Authorization": authorization} if authorization else {}
    response = app.test_client().get("/api/v1/lines", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorised"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(app: Flask) -> None:
    headers = bearer(make_user())
    client = app.test_client()
    assert client.get("/api/v1/lines", headers=headers).status_code == 200
    revoke_token(db.session, token_id(headers))
    db.session.commit()
    assert client.get("/api/v1/lines", headers=headers).status_code == 401


def test_a_deactivated_users_tokens_stop_working(app: Flask) -> None:
    user = make_user()
    headers = bearer(user)
    user.active = False
    db.session.commit()
    assert app.test_client().get("/api/v1/lines", headers=headers).status_code == 401


def test_a_signed_in_browser_session_does_not_authenticate_the_api(app: Flask) -> None:
    client = app.test_client()
    login(client, make_user(role="officer"))
    assert client.get("/lines/").status_code == 200  # the session works for pages
    response = client.get("/api/v1/lines")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorised"


def test_a_role_without_the_permission_gets_403(app: Flask) -> None:
    headers = bearer(make_user(role="analyst"))
    response = app.test_client().post("/api/v1/lines", headers=headers, json={})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize(
    ("user_role", "token_role", "allowed"),
    [
        ("officer", "officer", True),
        ("officer", "supervisor", False),
        ("analyst", "admin", False),
        ("admin", "officer", False),
    ],
)
def test_a_token_cannot_hold_more_than_its_users_role(
    app: Flask, user_role: str, token_role: str, allowed: bool
) -> None:
    user = make_user(role=user_role)
    assert role_within(token_role, user_role) is allowed
    if allowed:
        issue_token(db.session, user, name="t", role=token_role)
    else:
        with pytest.raises(TokenError):
            issue_token(db.session, user, name="t", role=token_role)


def test_demoting_a_user_narrows_their_existing_tokens_at_once(app: Flask) -> None:
    user = make_user(role="officer")
    headers = bearer(user)
    client = app.test_client()
    assert client.get("/api/v1/lines/999", headers=headers).status_code == 404
    user.role = "admin"  # admins do not read lines
    db.session.commit()
    assert client.get("/api/v1/lines/999", headers=headers).status_code == 403


def test_the_openapi_document_needs_no_token(app: Flask) -> None:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


def test_the_cli_creates_a_token_once_lists_it_and_revokes_it(app: Flask) -> None:
    user = make_user(role="analyst")
    runner = app.test_cli_runner()
    created = runner.invoke(token_cli, ["create", user.email.upper(), "--name", "triage bot"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("pester_")
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    assert client.get("/api/v1/replies", headers=headers).status_code == 200

    listed = runner.invoke(token_cli, ["list"])
    assert listed.exit_code == 0, listed.output
    assert user.email in listed.output and "triage bot" in listed.output
    assert secret not in listed.output

    issued = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    revoked = runner.invoke(token_cli, ["revoke", str(issued.id)])
    assert revoked.exit_code == 0, revoked.output
    db.session.expire_all()  # the CLI wrote through its own session
    assert client.get("/api/v1/replies", headers=headers).status_code == 401
    assert "revoked" in runner.invoke(token_cli, ["list"]).output
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "api_token_issued" in actions and "api_token_revoked" in actions


def test_the_cli_refuses_a_role_above_the_user_and_unknown_users(app: Flask) -> None:
    user = make_user(role="analyst")
    runner = app.test_cli_runner()
    refused = runner.invoke(token_cli, ["create", user.email, "--name", "x", "--role", "admin"])
    assert refused.exit_code != 0
    assert "cannot hold" in refused.output
    unknown = runner.invoke(token_cli, ["create", "nobody@force.test", "--name", "x"])
    assert unknown.exit_code != 0
    assert db.session.scalar(select(ApiToken)) is None


def test_api_actions_are_audited_as_the_tokens_user(app: Flask) -> None:
    user = make_user(role="officer")
    headers = bearer(user)
    response = app.test_client().post(
        "/api/v1/lines", headers=headers, json={"reference": "OP/1", "name": "Tony"}
    )
    assert response.status_code == 201
    (entry,) = audit_entries("line_registered")
    assert entry.actor_id == user.id
    assert db.session.get(User, user.id).email in entry.actor
