"""Large imports run in a worker and report progress; a refused file still changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from messaging import runtime
from messaging.db import db
from messaging.intake.contact_import import import_contacts
from messaging.intake.import_jobs import import_status, queue_import
from messaging.models import Contact, ContactImport
from messaging.sending.worker import run_worker
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


def test_an_unexpected_error_marks_the_job_failed_and_removes_the_upload(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away while writing +447700900001")

    monkeypatch.setattr("messaging.intake.import_jobs.import_contacts", broken)
    line = make_line()
    redis = runtime.current().redis
    upload = _csv(tmp_path / "c.csv", 3)
    job_id = queue_import(redis, line_id=line.id, path=upload, filename="c.csv")
    run_worker(burst=True, tick=False)
    status = import_status(redis, job_id)
    assert status["state"] == "failed"
    assert status["fraction"] == 1.0
    assert "Nothing was imported" in status["error"]
    assert not upload.exists()
    assert Job.fetch(job_id, connection=redis).get_status() == JobStatus.FAILED
    ours = [r.getMessage() for r in caplog.records if r.name == "messaging.intake.import_jobs"]
    assert ours and not any("447700900001" in message for message in ours)
    officer = app.test_client()
    login(officer, make_user(role="officer"))
    page = officer.get(f"/lines/{line.id}/imports/jobs/{job_id}")
    assert "The import failed" in page.text


@pytest.mark.postgres
def test_an_import_that_loses_a_race_to_the_same_file_reports_already_imported(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two confirms of one file: the second to commit meets the unique constraint."""
    import messaging.intake.contact_import as contact_import

    line = make_line()
    path = _csv(tmp_path / "c.csv", 3)
    first = import_contacts(db.session, line, path, filename="c.csv")
    db.session.commit()
    real = contact_import._existing_import
    calls = iter([None])  # the second import's first look misses the row, as in a race
    monkeypatch.setattr(
        contact_import, "_existing_import", lambda *a: next(calls, None) or real(*a)
    )
    second = import_contacts(db.session, line, path, filename="c.csv")
    db.session.commit()  # the session is still usable: the failed insert was a savepoint
    assert second.already_imported
    assert second.import_id == first.import_id
    assert db.session.scalar(select(func.count()).select_from(ContactImport)) == 1
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 3
