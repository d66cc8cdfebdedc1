"""The sending pipeline on real parts: a sandbox carrier over HTTP, Redis, the database, and
RQ workers (in this process in burst mode, or as `python -m campaigns worker` processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from campaigns import lifecycle
from campaigns.auth import create_user
from messaging import runtime
from messaging.config import Settings, test_settings
from messaging.db import db
from messaging.models import (
    Campaign,
    CampaignState,
    Line,
    MessageTemplate,
    OutboxMessage,
    Service,
    User,
)
from messaging.sandbox import CarrierConfig, SandboxCarrier
from messaging.sending.reconcile import tick
from messaging.sending.worker import run_worker
from tests.support.factories import make_contacts
from tests.support.live import process_env, start_worker_process, stop_process
from tests.support.schema import fresh_database

SERVICE_SID = "MG" + "ab" * 16
FINISHED = (CampaignState.COMPLETED, CampaignState.CANCELLED)
_users = iter(range(1, 10**6))


def drama(n: int) -> str:
    """The n-th number of Ofcom's drama range, +447700900000 + n (n < 990: no test faults)."""
    return f"+447700900{n:03d}"


@dataclass
class Pipeline:
    """One test's pipeline: settings, the carrier, and helpers to build and drive campaigns."""

    settings: Settings
    carrier: SandboxCarrier
    tmp_path: Path
    officer: User
    supervisor: User
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # --- building -------------------------------------------------------------------------

    def campaign(
        self,
        numbers: list[str],
        *,
        sender: str = SERVICE_SID,
        urgent: bool = True,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        launch: bool = True,
        approve: bool = True,
    ) -> int:
        """A campaign to ``numbers`` (one new line), approved, and launched unless told."""
        line = Line(reference=f"LINE/{time.monotonic_ns()}", name="Tony")
        db.session.add(line)
        db.session.commit()
        make_contacts(line, numbers)
        campaign = lifecycle.create_campaign(
            db.session,
            self.draft(
                line.id, sender=sender, urgent=urgent, not_before=not_before, not_after=not_after
            ),
            self.officer,
        )
        if not approve:
            db.session.commit()
            return campaign.id
        lifecycle.submit(db.session, campaign, self.officer, settings=self.settings)
        lifecycle.approve(db.session, campaign, self.supervisor, settings=self.settings)
        db.session.commit()
        if launch:
            self.launch(campaign.id)
        return campaign.id

    def draft(self, *line_ids: int, **fields: Any) -> lifecycle.CampaignDraft:
        template = db.session.scalar(
            select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
        )
        frank = db.session.scalar(select(Service).where(Service.name == "FRANK"))
        values: dict[str, Any] = {
            "name": "Pipeline test",
            "line_ids": tuple(line_ids),
            "template_version_id": template.current.id,
            "service_id": frank.id,
            "sender": SERVICE_SID,
            "force_name": "Testshire Police",
            "reply_route": "Reply STOP to opt out.",
            "urgent": True,
            "urgency_reason": "tests run at any hour",
            **fields,
        }
        if not values["urgent"]:
            values["urgency_reason"] = ""
        return lifecycle.CampaignDraft(**values)

    def launch(self, campaign_id: int) -> int:
        rt = runtime.current()
        written = lifecycle.launch(
            db.session, self.get(campaign_id), self.officer, redis=rt.redis, settings=rt.settings
        )
        db.session.commit()
        return written

    def get(self, campaign_id: int) -> Campaign:
        db.session.expire_all()
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign

    def reconfigure(self, **changes: Any) -> None:
        """Change this process's settings (the database and keys stay the same)."""
        self.settings = self.settings.with_overrides(**changes)
        runtime.configure(self.settings)

    # --- driving --------------------------------------------------------------------------

    def drive(
        self,
        campaign_id: int,
        *,
        until: Callable[[Campaign], bool] | None = None,
        timeout: float = 15.0,
    ) -> Campaign:
        """Alternate a burst RQ worker and the tick until ``until`` (default: finished)."""
        until = until or (lambda c: c.state in FINISHED)
        deadline = time.monotonic() + timeout
        while True:
            run_worker(burst=True, tick=False)
            tick()
            campaign = self.get(campaign_id)
            if until(campaign):
                return campaign
            if time.monotonic() > deadline:
                raise AssertionError(f"campaign {campaign_id} stuck: {self.statuses(campaign_id)}")
            time.sleep(0.1)

    def wait_for(self, condition: Callable[[], bool], *, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.05)

    def wait_state(self, campaign_id: int, *states: str, timeout: float = 20.0) -> Campaign:
        self.wait_for(lambda: self.get(campaign_id).state in states, timeout=timeout)
        return self.get(campaign_id)

    # --- worker processes -----------------------------------------------------------------

    def worker_env(self) -> dict[str, str]:
        return process_env(self.settings, self.tmp_path)

    def start_worker(self) -> subprocess.Popen[bytes]:
        """A `python -m campaigns worker` process (with its tick) on this test's parts."""
        log_path = self.tmp_path / f"worker-{len(self.workers)}.log"
        process = start_worker_process(self.settings, self.tmp_path, log_path)
        self.workers.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.workers:
            stop_process(process)

    # --- what happened --------------------------------------------------------------------

    def texts_per_recipient(self) -> dict[str, int]:
        """The carrier's own log: accepted texts per recipient (``/_sandbox/stats``)."""
        stats = requests.get(f"{self.carrier.base_url}/_sandbox/stats", timeout=5).json()
        return dict(stats["per_recipient"])

    def carrier_stats(self) -> dict[str, Any]:
        return requests.get(f"{self.carrier.base_url}/_sandbox/stats", timeout=5).json()

    def accepted(self) -> int:
        return int(self.carrier_stats()["accepted"])

    def statuses(self, campaign_id: int) -> dict[str, int]:
        db.session.expire_all()
        return dict(
            db.session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.campaign_id == campaign_id)
                .group_by(OutboxMessage.status)
            ).all()
        )


def assert_at_most_once(texts: dict[str, int], intended: list[str]) -> None:
    """Nobody texted twice, and nobody texted who was not meant to be."""
    twice = {n: c for n, c in texts.items() if c > 1}
    assert twice == {}, f"{len(twice)} recipients texted more than once"
    assert set(texts) <= set(intended), "a number outside the campaign was texted"


def assert_exactly_once(texts: dict[str, int], intended: list[str]) -> None:
    """Every intended recipient texted exactly once, and nobody else."""
    assert_at_most_once(texts, intended)
    missing = [n for n in intended if texts.get(n, 0) != 1]
    assert missing == [], f"{len(missing)} recipients never texted"


@pytest.fixture
def carrier_config(request: pytest.FixtureRequest) -> CarrierConfig:
    """The carrier's behaviour: parametrize indirectly (see ``carrier``) or override."""
    return getattr(request, "param", None) or CarrierConfig(callbacks=False, seed=7)


def carrier(**changes: Any) -> CarrierConfig:
    """A carrier config for ``parametrize("carrier_config", [...], indirect=True)``."""
    return replace(CarrierConfig(callbacks=False, seed=7), **changes)


@pytest.fixture
def pipeline_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def pipeline(
    tmp_path: Path,
    database_url: str,
    redis_db_url: str,
    carrier_config: CarrierConfig,
    pipeline_overrides: dict[str, Any],
) -> Iterator[Pipeline]:
    carrier = SandboxCarrier(carrier_config)
    carrier.start()
    options: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_db_url,
        "sandbox_carrier_url": carrier.base_url,
        "public_base_url": "http://127.0.0.1:9",  # callbacks are off unless a test serves the app
        "twilio_account_sid": carrier_config.account_sid,
        "twilio_auth_token": carrier_config.auth_token,
        "send_rate_override": 1000.0,
        "batch_size": 20,
        "gateway_concurrency": 8,
        "gateway_timeout_s": 2.0,
        "lease_seconds": 3,
        "reconcile_grace_seconds": 1,
        "tick_seconds": 0.3,
        "max_attempts": 5,
        "quiet_hours_start": 0,  # all day unless a test says otherwise
        "quiet_hours_end": 0,
        "queue_prefix": f"pester-test-{os.getpid()}",
        **pipeline_overrides,
    }
    settings = test_settings(tmp_path, **options)
    runtime.configure(settings)
    assert db.engine is not None
    fresh_database(db.engine)
    n = next(_users)
    officer, _ = create_user(f"officer{n}@force.test", "officer", password="x" * 16)
    supervisor, _ = create_user(f"supervisor{n}@force.test", "supervisor", password="x" * 16)
    db.session.commit()
    pipe = Pipeline(settings, carrier, tmp_path, officer, supervisor)
    try:
        yield pipe
    finally:
        pipe.stop_workers()
        db.session.remove()
        runtime.current().close()
        carrier.stop()
        db.dispose()
