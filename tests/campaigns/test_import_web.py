"""Importing through the browser: preview, column mapping when unsure, background for big files."""

from __future__ import annotations

import os
import re
import time
from html import unescape
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from messaging import runtime
from messaging.db import db
from messaging.models import AuditEvent, Contact, Line
from messaging.records.erasure import purge_line
from messaging.records.uploads import sweep_stale_uploads
from messaging.sending.worker import run_worker
from tests.conftest import csrf_token
from tests.support.factories import login, make_contacts, make_line, make_user


def _upload(client, line_id: int, path: Path):  # type: ignore[no-untyped-def]
    page = client.get(f"/lines/{line_id}")
    with path.open("rb") as handle:
        return client.post(
            f"/lines/{line_id}/import",
            data={
                "csrf_token": csrf_token(page.text),
                "format": "auto",
                "file": (handle, path.name),
            },
            content_type="multipart/form-data",
        )


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def _hidden_all(html: str, name: str) -> list[str]:
    return [unescape(v) for v in re.findall(rf'type="hidden" name="{name}" value="([^"]*)"', html)]


def test_unclear_columns_ask_the_officer_and_the_choice_is_used(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    client = app.test_client()
    login(client, make_user(role="officer"))
    path = tmp_path / "odd.csv"
    # Neither the headers nor the values look like a contact list to the detector.
    path.write_text("Ref,Value\nJay,mob: 07700 900301\nKez,mob: 07700 900302\n", encoding="utf-8")
    asked = _upload(client, line.id, path)
    assert asked.status_code == 422
    assert "Which columns hold the numbers?" in asked.text
    assert "Value" in asked.text
    preview = client.post(
        f"/lines/{line.id}/import/map",
        data={
            "csrf_token": csrf_token(asked.text),
            "token": _hidden(asked.text, "token"),
            "filename": "odd.csv",
            "format": "auto",
            "number_column": ["Value"],
            "name_column": "Ref",
        },
    )
    assert preview.status_code == 200, preview.text
    assert "Import 2 contacts" in preview.text
    done = client.post(
        f"/lines/{line.id}/import/confirm",
        data={
            "csrf_token": csrf_token(preview.text),
            "token": _hidden(preview.text, "token"),
            "filename": "odd.csv",
            "format": "auto",
            "number_column": _hidden_all(preview.text, "number_column"),
            "name_column": _hidden(preview.text, "name_column"),
        },
    )
    assert done.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2


def test_a_large_file_imports_in_a_worker_behind_a_progress_page(
    app: Flask, tmp_path: Path
) -> None:
    settings = runtime.current().settings
    object.__setattr__(settings, "background_import_bytes", 100)  # this test's file is "large"
    line = make_line()
    client = app.test_client()
    login(client, make_user(role="officer"))
    path = tmp_path / "big.csv"
    path.write_text(
        "Name,Mobile\n" + "".join(f"P{i},07700 900{i:03d}\n" for i in range(50)), encoding="utf-8"
    )
    preview = _upload(client, line.id, path)
    done = client.post(
        f"/lines/{line.id}/import/confirm",
        data={
            "csrf_token": csrf_token(preview.text),
            "token": _hidden(preview.text, "token"),
            "filename": "big.csv",
            "format": "auto",
        },
    )
    assert done.status_code == 302
    assert "/imports/jobs/" in done.headers["Location"]
    run_worker(burst=True, tick=False)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 50
    page = client.get(done.headers["Location"])
    assert "50 new contacts added" in page.text


def _officer(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, make_user(role="officer"))
    return client


def _confirm(client, line_id: int, preview_html: str, filename: str, **extra):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_token(preview_html),
        "token": _hidden(preview_html, "token"),
        "filename": filename,
        "format": "auto",
        "number_column": _hidden_all(preview_html, "number_column"),
        "name_column": _hidden_all(preview_html, "name_column")[:1] or "",
    }
    data.update(extra)
    return client.post(f"/lines/{line_id}/import/confirm", data=data)


def _uploads() -> list[Path]:
    folder = runtime.current().settings.instance_dir / "uploads"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_preview_shows_the_first_rows_masked_and_names_the_other_lines(
    app: Flask, tmp_path: Path
) -> None:
    other = make_line(reference="OP-OTHER/7")
    make_contacts(other, ["07700 900001"])
    line = make_line()
    client = _officer(app)
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\nKez,07700 900002\nBad,12\n", encoding="utf-8")
    preview = _upload(client, line.id, path)
    assert preview.status_code == 200
    sample = preview.text.split('data-testid="import-sample"')[1].split("</table>")[0]
    assert sample.count("<tr>") == 4  # the header and the three rows read
    assert "row 2" in sample and "ending 001" in sample and "mobile" in sample
    assert "077******001" in sample  # as written, masked the way the API masks
    assert "invalid" in sample
    for full in ("07700 900001", "07700900001", "+447700900001"):
        assert full not in preview.text
    assert "Jay" not in preview.text  # saved names are evidence: not shown here
    assert "OP-OTHER/7" in preview.text
    assert f"/lines/{other.id}" in preview.text


def test_the_result_page_lists_what_was_imported_and_the_rejected_rows(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    client = _officer(app)
    path = tmp_path / "c.csv"
    path.write_text(
        "Name,Mobile\nJay,07700 900001\nJay,07700 900001\nJunk,not a number\n", encoding="utf-8"
    )
    done = _confirm(client, line.id, _upload(client, line.id, path).text, "c.csv")
    assert done.status_code == 200
    counts = done.text.split('data-testid="import-counts"')[1].split("</table>")[0]
    assert re.search(r"New contacts added</th><td class=\"num\">1<", counts)
    assert re.search(r"Duplicates merged</th><td class=\"num\">1<", counts)
    assert re.search(r"Mobile</th><td class=\"num\">1<", counts)
    assert re.search(r"Invalid</th><td class=\"num\">1<", counts)
    assert "row 4" in done.text and "no number" in done.text
    assert re.search(r"/lines/\d+/imports/\d+/rejected\.csv", done.text)


def test_a_finished_background_import_lists_counts_and_rejected_rows(
    app: Flask, tmp_path: Path
) -> None:
    object.__setattr__(runtime.current().settings, "background_import_bytes", 10)
    line = make_line()
    client = _officer(app)
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\nJunk,not a number\n", encoding="utf-8")
    done = _confirm(client, line.id, _upload(client, line.id, path).text, "c.csv")
    assert done.status_code == 302
    run_worker(burst=True, tick=False)
    page = client.get(done.headers["Location"])
    assert 'data-testid="import-counts"' in page.text
    assert "row 3" in page.text and "no number" in page.text
    assert re.search(r"/lines/\d+/imports/\d+/rejected\.csv", page.text)


COMMA_CSV = 'Ref,"Contact, primary"\nJay,mob: 07700 900301\nKez,mob: 07700 900302\n'


def _choose_comma_column(client, line_id: int, path: Path):  # type: ignore[no-untyped-def]
    asked = _upload(client, line_id, path)
    assert asked.status_code == 422
    preview = client.post(
        f"/lines/{line_id}/import/map",
        data={
            "csrf_token": csrf_token(asked.text),
            "token": _hidden(asked.text, "token"),
            "filename": path.name,
            "format": "auto",
            "number_column": ["Contact, primary"],
            "name_column": "Ref",
        },
    )
    assert preview.status_code == 200, preview.text
    assert _hidden_all(preview.text, "number_column") == ["Contact, primary"]
    return preview


def test_a_column_name_with_a_comma_survives_preview_and_confirm(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    client = _officer(app)
    path = tmp_path / "odd.csv"
    path.write_text(COMMA_CSV, encoding="utf-8")
    preview = _choose_comma_column(client, line.id, path)
    done = _confirm(client, line.id, preview.text, "odd.csv")
    assert done.status_code == 200, done.text
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2


def test_a_column_name_with_a_comma_reaches_the_background_job(app: Flask, tmp_path: Path) -> None:
    object.__setattr__(runtime.current().settings, "background_import_bytes", 10)
    line = make_line()
    client = _officer(app)
    path = tmp_path / "odd.csv"
    path.write_text(COMMA_CSV, encoding="utf-8")
    preview = _choose_comma_column(client, line.id, path)
    done = _confirm(client, line.id, preview.text, "odd.csv")
    assert done.status_code == 302
    run_worker(burst=True, tick=False)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2


def test_a_typed_column_name_with_a_comma_is_written_in_quotes(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    client = _officer(app)
    path = tmp_path / "odd.csv"
    path.write_text(COMMA_CSV, encoding="utf-8")
    page = client.get(f"/lines/{line.id}")
    with path.open("rb") as handle:
        preview = client.post(
            f"/lines/{line.id}/import",
            data={
                "csrf_token": csrf_token(page.text),
                "format": "auto",
                "number_columns": '"Contact, primary"',
                "file": (handle, path.name),
            },
            content_type="multipart/form-data",
        )
    assert preview.status_code == 200, preview.text
    assert "Import 2 contacts" in preview.text


def test_a_refused_confirm_deletes_the_upload(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    client = _officer(app)
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\n", encoding="utf-8")
    preview = _upload(client, line.id, path)
    assert len(_uploads()) == 1
    refused = _confirm(client, line.id, preview.text, "c.csv", format="ufdr")
    assert refused.status_code == 422
    assert _uploads() == []


def test_a_preview_of_a_file_already_imported_keeps_no_upload(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    client = _officer(app)
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\n", encoding="utf-8")
    assert (
        _confirm(client, line.id, _upload(client, line.id, path).text, "c.csv").status_code == 200
    )
    again = _upload(client, line.id, path)
    assert "already imported" in again.text
    assert _uploads() == []


def test_abandoned_uploads_are_swept_after_a_day(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    client = _officer(app)
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\n", encoding="utf-8")
    _upload(client, line.id, path)  # previewed, never confirmed
    (abandoned,) = _uploads()
    day_old = time.time() - 25 * 3600
    os.utime(abandoned, (day_old, day_old))
    instance = runtime.current().settings.instance_dir
    assert sweep_stale_uploads(instance) == 1
    assert _uploads() == []
    _upload(client, line.id, path)
    (recent,) = _uploads()
    assert sweep_stale_uploads(instance) == 0  # a preview from today stays
    os.utime(recent, (day_old, day_old))
    path.write_text("Name,Mobile\nKez,07700 900002\n", encoding="utf-8")
    _upload(client, line.id, path)  # each new upload sweeps the folder too
    assert recent not in _uploads() and len(_uploads()) == 1


def test_searching_lines_treats_percent_and_underscore_literally(app: Flask) -> None:
    make_line(reference="OP_1/A")
    make_line(reference="OPX1/B")
    make_line(reference="100%/C")
    client = app.test_client()
    login(client, make_user(role="officer"))
    underscore = client.get("/lines/", query_string={"q": "OP_1"}).text
    assert "OP_1/A" in underscore and "OPX1/B" not in underscore
    percent = client.get("/lines/", query_string={"q": "%"}).text
    assert "100%/C" in percent and "OP_1/A" not in percent and "OPX1/B" not in percent


def test_a_purged_line_shows_the_counts_kept(app: Flask) -> None:
    line = make_line()
    make_contacts(line, ["07700 900001", "07700 900002", "020 7946 0018"])
    purge_line(db.session, db.session.get(Line, line.id))
    db.session.commit()
    client = app.test_client()
    login(client, make_user(role="officer"))
    page = client.get(f"/lines/{line.id}").text
    kept = page.split('data-testid="purged-counts"')[1].split("</table>")[0]
    assert re.search(r"Contacts</th><td class=\"num\">3<", kept)
    assert re.search(r"Mobile</th><td class=\"num\">2<", kept)
    assert re.search(r"Landline</th><td class=\"num\">1<", kept)


def _import_entries() -> dict[str, AuditEvent]:
    actions = ("contacts_imported", "cross_line_linked")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)))
    return {event.action: event for event in events}


def test_an_import_in_the_request_audits_where_it_came_from(app: Flask, tmp_path: Path) -> None:
    make_contacts(make_line(reference="OP-OTHER/8"), ["07700 900001"])
    line = make_line()
    client = _officer(app)
    client.environ_base.update(REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="ForceBrowser/1.0")
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\n", encoding="utf-8")
    assert (
        _confirm(client, line.id, _upload(client, line.id, path).text, "c.csv").status_code == 200
    )
    entries = _import_entries()
    assert set(entries) == {"contacts_imported", "cross_line_linked"}
    for event in entries.values():
        assert (event.ip, event.user_agent) == ("192.0.2.7", "ForceBrowser/1.0")


def test_a_background_import_audits_the_request_that_queued_it(app: Flask, tmp_path: Path) -> None:
    object.__setattr__(runtime.current().settings, "background_import_bytes", 10)
    make_contacts(make_line(reference="OP-OTHER/9"), ["07700 900001"])
    line = make_line()
    client = _officer(app)
    client.environ_base.update(REMOTE_ADDR="192.0.2.8", HTTP_USER_AGENT="ForceBrowser/2.0")
    path = tmp_path / "c.csv"
    path.write_text("Name,Mobile\nJay,07700 900001\n", encoding="utf-8")
    assert (
        _confirm(client, line.id, _upload(client, line.id, path).text, "c.csv").status_code == 302
    )
    run_worker(burst=True, tick=False)
    db.session.expire_all()
    entries = _import_entries()
    assert set(entries) == {"contacts_imported", "cross_line_linked"}
    for event in entries.values():
        assert (event.ip, event.user_agent) == ("192.0.2.8", "ForceBrowser/2.0")
