"""Hostile input over HTTP: script in stored text, SQL in searches, formulas in exports,
path tricks in uploads, oversized requests and forged carrier webhooks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import FileStorage

from campaigns.app import create_app
from campaigns.uploads import UploadError, safe_filename, save_upload, upload_dir, upload_path
from messaging import config, runtime
from messaging.crypto import lookup_hash
from messaging.db import Base, db
from messaging.models import Line, MessageTemplate, Reply, TemplateVersion
from tests.security.helpers import fresh_token, sign_in
from tests.support.factories import make_line, make_user

SCRIPT = "<script>alert('pwned')</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = [
    "' OR '1'='1",
    "'; DROP TABLE lines; --",
    '" OR ""="',
    "1) UNION SELECT email, password_hash FROM users --",
    "%' OR 1=1 --",
]


def _reply(body: str, **fields: object) -> Reply:
    number = "+447700900321"
    reply = Reply(
        provider_id=f"SM{abs(hash(body)) % 10**30:030d}",
        phone_hash=lookup_hash(number),
        phone=number,
        body=body,
        labels=["other"],
        **fields,
    )
    db.session.add(reply)
    db.session.commit()
    return reply


def _assert_escaped(html: str, payload: str) -> None:
    assert payload not in html
    assert "<script>alert" not in html and "<img src=x" not in html


# -- cross-site scripting ---------------------------------------------------------------


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_reply_text_is_shown_escaped_in_the_reply_log(app: Flask, payload: str) -> None:
    reply = _reply(f"hello {payload}")
    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    for path in ("/replies/", f"/replies/{reply.id}", f"/replies/numbers/{reply.phone_hash}"):
        page = client.get(path)
        assert page.status_code == 200, path
        _assert_escaped(page.text, payload)
        assert "hello" in page.text, path


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_line_names_and_references_are_shown_escaped(app: Flask, payload: str) -> None:
    line = make_line(name=f"Tony {payload}", operation=payload, force_area=payload)
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    for path in ("/lines/", f"/lines/{line.id}", "/"):
        page = client.get(path)
        assert page.status_code == 200, path
        _assert_escaped(page.text, payload)


def test_saved_contact_names_are_never_shown_and_so_cannot_inject(
    app: Flask, tmp_path: Path
) -> None:
    from messaging.intake.contact_import import import_contacts

    line = make_line()
    extraction = tmp_path / "names.csv"
    extraction.write_text(f'Name,Mobile\n"{SCRIPT}",07700 900555\n', encoding="utf-8")
    with db.transaction() as session:
        import_contacts(session, session.get(Line, line.id), extraction, filename="names.csv")
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    page = client.get(f"/lines/{line.id}")
    assert page.status_code == 200
    assert "alert(" not in page.text  # neither raw nor escaped: saved names are evidence only


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_template_text_is_shown_escaped(app: Flask, payload: str) -> None:
    template = MessageTemplate(slug="hostile", name=f"Hostile {payload}", purpose="treatment")
    db.session.add(template)
    db.session.flush()
    db.session.add(
        TemplateVersion(template_id=template.id, version=1, body=f"Help is here {payload}")
    )
    db.session.commit()
    client = app.test_client()
    sign_in(client, make_user(role="admin"))
    page = client.get(f"/templates/{template.id}")
    assert page.status_code == 200
    assert "Help is here" in page.text
    _assert_escaped(page.text, payload)


# -- SQL injection ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", SQL)
def test_sql_in_search_fields_is_searched_for_literally(app: Flask, payload: str) -> None:
    make_line(reference="KESTREL/1", name="Tony")
    _reply("who is this")
    searches = {
        "officer": [f"/lines/?q={payload}", f"/lines/?show=all&q={payload}"],
        "analyst": [f"/replies/?q={payload}", f"/intelligence/?q={payload}"],
        "admin": [
            f"/admin/audit/?actor={payload}&action={payload}&object_id={payload}",
            f"/opt-outs/?q={payload}",
        ],
    }
    for role, paths in searches.items():
        client = app.test_client()
        sign_in(client, make_user(role=role))
        for path in paths:
            page = client.get(path)
            assert page.status_code in (200, 400), (path, page.status_code)
            assert "$argon2" not in page.text  # no password hash leaked by a UNION
            if path.startswith("/lines/"):
                # Injected, these would match every line; searched literally, none.
                assert "KESTREL/1" not in page.text, path
    assert db.session.scalar(select(func.count()).select_from(Line)) == 1


def test_the_line_search_still_finds_what_it_should(app: Flask) -> None:
    make_line(reference="KESTREL/1", name="Tony")
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    assert "KESTREL/1" in client.get("/lines/?q=kestrel").text
    assert "KESTREL/1" not in client.get("/lines/?q=' OR '1'='1").text


# -- CSV formula injection in exports ---------------------------------------------------


@pytest.mark.parametrize(
    "body", ['=HYPERLINK("http://evil.test","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
)
def test_reply_exports_defuse_formulas(app: Flask, body: str) -> None:
    _reply(body)
    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    response = client.get("/replies/export/replies.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0]["reply_text"] == "'" + body
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "-", "@")), value


# -- uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["../../secret_key", "..%2F..%2Fdata_key", "/etc/passwd", "a/../../b" * 3, "", "x" * 65],
)
def test_an_upload_token_cannot_reach_outside_the_upload_folder(tmp_path: Path, token: str) -> None:
    (tmp_path / "secret_key").write_text("do not read")
    with pytest.raises(UploadError):
        upload_path(tmp_path, token)


def test_an_uploaded_files_own_name_never_chooses_where_it_is_stored(tmp_path: Path) -> None:
    upload = FileStorage(io.BytesIO(b"Name,Mobile\n"), filename="../../../instance/secret_key")
    token, path = save_upload(tmp_path, upload, max_bytes=1024)
    assert path.parent == upload_dir(tmp_path)
    assert path.name == token and ".." not in token and "/" not in token
    assert safe_filename("../../../instance/secret_key") == "secret_key"
    assert safe_filename("..\\..\\windows\\evil.csv") == "evil.csv"
    assert "/" not in safe_filename("a/b<script>.csv") and "<" not in safe_filename("<x>.csv")


def test_confirming_an_import_with_a_crafted_token_reads_nothing(app: Flask) -> None:
    line = make_line()
    settings = runtime.current().settings
    (settings.instance_dir / "secret.csv").write_text("Name,Mobile\nA,07700 900777\n")
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    token = fresh_token(client, f"/lines/{line.id}")
    response = client.post(
        f"/lines/{line.id}/import/confirm",
        data={"token": "../secret.csv", "filename": "x.csv", "csrf_token": token},
    )
    assert response.status_code in (302, 400)
    from messaging.models import Contact

    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


# -- oversized requests -----------------------------------------------------------------


def test_a_request_larger_than_the_limit_is_refused_with_413(
    tmp_path: Path, database_url: str, redis_db_url: str
) -> None:
    settings = config.test_settings(
        tmp_path, database_url=database_url, redis_url=redis_db_url, max_upload_bytes=4096
    )
    app = create_app(settings)
    try:
        Base.metadata.create_all(db.engine)
        client = app.test_client()
        line = make_line()
        sign_in(client, make_user(role="officer"))
        token = fresh_token(client, f"/lines/{line.id}")
        big = io.BytesIO(b"Name,Mobile\n" + b"A,07700 900123\n" * 1000)
        response = client.post(
            f"/lines/{line.id}/import",
            data={"csrf_token": token, "file": (big, "big.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
        assert "too large" in response.text
        huge_form = client.post("/login", data={"email": "a" * 10_000, "password": "x"})
        assert huge_form.status_code == 413
    finally:
        db.dispose()


def test_an_oversized_webhook_is_refused_before_its_signature_is_checked(app: Flask) -> None:
    response = app.test_client().post(
        "/webhooks/twilio/inbound", data={"From": "+447700900123", "Body": "x" * 70_000}
    )
    assert response.status_code == 413


# -- forged webhooks --------------------------------------------------------------------


def _signed(token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(token).compute_signature(url, params)


@pytest.mark.parametrize("path", ["/webhooks/twilio/inbound", "/webhooks/twilio/status"])
def test_forged_webhooks_are_refused_and_change_nothing(
    tmp_path: Path, database_url: str, redis_db_url: str, path: str
) -> None:
    settings = config.test_settings(
        tmp_path,
        database_url=database_url,
        redis_url=redis_db_url,
        twilio_auth_token="the-carriers-auth-token",
    )
    app = create_app(settings)
    try:
        if db.engine.dialect.name == "postgresql":
            Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        _post_forgeries(app, settings, path)
    finally:
        db.dispose()


def _post_forgeries(app: Flask, settings: config.Settings, path: str) -> None:
    url = settings.public_base_url + path
    params = {
        "MessageSid": "SM" + "f" * 32,
        "MessageStatus": "delivered",
        "From": "+447700900123",
        "To": "+447700900000",
        "Body": "STOP",
        "AccountSid": settings.twilio_account_sid,
    }
    client = app.test_client()
    forgeries = {
        "unsigned": {},
        "garbage": {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "wrong key": {"X-Twilio-Signature": _signed("not-the-auth-token", url, params)},
        "another url": {
            "X-Twilio-Signature": _signed(
                settings.twilio_auth_token, "https://evil.test" + path, params
            )
        },
        "other params": {
            "X-Twilio-Signature": _signed(
                settings.twilio_auth_token, url, {**params, "Body": "hello"}
            )
        },
    }
    for name, headers in forgeries.items():
        response = client.post(path, data=params, headers=headers)
        assert response.status_code == 403, name
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 0
    genuine = client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": _signed(settings.twilio_auth_token, url, params)},
    )
    assert genuine.status_code in (200, 204)
