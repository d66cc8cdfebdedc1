"""Live progress: the counts and rate the campaign page and `pester campaign status` show."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import update

from messaging.db import db, utcnow
from messaging.models import OutboxMessage
from messaging.sending.progress import campaign_progress
from tests.messaging.sending.conftest import Pipeline, drama
from tests.support.live import REPO


def _set(campaign_id: int, ids: list[int], **values: object) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.id.in_(ids))
        .values(**values)
    )
    db.session.commit()


def test_progress_counts_each_outcome_once_and_the_recent_rate(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign([drama(100 + i) for i in range(10)], launch=False)
    pipeline.launch(campaign_id)
    now = utcnow()
    _set(campaign_id, [1, 2, 3], status="delivered", submitted_at=now - timedelta(seconds=5))
    _set(campaign_id, [4], status="undelivered", submitted_at=now - timedelta(seconds=4))
    _set(campaign_id, [5], status="accepted", submitted_at=now - timedelta(seconds=3))
    _set(campaign_id, [6], status="rejected")
    _set(campaign_id, [7], status="suppressed")
    _set(campaign_id, [8], status="claimed")
    _set(campaign_id, [9], status="pending", next_attempt_at=now + timedelta(hours=2))
    progress = campaign_progress(db.session, campaign_id, now=now)
    assert progress["total"] == 10
    assert progress["sent"] == 5  # accepted by the carrier, delivered or not
    assert progress["delivered"] == 3
    assert progress["failed"] == 2  # undelivered at the carrier, rejected by the gateway
    assert progress["remaining"] == 3  # claimed, pending (one waiting, one due)
    assert progress["suppressed"] == 1
    assert progress["percent"] == 70.0
    # 5 texts submitted within the last 5 seconds, the first of them 5 seconds ago.
    assert progress["rate_per_s"] == 1.0
    assert progress["average_rate_per_s"] == 2.5  # 5 texts over the 2 seconds they spanned
    assert progress["waiting_until"].startswith((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H"))


def test_pester_campaign_status_prints_the_progress_as_json(pipeline: Pipeline) -> None:
    numbers = [drama(100 + i) for i in range(6)]
    campaign_id = pipeline.campaign(numbers)
    pipeline.drive(campaign_id)
    out = subprocess.run(
        [sys.executable, "-m", "campaigns", "campaign", "status", str(campaign_id)],
        cwd=REPO,
        env=pipeline.worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status = json.loads(out.stdout.strip().splitlines()[-1])
    assert status["id"] == campaign_id and status["state"] == "completed"
    assert (status["sent"], status["remaining"], status["failed"]) == (6, 0, 0)
    assert status["delivered"] == 0  # callbacks are off in this test: nothing confirmed yet
    assert status["rate_per_s"] > 0
    assert status["total"] == pipeline.accepted() == 6


def test_pester_campaign_status_refuses_an_unknown_campaign(pipeline: Pipeline) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "campaigns", "campaign", "status", "999"],
        cwd=REPO,
        env=pipeline.worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and "no campaign 999" in out.stderr
