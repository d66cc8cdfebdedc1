"""Importing through the browser: preview, column mapping when unsure, background for big files."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from messaging import runtime
from messaging.db import db
from messaging.models import Contact
from messaging.worker import run_worker
from tests.conftest import csrf_token
from tests.support.factories import login, make_line, make_user


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
            "number_columns": _hidden(preview.text, "number_columns"),
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
