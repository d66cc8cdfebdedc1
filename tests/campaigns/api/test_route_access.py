"""Every API route, walked with each role's token: exactly the permitted ones get through."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Rule

from campaigns.api.routes import PREFIX
from campaigns.permissions import PUBLIC, permission_of, role_has
from tests.campaigns.api.helpers import bearer, error_of
from tests.support.factories import make_user

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX)]
    assert len(rules) > 15
    return rules


def _url(app: Flask, rule: Rule) -> str:
    values = dict.fromkeys(rule.arguments, 999_999)  # no such row: permission comes first
    return app.url_map.bind("localhost").build(rule.endpoint, values)


@pytest.mark.parametrize("role", ["officer", "supervisor", "analyst", "admin"])
def test_each_role_reaches_exactly_the_api_routes_its_permissions_allow(
    app: Flask, role: str
) -> None:
    headers = bearer(make_user(role=role))
    client = app.test_client()
    for rule in _api_rules(app):
        permission = permission_of(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) & METHODS):
            response = client.open(_url(app, rule), method=method, headers=headers, json={})
            where = f"{role} {method} {rule.rule} ({permission})"
            if permission == PUBLIC or role_has(role, permission):
                assert response.status_code not in (401, 403), where
            else:
                assert response.status_code == 403, f"{where}: {response.status_code}"
                assert error_of(response)["code"] == "forbidden"


def test_without_a_token_every_api_route_but_the_document_answers_401(app: Flask) -> None:
    client = app.test_client()
    for rule in _api_rules(app):
        permission = permission_of(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) & METHODS):
            response = client.open(_url(app, rule), method=method, json={})
            if permission == PUBLIC:
                assert response.status_code == 200, rule.rule
            else:
                assert response.status_code == 401, f"{method} {rule.rule}"
