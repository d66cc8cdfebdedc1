"""The NCLCC sees counts across forces and no personal data: every field of its page and of
its API answer is scanned for numbers, names, references, emails and reply text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis

from campaigns.api.routes import PREFIX
from campaigns.api_tokens import issue_token
from messaging.db import db
from tests.security.force_data import SHARED, seed_force
from tests.security.test_force_isolation import _sign_in
from tests.support.factories import make_force, make_user

# Any UK mobile written as digits, in E.164 or national form, spaced or not.
PHONE = re.compile(r"(?:\+?44|0)\s?7\d{3}\s?\d{3}\s?\d{3}")


def _values(data: Any) -> list[str]:
    """Every key and value in a JSON document, as text."""
    if isinstance(data, dict):
        return [v for k, item in data.items() for v in [str(k), *_values(item)]]
    if isinstance(data, list):
        return [v for item in data for v in _values(item)]
    return [str(data)]


@pytest.mark.postgres
def test_the_national_picture_holds_counts_and_no_personal_data(
    app: Flask, redis: Redis, tmp_path: Path
) -> None:
    forces = [
        seed_force(
            "AAA", "ALPHAMARK", ["+447700900501", "+447700900502", "+447700900503"], redis, tmp_path
        ),
        seed_force(
            "BBB", "BRAVOMARK", ["+447700900701", "+447700900702", "+447700900703"], redis, tmp_path
        ),
    ]
    national = make_force("NCLCC", name="National County Lines Coordination Centre")
    user = make_user(role="nclcc", email="watch@nclcc.test", force=national)
    secret = issue_token(db.session, user, name="national")[1]
    db.session.commit()
    forbidden = [
        SHARED,
        "07700 900888",
        "who gave you my number",
        "DS Jones",
        "@aaa.test",
        "@bbb.test",
    ]
    for data in forces:
        forbidden += data.markers()
        forbidden += [u.email for u in data.users.values()]
    client = _sign_in(app, user)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/national/")
    page = client.get("/national/")
    assert page.status_code == 200
    answer = app.test_client().get(
        f"{PREFIX}/national", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 200
    fields = _values(answer.json)
    # It does say something: both forces, their three replies each, the number they share.
    by_code = {f["code"]: f for f in answer.json["forces"]}
    assert by_code["AAA"]["replies"] == 3 and by_code["BBB"]["lines"] == 1
    assert by_code["AAA"]["replies_by_label"] == {"supply_intel": 3}
    assert answer.json["pairs"] == [{"forces": ["AAA", "BBB"], "numbers_shared": 1}]
    for text in [page.get_data(as_text=True), *fields]:
        assert not PHONE.search(text), text
        for value in forbidden:
            assert value not in text, value
    # and nothing else of a force's is open to the role
    for path in ("/lines/", "/replies/", "/campaigns/", "/reports/", "/network/", "/admin/users"):
        assert client.get(path).status_code == 403, path
