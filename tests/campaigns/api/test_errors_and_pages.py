"""Every API failure has the same body; lists are paged the same way."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from flask import Flask

from campaigns.app import create_app
from campaigns.permissions import PUBLIC
from messaging.config import Settings
from tests.campaigns.api.helpers import bearer, error_of
from tests.support.factories import make_line, make_user


@pytest.fixture
def officer(app: Flask) -> dict[str, str]:
    return bearer(make_user(role="officer"))


def test_an_unknown_api_path_answers_404_in_json(app: Flask, officer: dict[str, str]) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v2/lines", "/api/"):
        response = app.test_client().get(path, headers=officer)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_a_missing_object_answers_404_naming_it(app: Flask, officer: dict[str, str]) -> None:
    response = app.test_client().get("/api/v1/lines/4242", headers=officer)
    assert response.status_code == 404
    assert "Line 4242" in error_of(response)["message"]


@pytest.mark.postgres
def test_an_id_beyond_32_bits_is_simply_not_found(app: Flask, officer: dict[str, str]) -> None:
    response = app.test_client().get(f"/api/v1/campaigns/{2**63}", headers=officer)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_method_the_path_does_not_take_answers_405_with_allow(
    app: Flask, officer: dict[str, str]
) -> None:
    response = app.test_client().delete("/api/v1/lines", headers=officer)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_invalid_json_answers_400(app: Flask, officer: dict[str, str]) -> None:
    response = app.test_client().post(
        "/api/v1/lines", headers=officer, data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_a_form_body_where_json_is_expected_answers_415(
    app: Flask, officer: dict[str, str]
) -> None:
    response = app.test_client().post(
        "/api/v1/lines", headers=officer, data={"reference": "X", "name": "Y"}
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_validation_errors_give_a_message_per_field(app: Flask, officer: dict[str, str]) -> None:
    response = app.test_client().post(
        "/api/v1/lines",
        headers=officer,
        json={"reference": "bad ref!", "retention_days": True, "unknown": 1},
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"reference", "name", "retention_days", "unknown"}
    assert all(isinstance(m, list) and m for m in error["fields"].values())


def test_nested_validation_errors_are_named_by_their_path(
    app: Flask, officer: dict[str, str]
) -> None:
    response = app.test_client().post(
        "/api/v1/campaigns", headers=officer, json={"line_ids": [1, "two"], "kinds": ["pager"]}
    )
    fields = error_of(response)["fields"]
    assert response.status_code == 422
    assert "line_ids.1" in fields and "kinds.0" in fields


@pytest.mark.parametrize("value", ["0x1F", "1.5", "true", "", "99999999999999999999"])
def test_query_numbers_must_be_plain_integers_in_range(
    app: Flask, officer: dict[str, str], value: str
) -> None:
    response = app.test_client().get(f"/api/v1/lines?page={value}", headers=officer)
    assert response.status_code == 422
    assert "page" in error_of(response)["fields"]


def test_per_page_has_a_maximum(app: Flask, officer: dict[str, str]) -> None:
    response = app.test_client().get("/api/v1/lines?per_page=101", headers=officer)
    assert response.status_code == 422
    assert "per_page" in error_of(response)["fields"]


@pytest.mark.postgres
def test_lists_are_paged_with_the_total(app: Flask, officer: dict[str, str]) -> None:
    for n in range(5):
        make_line(reference=f"PAGE/{n}")
    client = app.test_client()
    first = client.get("/api/v1/lines?per_page=2", headers=officer).get_json()
    third = client.get("/api/v1/lines?per_page=2&page=3", headers=officer).get_json()
    beyond = client.get("/api/v1/lines?per_page=2&page=9", headers=officer).get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert len(first["items"]) == 2 and len(third["items"]) == 1 and beyond["items"] == []
    seen = [
        i["reference"]
        for p in (1, 2, 3)
        for i in client.get(f"/api/v1/lines?per_page=2&page={p}", headers=officer).get_json()[
            "items"
        ]
    ]
    assert sorted(seen) == [f"PAGE/{n}" for n in range(5)]


def test_an_oversized_request_answers_413_in_json(settings: Settings, app: Flask) -> None:
    small = create_app(replace(settings, max_upload_bytes=4096))
    with small.app_context():
        headers = bearer(make_user(role="officer"))
        line = make_line()
        response = small.test_client().post(
            f"/api/v1/lines/{line.id}/imports",
            headers=headers,
            data={"file": (io.BytesIO(b"0" * 10_000), "big.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
        assert error_of(response)["code"] == "too_large"
        response = small.test_client().post(
            "/api/v1/lines", headers=headers, json={"reference": "R", "name": "x" * 10_000}
        )
        assert response.status_code == 413


def test_an_unexpected_failure_answers_500_in_json(app: Flask) -> None:
    def explode() -> str:
        raise RuntimeError("boom")

    explode.permission = PUBLIC  # type: ignore[attr-defined]
    app.add_url_rule("/api/v1/explode", "explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/api/v1/explode")
    assert response.status_code == 500
    assert error_of(response)["code"] == "server_error"
    assert "boom" not in response.text


@pytest.mark.parametrize("body", [b" ", b"\x0b", b"\n\n"])
def test_a_blank_body_is_not_json(app: Flask, officer: dict[str, str], body: bytes) -> None:
    response = app.test_client().post(
        "/api/v1/lines", headers=officer, data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"
