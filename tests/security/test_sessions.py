"""Sessions end 12 hours after sign-in however busy they are; the code page honours a
lockout; the second-factor key being set up never sits readable in the cookie."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaigns.app import create_app
from messaging.config import ConfigurationError, load_settings
from messaging.db import db, utcnow
from messaging.models import User
from tests.security.helpers import fresh_token, sign_in
from tests.support.factories import PASSWORD, IsolatingClient, make_user


def _age_sign_in(client: FlaskClient, hours: float) -> None:
    """Pretend the sign-in was ``hours`` ago while the session stayed in use."""
    with client.session_transaction() as session:
        session["signed_in_at"] = (datetime.now(UTC) - timedelta(hours=hours)).timestamp()
        session["last_seen"] = datetime.now(UTC).timestamp()


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user())
    _age_sign_in(client, 11.9)
    assert client.get("/account").status_code == 200
    _age_sign_in(client, 12.1)
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302  # the session was cleared, not just refused


def test_a_session_without_a_sign_in_time_is_not_trusted(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user())
    with client.session_transaction() as session:
        del session["signed_in_at"]
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    ("setting", "hours_ago", "signed_in"), [("1", 0.5, True), ("1", 1.5, False)]
)
def test_the_cap_comes_from_pester_session_max_hours(
    app: Flask, tmp_path: Path, setting: str, hours_ago: float, signed_in: bool
) -> None:
    configured = load_settings(
        {"PESTER_SESSION_MAX_HOURS": setting, "PESTER_INSTANCE_DIR": str(tmp_path / "env")}
    )
    assert configured.session_max_hours == float(setting)
    settings = app.extensions["pester.settings"]
    short = create_app(settings.with_overrides(session_max_hours=configured.session_max_hours))
    short.test_client_class = IsolatingClient
    client = short.test_client()
    sign_in(client, make_user())
    _age_sign_in(client, hours_ago)
    assert (client.get("/account").status_code == 200) is signed_in


@pytest.mark.parametrize("setting", ["0", "-2", "twelve"])
def test_a_session_cap_that_is_not_a_positive_number_is_refused_at_start(
    tmp_path: Path, setting: str
) -> None:
    env = {"PESTER_SESSION_MAX_HOURS": setting, "PESTER_INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(ConfigurationError, match="PESTER_SESSION_MAX_HOURS"):
        load_settings(env)


def _enable_totp(app: Flask, user: User) -> str:
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/account/two-factor").text
    uri = re.search(r'<code class="uri">([^<]+)</code>', page).group(1).replace("&amp;", "&")
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    token = fresh_token(client, "/account/two-factor")
    code = pyotp.TOTP(secret).at(time.time() - 30)
    assert (
        client.post("/account/two-factor", data={"code": code, "csrf_token": token}).status_code
        == 302
    )
    return secret


def _password_step(client: FlaskClient, user: User) -> None:
    token = fresh_token(client)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/login/code"


def test_the_code_page_refuses_an_account_locked_while_it_waited(app: Flask) -> None:
    user = make_user()
    secret = _enable_totp(app, user)
    client = app.test_client()
    _password_step(client, user)
    token = fresh_token(client, "/login/code")
    # Meanwhile someone else's wrong passwords lock the account.
    db.session.get(User, user.id).locked_until = utcnow() + timedelta(minutes=15)
    db.session.commit()
    response = client.post(
        "/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302  # not signed in


def test_the_key_being_set_up_is_not_readable_in_the_session_cookie(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user())
    page = client.get("/account/two-factor").text
    uri = re.search(r'<code class="uri">([^<]+)</code>', page).group(1).replace("&amp;", "&")
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    contents = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert secret not in json.dumps(contents, default=repr)
    # … yet the same key is offered on the next visit, so a half-done set-up still works.
    again = client.get("/account/two-factor").text
    assert secret in again
