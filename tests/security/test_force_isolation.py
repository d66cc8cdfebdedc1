"""No force ever sees or changes another force's rows, through any page or API path.

Force A's people (every role, signed in and by API token) walk every route of the app and
every operation of the OpenAPI document: with their own ids, with ids guessed from force B,
and with B's ids forged into query strings, forms and JSON bodies. Every answer is scanned
for B's marker words and numbers (PDFs and JSON included); afterwards B's rows must be
exactly as they were, and no row of A may point at a row of B. A route whose path takes a
parameter this walk does not know fails the test: new routes are covered or noticed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from redis import Redis
from sqlalchemy import select

from campaigns.api.routes import PREFIX
from campaigns.permissions import permission_of, role_has
from messaging.db import db
from messaging.models import MessageTemplate, Service
from tests.conftest import csrf_token
from tests.security.force_data import (
    ROLES,
    ForceData,
    cross_force_references,
    force_rows,
    national_rows,
    seed_force,
)
from tests.support.factories import PASSWORD

A_NUMBERS = ["+447700900501", "+447700900502", "+447700900503"]
B_NUMBERS = ["+447700900701", "+447700900702", "+447700900703"]
SKIP_METHODS = {"HEAD", "OPTIONS"}
# Path parameters naming no force's rows (static files, formats), exercised all the same:
# they must not leak either.
STATIC_ARGS = {"filename": "pester.css", "fmt": "csv"}


@pytest.fixture
def forces(app: Flask, redis: Redis, tmp_path: Path) -> Iterator[tuple[ForceData, ForceData]]:
    a = seed_force("AAA", "ALPHAMARK", A_NUMBERS, redis, tmp_path)
    b = seed_force("BBB", "BRAVOMARK", B_NUMBERS, redis, tmp_path)
    yield a, b


def _national_ids() -> dict[str, int]:
    """A national service and template: every force reads them, none may change them."""
    national = (Service.force_id.is_(None), MessageTemplate.force_id.is_(None))
    return {
        "service_id": db.session.scalar(select(Service.id).where(national[0]).limit(1)),
        "template_id": db.session.scalar(
            select(MessageTemplate.id).where(national[1]).order_by(MessageTemplate.id).limit(1)
        ),
    }


def _path_values(rule: Any, own: ForceData, other: ForceData) -> list[dict[str, Any]]:
    """The path arguments to try: the user's own ids, then the other force's, then national
    reference rows' for a path naming only a service or template."""
    tries = []
    national = _national_ids()
    if rule.arguments and set(rule.arguments) <= set(national):
        tries.append({name: national[name] for name in rule.arguments})
    for source in (own, other):
        values = {}
        for name in rule.arguments:
            if name in STATIC_ARGS:
                values[name] = STATIC_ARGS[name]
            elif name in source.ids:
                values[name] = source.ids[name]
            else:
                pytest.fail(
                    f"the isolation walk does not know the path parameter {name!r} "
                    f"of {rule.rule}: teach it (tests/security/test_force_isolation.py)"
                )
        tries.append(values)
    return tries


def _forged(other: ForceData) -> dict[str, Any]:
    """Every id and filter name a page or the API takes, set to the other force's values."""
    ids = other.ids
    return {
        "line": ids["line_id"],
        "line_id": ids["line_id"],
        "line_ids": ids["line_id"],
        "campaign": ids["campaign_id"],
        "campaign_id": ids["campaign_id"],
        "reply": ids["reply_id"],
        "reply_id": ids["reply_id"],
        "user_id": ids["user_id"],
        "report": ids["report_id"],
        "answer_id": ids["answer_id"],
        "outbox_id": ids["outbox_ids"][0],
        "service_id": ids["service_id"],
        "preview_service_id": ids["service_id"],
        "template_version_id": ids["template_version_id"],
        "template_version_b_id": ids["template_version_id"],
        "request_key": ids["request_key"],
        "response": "free_text",
        "text": "walk answer",
        "kind": "referred_to_service",
        "q": other.numbers[1],
        "state": "all",
        "show": "all",
        "number": other.numbers[2],
        "check_number": other.numbers[2],
        "reason": "isolation walk: forged request",
        "confirm": "yes",
        "retention_days": "30",
        "token": "nothing",
        "title": "walk",
        "body": "walk text",
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "P",
    }


def _text_of(response: Any) -> str:
    if response.mimetype == "application/pdf" and response.status_code == 200:
        reader = PdfReader(io.BytesIO(response.data))
        return "\n".join(page.extract_text() for page in reader.pages) + str(reader.metadata)
    return response.get_data(as_text=True)


def _leaks(
    response: Any, other: ForceData, where: str, sent: Any = (), own: ForceData | None = None
) -> list[str]:
    """The other force's markers in an answer, less what the request itself sent (a search
    box showing the number typed is no leak; B's rows also carry B's words, still scanned)
    and less a number the walking force's own rows now hold because its people typed it
    earlier in the walk (B's number added to A's opt-out list is A's row; A held none of
    B's markers before the walk, which the test checks)."""
    text = _text_of(response)
    typed = " ".join(str(v) for v in (sent.values() if isinstance(sent, dict) else sent))
    found = [m for m in other.markers() if m in text and not _typed(m, typed)]
    if found and own is not None:
        held = repr(force_rows(own.force.id))
        found = [m for m in found if not _typed(m, held)]
    return [f"{where}: {marker!r}" for marker in found]


def _held_markers(own: ForceData, other: ForceData) -> list[str]:
    """The other force's markers found in the walking force's own rows."""
    held = repr(force_rows(own.force.id))
    return [m for m in other.markers() if _typed(m, held)]


def _typed(marker: str, typed: str) -> bool:
    digits = "".join(ch for ch in marker if ch.isdigit())[-9:]
    return marker in typed or (len(digits) == 9 and digits in typed)


def _sign_in(app: Flask, user: Any) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert done.status_code == 302, done.text
    return client


# Signing in or out ends the walker's session: these are walked by a visitor instead.
SESSION_ENDPOINTS = frozenset({"auth.login", "auth.logout", "account.second_factor"})


def _walk_pages(
    app: Flask, client: FlaskClient, own: ForceData, other: ForceData, role: str
) -> list[str]:
    leaks = []
    forged = _forged(other)
    token = csrf_token(client.get("/account").text)
    visitor = app.test_client()
    reached: dict[str, set[int]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith(PREFIX):
            continue  # the API is walked with tokens
        walker = visitor if rule.endpoint in SESSION_ENDPOINTS else client
        for values in _path_values(rule, own, other):
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
            for method in sorted(rule.methods - SKIP_METHODS):
                where = f"{method} {path}"
                if method == "GET":
                    answer = walker.get(path)
                    reached.setdefault(rule.endpoint, set()).add(_outcome(answer))
                    leaks += _leaks(answer, other, where, own=own)
                    answer = walker.get(path, query_string=forged)
                    leaks += _leaks(answer, other, where + "?", forged, own)
                else:
                    answer = walker.post(path, data={**forged, "csrf_token": token})
                    reached.setdefault(rule.endpoint, set()).add(_outcome(answer))
                    leaks += _leaks(answer, other, where, forged, own)
    _assert_walked(app, client, role, reached)
    return leaks


def _outcome(answer: Any) -> int:
    """The status; 0 when the view was never reached (bounced to sign-in, or refused before
    it ran for a missing or stale CSRF token: the app's bare 400 page)."""
    location = answer.headers.get("Location", "")
    if answer.status_code == 302 and "/login" in location:
        return 0
    if answer.status_code == 400 and "could not be understood" in answer.get_data(as_text=True):
        return 0
    return answer.status_code


def _assert_walked(
    app: Flask, client: FlaskClient, role: str, reached: dict[str, set[int]]
) -> None:
    """The walk is not blind: the session survived it, and every page the role may use was
    reached (not bounced to sign-in, not refused for a stale CSRF token or a permission the
    role holds) at least once."""
    assert client.get("/account").status_code == 200, f"{role}'s session ended mid-walk"
    for endpoint, outcomes in reached.items():
        permission = permission_of(app.view_functions[endpoint])
        if endpoint in SESSION_ENDPOINTS or not role_has(role, permission or ""):
            continue
        assert outcomes - {0, 403}, f"{role} never reached {endpoint}: {sorted(outcomes)}"


def _walk_api(app: Flask, secret: str, own: ForceData, other: ForceData) -> list[str]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    forged = _forged(other)
    body = {**forged, "line_ids": [other.ids["line_id"]], "text": "walk", "name": "walk"}
    leaks = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX):
            continue
        for values in _path_values(rule, own, other):
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
            for method in sorted(rule.methods - SKIP_METHODS):
                where = f"API {method} {path}"
                if method == "GET":
                    leaks += _leaks(client.get(path, headers=headers), other, where, own=own)
                    query = {k: v for k, v in forged.items() if k in ("line", "campaign", "q")}
                    answer = client.get(path, headers=headers, query_string=query)
                    leaks += _leaks(answer, other, where + "?", query, own)
                else:
                    answer = client.post(path, headers=headers, json=body)
                    leaks += _leaks(answer, other, where, forged, own)
    return leaks


@pytest.mark.postgres
def test_no_page_or_api_path_shows_or_changes_another_forces_rows(
    app: Flask, forces: tuple[ForceData, ForceData]
) -> None:
    a, b = forces
    before = force_rows(b.force.id)
    national_before = national_rows()
    assert _held_markers(a, b) == []  # so any found in A's rows later, A's people typed
    leaks: list[str] = []
    for role in ROLES:
        client = _sign_in(app, a.users[role])
        leaks += [f"{role}: {leak}" for leak in _walk_pages(app, client, a, b, role)]
        leaks += [f"{role} token: {leak}" for leak in _walk_api(app, a.tokens[role], a, b)]
    assert leaks == [], "\n".join(leaks)
    db.session.rollback()
    assert force_rows(b.force.id) == before
    assert national_rows() == national_before, "a force changed national reference data"
    assert cross_force_references() == []


@pytest.mark.postgres
def test_the_walk_sees_the_forces_own_data_so_its_scan_can_fail(
    app: Flask, forces: tuple[ForceData, ForceData]
) -> None:
    """The same scan finds B's markers when B's own people look: the walk is not blind."""
    _a, b = forces
    client = _sign_in(app, b.users["officer"])
    page = client.get(f"/lines/{b.ids['line_id']}")
    assert _leaks(page, b, "own line page"), "B's own line page shows none of B's markers"
    analyst = _sign_in(app, b.users["analyst"])
    assert _leaks(analyst.get(f"/reports/{b.ids['report_id']}.pdf"), b, "own PDF")
    assert _leaks(analyst.get("/replies/"), b, "own reply log")
    headers = {"Authorization": f"Bearer {b.tokens['analyst']}"}
    assert _leaks(app.test_client().get(f"{PREFIX}/replies", headers=headers), b, "own API")
    assert force_rows(b.force.id)["lines"], "the snapshot must hold B's rows"


@pytest.mark.postgres
def test_counts_and_lists_hold_only_the_forces_own_rows(
    app: Flask, forces: tuple[ForceData, ForceData]
) -> None:
    a, _b = forces
    for role, path, total in [
        ("officer", "/lines", 1),
        ("officer", "/campaigns", 1),
        ("analyst", "/replies", 3),
        ("analyst", "/suppressions", 1),
    ]:
        headers = {"Authorization": f"Bearer {a.tokens[role]}"}
        answer = app.test_client().get(PREFIX + path, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json["total"] == total, path
