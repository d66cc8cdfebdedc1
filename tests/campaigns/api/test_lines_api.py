"""Lines and imports over the API: register, list, read, and import an extraction."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from messaging.db import db
from messaging.intake.extractions.errors import REFUSAL_MESSAGES, RefusalCode
from messaging.models import Contact, ContactImport, Line
from tests.campaigns.api.helpers import audit_entries, bearer, error_of, token_id
from tests.support.factories import make_contacts, make_line, make_user

NUMBERS = ["07700 900101", "+44 7700 900102", "7700900103", "+44 (0)7700 900104"]
CSV = "Name,Mobile\n" + "".join(f"C{i},{n}\n" for i, n in enumerate(NUMBERS)) + "Junk,not a phone\n"


@pytest.fixture
def officer(app: Flask) -> dict[str, str]:
    return bearer(make_user(role="officer"))


def _upload(client, line_id: int, headers, content: bytes, name: str = "contacts.csv", **form):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/lines/{line_id}/imports",
        headers=headers,
        data={"file": (io.BytesIO(content), name), **form},
        content_type="multipart/form-data",
    )


def test_an_officer_registers_a_line_and_sees_its_number(
    app: Flask, officer: dict[str, str]
) -> None:
    response = app.test_client().post(
        "/api/v1/lines",
        headers=officer,
        json={
            "reference": "OP-X/1",
            "name": "Tony",
            "line_number": "07700 900999",
            "seized_on": "2026-01-31",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["line_number"] == "+447700900999"
    assert body["seized_on"] == "2026-01-31"
    line = db.session.get(Line, body["id"])
    assert line.reference == "OP-X/1" and line.retention_days > 0


def test_a_taken_reference_is_a_conflict(app: Flask, officer: dict[str, str]) -> None:
    make_line(reference="OP-X/2")
    response = app.test_client().post(
        "/api/v1/lines", headers=officer, json={"reference": "OP-X/2", "name": "Tony"}
    )
    assert response.status_code == 409
    assert error_of(response)["fields"] == {"reference": [error_of(response)["message"]]}


def test_an_invalid_line_number_is_refused_on_its_field(
    app: Flask, officer: dict[str, str]
) -> None:
    response = app.test_client().post(
        "/api/v1/lines",
        headers=officer,
        json={"reference": "OP-X/3", "name": "Tony", "line_number": "12"},
    )
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["line_number"]
    assert db.session.scalar(select(func.count()).select_from(Line)) == 0


def test_the_list_masks_line_numbers(app: Flask, officer: dict[str, str]) -> None:
    make_line(reference="OP-M/1", line_number="+447700900555")
    (item,) = app.test_client().get("/api/v1/lines", headers=officer).get_json()["items"]
    assert item["line_number"] != "+447700900555"
    assert item["line_number"].endswith("555") and "*" in item["line_number"]


@pytest.mark.postgres
def test_the_search_treats_wildcards_literally(app: Flask, officer: dict[str, str]) -> None:
    make_line(reference="OP-A/1", name="100% Tony")
    make_line(reference="OP-B/1", name="Mo")
    client = app.test_client()
    found = client.get("/api/v1/lines?q=%25", headers=officer).get_json()
    assert [i["reference"] for i in found["items"]] == ["OP-A/1"]


@pytest.mark.parametrize(("role", "full"), [("officer", True), ("analyst", False)])
def test_reading_a_line_shows_the_number_only_to_officers_and_is_audited(
    app: Flask, role: str, full: bool
) -> None:
    line = make_line(line_number="+447700900555")
    make_contacts(line, NUMBERS)
    headers = bearer(make_user(role=role))
    response = app.test_client().get(f"/api/v1/lines/{line.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["contacts"] == len(NUMBERS)
    assert body["contacts_by_kind"] == {"mobile": len(NUMBERS)}
    assert (body["line_number"] == "+447700900555") is full
    (entry,) = audit_entries("line_read")
    assert entry.category == "disclosure"
    assert entry.recipient == f"api token {token_id(headers)}"


@pytest.mark.postgres
def test_importing_a_csv_adds_contacts_in_one_go_and_reports(
    app: Flask, officer: dict[str, str]
) -> None:
    line = make_line()
    response = _upload(app.test_client(), line.id, officer, CSV.encode())
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["contacts_added"] == len(NUMBERS)
    assert report["dry_run"] is False and report["already_imported"] is False
    assert report["rejected_count"] == 1
    (rejected,) = report["rejected"]
    assert "not a phone" not in rejected["value"]
    assert db.session.scalar(select(func.count()).select_from(Contact)) == len(NUMBERS)
    assert db.session.get(ContactImport, report["import_id"]).line_id == line.id
    (entry,) = audit_entries("contacts_imported")
    assert entry.category == "collection"
    assert entry.details["contacts_added"] == len(NUMBERS)

    again = _upload(app.test_client(), line.id, officer, CSV.encode())
    assert again.get_json()["already_imported"] is True
    assert db.session.scalar(select(func.count()).select_from(Contact)) == len(NUMBERS)


def test_a_dry_run_reports_without_importing(app: Flask, officer: dict[str, str]) -> None:
    line = make_line()
    response = _upload(app.test_client(), line.id, officer, CSV.encode(), dry_run="true")
    assert response.status_code == 200
    assert response.get_json()["contacts_added"] == len(NUMBERS)
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert db.session.scalar(select(func.count()).select_from(ContactImport)) == 0


def test_a_refused_file_answers_422_with_the_reason_and_writes_nothing(
    app: Flask, officer: dict[str, str]
) -> None:
    line = make_line()
    response = _upload(
        app.test_client(), line.id, officer, b"hello, no cards here\n", "x.vcf", format="vcf"
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "import_refused"
    assert error["message"] == REFUSAL_MESSAGES[RefusalCode.NO_VCARDS]
    assert error["fields"] == {"file": [error["message"]]}
    assert db.session.scalar(select(func.count()).select_from(ContactImport)) == 0
    uploads = Path(app.instance_path) / "uploads"
    assert uploads.is_dir() and list(uploads.iterdir()) == []  # the upload was removed


def test_an_upload_without_a_file_part_is_refused(app: Flask, officer: dict[str, str]) -> None:
    line = make_line()
    response = app.test_client().post(
        f"/api/v1/lines/{line.id}/imports",
        headers=officer,
        data={"format": "csv"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "file" in error_of(response)["fields"]


def test_only_officers_import(app: Flask) -> None:
    line = make_line()
    headers = bearer(make_user(role="supervisor"))
    assert _upload(app.test_client(), line.id, headers, CSV.encode()).status_code == 403
