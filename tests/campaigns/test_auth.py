"""Signing in: argon2 passwords, lockout, session cookies, CSRF."""

from __future__ import annotations

import pytest
from flask import Flask

from campaigns.auth import local_path
from messaging.db import db
from messaging.models import User
from tests.conftest import csrf_token
from tests.support.factories import PASSWORD, login, make_user


def test_passwords_are_stored_as_argon2_hashes(app: Flask) -> None:
    user = make_user()
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app: Flask) -> None:
    user = make_user()
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"email": user.email, "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Email or password is incorrect" in response.text


def test_five_failures_lock_the_account_even_for_the_right_password(app: Flask) -> None:
    user = make_user()
    client = app.test_client()
    for _ in range(5):
        token = csrf_token(client.get("/login").text)
        client.post("/login", data={"email": user.email, "password": "bad", "csrf_token": token})
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Too many failed attempts" in response.text
    assert db.session.get(User, user.id).locked_until is not None


def test_a_form_post_without_a_csrf_token_is_rejected(app: Flask) -> None:
    client = app.test_client()
    login(client, make_user())
    response = client.post("/lines/new", data={"reference": "X1", "name": "Tony"})
    assert response.status_code == 400


def test_session_cookie_is_http_only_and_same_site(app: Flask) -> None:
    client = app.test_client()
    user = make_user()
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_carry_security_headers(app: Flask) -> None:
    response = app.test_client().get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


HOSTILE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\u2028/evil.example",
    "/\u200b/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " /lines",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_hostile_next_target_is_refused(target: str) -> None:
    assert local_path(target) is None


@pytest.mark.parametrize(
    "target", ["/", "/lines", "/replies/?label=hostile&page=2", "/replies/3#notes", "/a:b"]
)
def test_a_local_next_target_is_kept(target: str) -> None:
    assert local_path(target) == target


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_never_redirects_off_site(app: Flask, target: str) -> None:
    user = make_user()
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_triage_buttons_never_redirect_off_site(app: Flask, target: str) -> None:
    from messaging.inbound.replies import receive_reply

    reply = receive_reply(
        db.session, {"MessageSid": "SM-next", "From": "+447700900471", "Body": "hi"}
    )
    db.session.commit()
    client = app.test_client()
    login(client, make_user(role="analyst"))
    page = client.get(f"/replies/{reply.reply_id}").text
    response = client.post(
        f"/replies/{reply.reply_id}/reviewed",
        data={"next": target, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/replies/{reply.reply_id}"
