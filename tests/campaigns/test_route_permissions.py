"""Every route has an explicit permission decision, and it is enforced."""

from __future__ import annotations

import pytest
from flask import Flask

from campaigns.permissions import PERMISSIONS, SPECIAL, permission_of
from tests.support.factories import login, make_user


def test_every_registered_route_declares_a_permission(app: Flask) -> None:
    undecided = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if permission_of(app.view_functions[rule.endpoint]) is None
    ]
    assert undecided == []


def test_every_declared_permission_is_known(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        permission = permission_of(app.view_functions[rule.endpoint])
        assert permission in PERMISSIONS or permission in SPECIAL, rule.rule


def test_a_view_without_a_decision_is_refused(app: Flask) -> None:
    app.add_url_rule("/undecided", "undecided", lambda: "secret")
    assert app.test_client().get("/undecided").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask) -> None:
    response = app.test_client().get("/lines/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("officer", "/lines/", True),
        ("analyst", "/lines/new", False),
        ("officer", "/replies/", False),
        ("analyst", "/replies/", True),
        ("admin", "/lines/", False),
        ("supervisor", "/campaigns/new", False),
        ("officer", "/campaigns/new", True),
    ],
)
def test_roles_reach_only_their_pages(app: Flask, role: str, path: str, allowed: bool) -> None:
    client = app.test_client()
    login(client, make_user(role=role))
    status = client.get(path).status_code
    assert (status == 200) is allowed, status
    if not allowed:
        assert status == 403
