"""Access control walked over every route: roles, CSRF, headers, sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from campaigns.app import create_app, csrf
from campaigns.permissions import SPECIAL, permission_of, role_has
from messaging import config
from messaging.db import db
from messaging.models import User
from tests.security.helpers import fresh_token, sign_in
from tests.support.factories import make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "campaigns" / "templates"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Blueprints that authenticate each request another way and so take no CSRF token.
CSRF_EXEMPT = {"webhooks": "carrier signature", "api_v1": "bearer token"}
# Sign-out is checked on its own: walking it would end the walk's session.
NOT_WALKED = {"static", "auth.logout"}


def _url(app: Flask, rule: Rule) -> str:
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 999_999  # no such row: permission is decided before the 404
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            length = re.search(r"\{(\d+)\}", converter.regex)
            values[name] = "a" * int(length.group(1)) if length else "x"
    return app.url_map.bind("localhost").build(rule.endpoint, values, force_external=False)


def _walked_rules(app: Flask) -> list[Rule]:
    rules = []
    for rule in app.url_map.iter_rules():
        permission = permission_of(app.view_functions[rule.endpoint])
        if rule.endpoint in NOT_WALKED or permission in SPECIAL:
            continue
        if rule.rule.startswith("/api/"):
            continue  # bearer tokens only: the API's own tests walk it per token role
        rules.append(rule)
    return rules


@pytest.mark.parametrize("role", ["officer", "supervisor", "analyst", "admin"])
def test_each_role_reaches_exactly_the_routes_its_permissions_allow(app: Flask, role: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash on dummy ids is not a 403
    client = app.test_client()
    sign_in(client, make_user(role=role))
    token = fresh_token(client, "/account")
    walked = 0
    for rule in _walked_rules(app):
        permission = permission_of(app.view_functions[rule.endpoint])
        allowed = role_has(role, permission)
        url = _url(app, rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            walked += 1
            where = f"{role} {method} {rule.rule} ({permission})"
            if allowed:
                assert response.status_code not in (401, 403), where
                assert "/login" not in response.headers.get("Location", ""), where
            else:
                assert response.status_code == 403, f"{where}: {response.status_code}"
    assert walked > 40


def test_signed_out_visitors_are_sent_to_sign_in_from_every_page(app: Flask) -> None:
    client = app.test_client()
    for rule in _walked_rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(_url(app, rule))
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/login"), rule.rule


def test_every_form_route_refuses_a_post_without_a_csrf_token(app: Flask) -> None:
    signed_in = app.test_client()
    sign_in(signed_in, make_user(role="admin"))
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.methods & UNSAFE or rule.endpoint == "static":
            continue
        if rule.endpoint.split(".")[0] in CSRF_EXEMPT:
            continue
        url = _url(app, rule)
        for client in (app.test_client(), signed_in):
            response = client.post(url, data={"anything": "1"})
            assert response.status_code == 400, f"{rule.rule}: {response.status_code}"
            forged = client.post(url, data={"csrf_token": "forged"})
            assert forged.status_code == 400, rule.rule
        checked += 1
    assert checked > 20


def test_only_the_signed_webhooks_and_the_token_api_skip_csrf(app: Flask) -> None:
    exempt = {getattr(b, "name", b) for b in csrf._exempt_blueprints}
    assert exempt <= set(CSRF_EXEMPT)
    assert not csrf._exempt_views
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in exempt or not rule.methods & UNSAFE:
            continue
        response = client.post(_url(app, rule), data={"From": "+447700900123", "Body": "hi"})
        # Refused for want of a signature (403) or a token (401), never processed.
        assert response.status_code in (401, 403), rule.rule


def test_sign_out_needs_a_token_and_ends_the_session(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user())
    assert client.post("/logout").status_code == 400
    token = fresh_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_pages_carry_a_strict_content_security_policy_and_refuse_framing(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user(role="admin"))
    for path in ("/login", "/account", "/admin/audit/", "/admin/retention/", "/health"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert directives["object-src"] == "'none'", path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "no-store" in headers["Cache-Control"], path
        assert "Strict-Transport-Security" not in headers  # plain-HTTP development


def test_production_adds_hsts_and_secure_host_only_cookies(
    tmp_path: Path, redis_db_url: str
) -> None:
    settings = config.test_settings(
        tmp_path,
        env="production",
        testing=False,
        redis_url=redis_db_url,
        public_base_url="https://pester.force.example",
    )
    app = create_app(settings)
    try:
        response = app.test_client().get("/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    finally:
        db.dispose()


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    """The CSP forbids them, so they would silently break: keep them out of the source."""
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)[^>]*>", "inline script"),
            (r"<style\b", "style block"),
            (r"\sstyle\s*=", "style attribute"),
            (r"\son[a-z]+\s*=", "event handler attribute"),
            (r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", "javascript: URL"),
        ):
            if re.search(pattern, text, re.IGNORECASE):
                problems.append(f"{path.relative_to(TEMPLATES)}: {what}")
    assert problems == []


def test_an_idle_session_ends_after_the_timeout(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user())
    assert client.get("/account").status_code == 200
    limit = app.config["SESSION_TIMEOUT"]
    with client.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - limit + timedelta(minutes=1)).timestamp()
    assert client.get("/account").status_code == 200  # still inside: and the clock restarts
    with client.session_transaction() as session:
        assert datetime.now(UTC).timestamp() - session["last_seen"] < 60
        session["last_seen"] = (datetime.now(UTC) - limit - timedelta(seconds=1)).timestamp()
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_a_password_change_elsewhere_ends_other_sessions(app: Flask) -> None:
    user = make_user()
    client = app.test_client()
    sign_in(client, user)
    stored = db.session.get(User, user.id)
    stored.password_hash = stored.password_hash[:-4] + "AAAA"  # as if changed elsewhere
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_a_deactivated_user_is_signed_out_at_the_next_request(app: Flask) -> None:
    user = make_user()
    client = app.test_client()
    sign_in(client, user)
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(("proxies", "expected"), [(0, "127.0.0.1"), (1, "198.51.100.23")])
def test_the_client_address_comes_from_a_trusted_proxy_only(
    tmp_path: Path, database_url: str, redis_db_url: str, proxies: int, expected: str
) -> None:
    from sqlalchemy import select

    from messaging.db import Base
    from messaging.models import AuditEvent
    from tests.support.factories import PASSWORD

    settings = config.test_settings(
        tmp_path, database_url=database_url, redis_url=redis_db_url, trusted_proxies=proxies
    )
    app = create_app(settings)
    try:
        if db.engine.dialect.name == "postgresql":
            Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        user = make_user()
        client = app.test_client()
        forwarded = {"X-Forwarded-For": "198.51.100.23"}
        token = fresh_token(client)
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
            headers=forwarded,
        )
        assert response.status_code == 302
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signed_in"))
        assert entry.ip == expected
    finally:
        db.dispose()
