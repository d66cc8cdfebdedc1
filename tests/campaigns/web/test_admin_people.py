"""People and roles: admins add, change role, deactivate and reset; nobody locks everyone out."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from messaging.db import db
from messaging.models import User
from tests.campaigns.web.helpers import audit_actions, page_problems, post, sign_in
from tests.conftest import csrf_token
from tests.support.factories import make_user


def _admin(app: Flask):  # type: ignore[no-untyped-def]
    admin = make_user(role="admin")
    client = app.test_client()
    sign_in(client, admin)
    return admin, client


def test_adding_a_person_shows_a_one_time_password_once(app: Flask) -> None:
    _, client = _admin(app)
    response = post(
        client,
        "/admin/users/new",
        {"email": "New.Officer@Force.test", "display_name": "New Officer", "role": "officer"},
    )
    assert response.status_code == 200
    password = re.search(r'data-testid="one-time-password">([^<]+)<', response.text).group(1)
    user = db.session.scalar(select(User).where(User.email == "new.officer@force.test"))
    assert user.role == "officer" and user.must_change_password
    assert password not in user.password_hash
    assert "user_added" in audit_actions(object_type="user")
    assert password not in client.get(f"/admin/users/{user.id}").text
    assert password not in client.get("/admin/users").text


def test_adding_a_person_reports_problems_inline(app: Flask) -> None:
    admin, client = _admin(app)
    response = post(client, "/admin/users/new", {"email": "not-an-email", "role": "wizard"})
    assert response.status_code == 422
    assert 'href="#email"' in response.text and 'href="#role"' in response.text
    assert 'value="not-an-email"' in response.text
    duplicate = post(client, "/admin/users/new", {"email": admin.email, "role": "analyst"})
    assert duplicate.status_code == 422
    assert "A user with that email already exists." in duplicate.text


def test_changing_a_role_applies_at_once(app: Flask) -> None:
    _, client = _admin(app)
    person = make_user(role="analyst")
    theirs = app.test_client()
    sign_in(theirs, person)
    assert theirs.get("/replies/").status_code == 200
    response = post(
        client,
        f"/admin/users/{person.id}/role",
        {"role": "officer"},
        page=f"/admin/users/{person.id}",
    )
    assert response.status_code == 302
    assert db.session.get(User, person.id).role == "officer"
    assert theirs.get("/replies/").status_code == 403
    assert theirs.get("/lines/new").status_code == 200
    assert "user_role_changed" in audit_actions(object_type="user", object_id=str(person.id))


def test_deactivating_ends_access_and_reactivating_restores_it(app: Flask) -> None:
    _, client = _admin(app)
    person = make_user(role="officer")
    theirs = app.test_client()
    sign_in(theirs, person)
    post(client, f"/admin/users/{person.id}/deactivate", {}, page=f"/admin/users/{person.id}")
    assert db.session.get(User, person.id).active is False
    assert theirs.get("/lines/").status_code == 302  # sent to sign in
    post(client, f"/admin/users/{person.id}/reactivate", {}, page=f"/admin/users/{person.id}")
    db.session.expire_all()
    assert db.session.get(User, person.id).active is True


def test_resetting_a_password_ends_their_sessions(app: Flask) -> None:
    _, client = _admin(app)
    person = make_user(role="officer")
    theirs = app.test_client()
    sign_in(theirs, person)
    before = db.session.get(User, person.id).password_hash
    response = post(
        client, f"/admin/users/{person.id}/reset-password", {}, page=f"/admin/users/{person.id}"
    )
    assert 'data-testid="one-time-password"' in response.text
    db.session.expire_all()
    after = db.session.get(User, person.id)
    assert after.password_hash != before and after.must_change_password
    assert theirs.get("/lines/").status_code == 302
    assert "user_password_reset" in audit_actions(object_type="user")


def test_admins_cannot_lock_themselves_or_everyone_out(app: Flask) -> None:
    admin, client = _admin(app)
    page = client.get(f"/admin/users/{admin.id}")
    assert "This is your own account" in page.text
    token = csrf_token(page.text)
    client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    client.post(f"/admin/users/{admin.id}/role", data={"csrf_token": token, "role": "analyst"})
    db.session.expire_all()
    me = db.session.get(User, admin.id)
    assert me.active and me.role == "admin"


def test_one_admin_can_change_another(app: Flask) -> None:
    other_admin = make_user(role="admin")
    client = app.test_client()
    sign_in(client, make_user(role="admin"))
    response = post(
        client,
        f"/admin/users/{other_admin.id}/role",
        {"role": "supervisor"},
        page=f"/admin/users/{other_admin.id}",
    )
    assert response.status_code == 302
    assert db.session.get(User, other_admin.id).role == "supervisor"


def test_only_admins_reach_administration(app: Flask) -> None:
    for role in ("officer", "supervisor", "analyst"):
        client = app.test_client()
        sign_in(client, make_user(role=role))
        for path in ("/admin/", "/admin/users", "/admin/services/", "/admin/do-not-contact/"):
            assert client.get(path).status_code == 403, (role, path)


def test_admin_pages_have_labels_and_csrf(app: Flask) -> None:
    _, client = _admin(app)
    person = make_user(role="analyst")
    for path in ("/admin/", "/admin/users", "/admin/users/new", f"/admin/users/{person.id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page_problems(page.text) == [], path
