"""Large imports run in a worker and report progress; a refused file still changes nothing."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from messaging import runtime
from messaging.db import db
from messaging.import_jobs import import_status, queue_import
from messaging.models import Contact, ContactImport
from messaging.worker import run_worker
from tests.support.factories import login, make_line, make_user


def _csv(path: Path, count: int) -> Path:
    rows = ["Name,Mobile"] + [f"Person {i},07700 900{i:03d}" for i in range(count)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_queued_import_runs_in_a_real_worker_and_reports_each_stage(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    redis = runtime.current().redis
    job_id = queue_import(
        redis, line_id=line.id, path=_csv(tmp_path / "big.csv", 400), filename="big.csv"
    )
    assert import_status(redis, job_id)["state"] == "queued"
    run_worker(burst=True, tick=False)
    status = import_status(redis, job_id)
    assert status["state"] == "done"
    assert status["fraction"] == 1.0
    assert status["report"]["contacts_added"] == 400
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 400
    assert not (tmp_path / "big.csv").exists()  # the upload is removed once imported


def test_a_refused_background_import_says_why_and_writes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    redis = runtime.current().redis
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 100)
    job_id = queue_import(redis, line_id=line.id, path=junk, filename="junk.csv")
    run_worker(burst=True, tick=False)
    status = import_status(redis, job_id)
    assert status["state"] == "refused"
    assert status["refusal"]["message"]
    assert db.session.scalar(select(func.count()).select_from(ContactImport)) == 0


def test_the_progress_page_and_json_are_for_officers_only(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    redis = runtime.current().redis
    job_id = queue_import(
        redis, line_id=line.id, path=_csv(tmp_path / "c.csv", 3), filename="c.csv"
    )
    officer = app.test_client()
    login(officer, make_user(role="officer"))
    assert officer.get(f"/lines/{line.id}/imports/jobs/{job_id}.json").json["state"] == "queued"
    page = officer.get(f"/lines/{line.id}/imports/jobs/{job_id}")
    assert page.status_code == 200
    assert "<progress" in page.text
    analyst = app.test_client()
    login(analyst, make_user(role="analyst"))
    assert analyst.get(f"/lines/{line.id}/imports/jobs/{job_id}.json").status_code == 403
    assert officer.get(f"/lines/{line.id}/imports/jobs/nope.json").status_code == 404
