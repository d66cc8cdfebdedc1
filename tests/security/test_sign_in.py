"""Signing in: rate limits per address and per account, the optional second factor, and
your own account page."""

from __future__ import annotations

import re
import time
import urllib.parse

import pyotp
import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import select

from campaigns import two_factor
from campaigns.login_throttle import LoginThrottle, Throttled, Window
from messaging.db import db
from messaging.models import AuditEvent, User
from tests.security.helpers import fresh_token, sign_in
from tests.support.factories import PASSWORD, make_user


def _attempt(client, email: str, password: str, *, address: str = "203.0.113.5"):  # type: ignore[no-untyped-def]
    token = fresh_token(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_account_is_slowed_after_ten_failures_even_from_many_addresses(app: Flask) -> None:
    user = make_user()
    client = app.test_client()
    for n in range(10):
        response = _attempt(client, user.email, "wrong", address=f"198.51.100.{n}")
        assert response.status_code == 401
        # Keep the database lockout out of the way: this checks the Redis window alone.
        db.session.get(User, user.id).failed_logins = 0
        db.session.commit()
    refused = _attempt(client, user.email, PASSWORD, address="198.51.100.99")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.text


def test_an_address_is_slowed_after_thirty_failures_across_accounts(app: Flask) -> None:
    client = app.test_client()
    for n in range(30):
        assert _attempt(client, f"nobody{n}@force.test", "wrong").status_code == 401
    user = make_user()
    assert _attempt(client, user.email, PASSWORD).status_code == 429
    # Another address is not affected.
    assert _attempt(client, user.email, PASSWORD, address="203.0.113.77").status_code == 302


def test_successful_sign_ins_do_not_count_against_a_shared_address(app: Flask) -> None:
    user = make_user()
    for _ in range(31):  # one more than the address window allows for failures
        client = app.test_client()
        assert _attempt(client, user.email, PASSWORD).status_code == 302


def test_the_windows_slide(redis: Redis) -> None:
    throttle = LoginThrottle(
        redis, prefix="t", per_address=Window(3, 1), per_account=Window(100, 1)
    )
    for _ in range(3):
        throttle.failed("10.0.0.1", "a@b.test")
    with pytest.raises(Throttled) as refused:
        throttle.check("10.0.0.1", "a@b.test")
    assert refused.value.scope == "address"
    time.sleep(1.1)
    throttle.check("10.0.0.1", "a@b.test")  # the old failures aged out


def test_an_unreachable_redis_leaves_the_database_lockout_in_charge() -> None:
    throttle = LoginThrottle(Redis(port=1, socket_connect_timeout=0.2))
    throttle.failed("10.0.0.1", "a@b.test")
    throttle.check("10.0.0.1", "a@b.test")  # no exception: the check is skipped


def test_redis_holds_no_staff_email_addresses(app: Flask, redis: Redis) -> None:
    user = make_user(email="someone.private@force.test")
    _attempt(app.test_client(), user.email, "wrong")
    keys = [k.decode() for k in redis.keys("*login-fail*")]
    assert keys and not any("someone" in k for k in keys)


# -- the second factor ------------------------------------------------------------------


def _enable_totp(app: Flask, user: User) -> tuple[str, object]:
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    uri = re.search(r'<code class="uri">([^<]+)</code>', page.text).group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/")
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    token = fresh_token(client, "/account/two-factor")
    wrong = client.post("/account/two-factor", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400
    code = pyotp.TOTP(secret).now()
    done = client.post("/account/two-factor", data={"code": code, "csrf_token": token})
    assert done.status_code == 302
    return secret, client


def test_the_set_up_page_shows_the_key_as_text_and_uses_no_outside_service(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user())
    page = client.get("/account/two-factor").text
    assert 'class="secret"' in page and "otpauth://totp/pester" in page
    assert "<img" not in page
    assert not re.search(r'(?:src|href)="https?://', page)


def test_signing_in_with_a_second_factor_asks_for_the_code(app: Flask) -> None:
    user = make_user()
    secret, _ = _enable_totp(app, user)
    assert db.session.get(User, user.id).totp_secret == secret  # stored encrypted
    client = app.test_client()
    first = _attempt(client, user.email, PASSWORD)
    assert first.status_code == 302 and first.headers["Location"] == "/login/code"
    assert client.get("/account").status_code == 302  # not signed in yet
    token = fresh_token(client, "/login/code")
    bad = client.post("/login/code", data={"code": "123456", "csrf_token": token})
    assert bad.status_code == 401
    # The code of the step just before: the same step as set-up's was spent there.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    good = client.post("/login/code", data={"code": code, "csrf_token": token})
    assert good.status_code == 302
    assert client.get("/account").status_code == 200
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "signed_in").order_by(AuditEvent.id.desc())
    ).first()
    assert entry.details == {"second_factor": True}

    # The same code cannot be used again (someone read it over a shoulder).
    again = app.test_client()
    _attempt(again, user.email, PASSWORD)
    token = fresh_token(again, "/login/code")
    replay = again.post("/login/code", data={"code": code, "csrf_token": token})
    assert replay.status_code == 401


def test_wrong_codes_lock_the_account_like_wrong_passwords(app: Flask) -> None:
    user = make_user()
    _enable_totp(app, user)
    client = app.test_client()
    _attempt(client, user.email, PASSWORD)
    token = fresh_token(client, "/login/code")
    for _ in range(5):
        client.post("/login/code", data={"code": "000000", "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    assert _attempt(app.test_client(), user.email, PASSWORD).status_code == 401


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(app: Flask) -> None:
    response = app.test_client().get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_turning_the_second_factor_off_needs_the_password_and_a_code(app: Flask) -> None:
    user = make_user()
    secret, client = _enable_totp(app, user)
    token = fresh_token(client, "/account/two-factor")
    refused = client.post(
        "/account/two-factor/disable",
        data={"current_password": "wrong", "code": pyotp.TOTP(secret).now(), "csrf_token": token},
    )
    assert refused.status_code == 400
    done = client.post(
        "/account/two-factor/disable",
        data={
            "current_password": PASSWORD,
            "code": pyotp.TOTP(secret).at(time.time() - 30),
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"second_factor_enabled", "second_factor_disabled"} <= actions


def test_codes_within_one_step_of_drift_are_accepted_and_others_are_not() -> None:
    secret = two_factor.new_secret()
    now = 1_700_000_000.0
    totp = pyotp.TOTP(secret)
    assert two_factor.code_matches(secret, totp.at(now), at=now) is not None
    assert two_factor.code_matches(secret, totp.at(now - 30), at=now) is not None
    assert two_factor.code_matches(secret, totp.at(now - 90), at=now) is None
    assert two_factor.code_matches(secret, "12345", at=now) is None
    assert two_factor.code_matches(secret, "abcdef", at=now) is None


# -- your own account -------------------------------------------------------------------


def _change(client, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    token = fresh_token(client, "/account")
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
            "csrf_token": token,
        },
    )


def test_changing_your_password_checks_the_current_one_and_ends_other_sessions(
    app: Flask,
) -> None:
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(elsewhere, user)
    assert _change(here, "wrong password", "a much better passphrase").status_code == 400
    assert _change(here, PASSWORD, "short").status_code == 400
    assert _change(here, PASSWORD, "a much better passphrase", "different").status_code == 400
    assert _change(here, PASSWORD, "a much better passphrase").status_code == 302
    assert here.get("/account").status_code == 200  # this session carries on
    assert elsewhere.get("/account").status_code == 302  # the other one ended
    assert _attempt(app.test_client(), user.email, "a much better passphrase").status_code == 302
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_changed"))
    assert entry.category == "access" and entry.actor_id == user.id


def test_a_one_time_password_must_be_changed_before_anything_else(app: Flask) -> None:
    user = make_user(role="officer")
    db.session.get(User, user.id).must_change_password = True
    db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    blocked = client.get("/lines/")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert _change(client, PASSWORD, "my own long passphrase").status_code == 302
    assert client.get("/lines/").status_code == 200


def test_pester_account_reset_two_factor_turns_it_off_and_is_audited(app: Flask) -> None:
    from click.testing import CliRunner

    from campaigns.commands.accounts import account

    user = make_user()
    _enable_totp(app, user)
    result = CliRunner().invoke(
        account, ["reset-two-factor", user.email.upper(), "--reason", "lost phone, ticket 42"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "second_factor_reset"))
    assert entry.object_id == str(user.id) and entry.reason == "lost phone, ticket 42"
    assert _attempt(app.test_client(), user.email, PASSWORD).headers["Location"] == "/"
    missing = CliRunner().invoke(account, ["reset-two-factor", "nobody@x.test", "--reason", "x"])
    assert missing.exit_code == 1


def test_without_redis_configured_the_windows_are_skipped_not_fatal() -> None:
    throttle = LoginThrottle(None)
    throttle.failed("10.0.0.1", "a@b.test")
    throttle.check("10.0.0.1", "a@b.test")
    throttle.succeeded("a@b.test")
    secret = two_factor.new_secret()
    code = pyotp.TOTP(secret).now()
    assert two_factor.verify(secret, code, user_id=1, redis=None)
    assert not two_factor.verify(
        secret, "000000" if code != "000000" else "111111", user_id=1, redis=None
    )
