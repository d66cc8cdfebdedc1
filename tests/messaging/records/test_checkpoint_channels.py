"""Audit checkpoints through the alert channels: a real SMTP server and a real HTTP receiver
get each signed checkpoint, and what they got verifies with the public key alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from campaigns.app import create_app
from campaigns.commands.audit import audit as audit_cli
from messaging import runtime
from messaging.config import ConfigurationError, Settings, load_settings
from messaging.db import db
from messaging.models import AuditEvent, AuditHead
from messaging.notify import SIGNATURE_HEADER, verify
from messaging.records import audit
from messaging.records.audit_checkpoints import (
    Checkpoint,
    CheckpointError,
    sinks_for,
    write_checkpoint,
)
from messaging.records.audit_format import load_public_key
from messaging.sending.reconcile import Ticker
from tests.support.live import start_worker_process, stop_process
from tests.support.receivers import ReceivedMail, SmtpSink, WebhookSink

SECRET = "checkpoint-webhook-secret-for-tests"
AUDITORS = ("auditor@force.test", "dpo@force.test")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def hook() -> Iterator[WebhookSink]:
    sink = WebhookSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpSink, hook: WebhookSink) -> Settings:
    return settings.with_overrides(
        alert_smtp_url=smtp.url,
        alert_to=("oncall@force.test",),
        alert_from="pester@force.test",
        alert_webhook_secret=SECRET,
        alert_timeout_s=5.0,
        audit_checkpoint_email_to=AUDITORS,
        audit_checkpoint_webhook_url=hook.url,
    )


def _append(n: int) -> None:
    with db.transaction() as session:
        for i in range(n):
            audit.append(
                session,
                category="consultation",
                action="line_viewed",
                actor=f"user:{i}",
                object_type="line",
                object_id=i,
                details={"contacts": i},
            )


def _last_line(mail: ReceivedMail) -> str:
    """The checkpoint's line, as the recipient's mail program shows the message's text."""
    return mail.message.get_payload(decode=True).decode().strip().splitlines()[-1]


def _public_key_file(tmp_path: Path) -> Path:
    """The public key as an auditor gets it: `pester audit public-key`'s output."""
    printed = CliRunner().invoke(audit_cli, ["public-key"])
    assert printed.exit_code == 0, printed.output
    path = tmp_path / "pester-audit.pub"
    path.write_text(printed.output)
    return path


def test_only_the_configured_channels_get_checkpoints(app: Flask, settings: Settings) -> None:
    assert [sink.name for sink in sinks_for(settings)] == ["file", "email", "webhook"]
    bare = settings.with_overrides(audit_checkpoint_email_to=(), audit_checkpoint_webhook_url="")
    assert [sink.name for sink in sinks_for(bare)] == ["file"]  # alerts alone are not enough


def test_a_checkpoint_e_mailed_verifies_the_chain_with_the_public_key_alone(
    app: Flask, settings: Settings, smtp: SmtpSink, tmp_path: Path
) -> None:
    _append(3)
    written = write_checkpoint(settings)
    assert written is not None and written.entries == 3

    [mail] = smtp.received
    assert sorted(mail.rcpt_tos) == sorted(AUDITORS)
    message = mail.message
    assert message["Subject"] == "pester audit checkpoint: 3 entries"
    assert message["From"] == "pester@force.test"
    last_line = _last_line(mail)
    assert Checkpoint.from_line(last_line) == written
    public = load_public_key(_public_key_file(tmp_path).read_text())
    assert Checkpoint.from_line(last_line).verifies_with(public)

    # The auditor's copy, saved as the message says, checks the chain with the public key.
    kept = tmp_path / "from-mail.jsonl"
    kept.write_text(last_line + "\n")
    key = str(_public_key_file(tmp_path))
    runner = CliRunner()
    checked = runner.invoke(audit_cli, ["verify", "--checkpoints", str(kept), "--public-key", key])
    assert checked.exit_code == 0, checked.output
    # And it catches what the database writer does afterwards: the newest entry cut off
    # and the head rewritten to match.
    newest, previous = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)
    ).all()
    db.session.delete(newest)
    head = db.session.get(AuditHead, 1)
    head.last_hash, head.entries = previous.hash, head.entries - 1
    head.last_digest = previous.digest  # both chains' heads rewritten, as a careful writer would
    db.session.commit()
    cut = runner.invoke(audit_cli, ["verify", "--checkpoints", str(kept), "--public-key", key])
    assert cut.exit_code == 1 and "entries were removed from the end" in cut.output


def test_a_checkpoint_posted_is_signed_for_the_receiver_and_verifies_with_the_public_key(
    app: Flask, settings: Settings, hook: WebhookSink, tmp_path: Path
) -> None:
    _append(2)
    written = write_checkpoint(settings)
    assert written is not None

    [post] = hook.received
    assert post.path == "/hooks/pester"
    payload = verify(SECRET, post.body, post.headers[SIGNATURE_HEADER])  # HMAC, fresh
    assert payload["type"] == "audit_checkpoint"
    assert payload["id"].startswith(f"audit_checkpoint:{written.installation}:2:")
    received = Checkpoint(**payload["checkpoint"])
    assert received == written
    public = load_public_key(_public_key_file(tmp_path).read_text())
    assert received.verifies_with(public)
    forged = Checkpoint(**{**payload["checkpoint"], "entries": 1})
    assert not forged.verifies_with(public)  # the Ed25519 signature, not the HMAC, binds it
    with pytest.raises(ValueError, match="signature"):
        verify("another-secret-of-sixteen-chars", post.body, post.headers[SIGNATURE_HEADER])


def test_a_channel_that_fails_is_named_and_the_others_still_get_the_checkpoint(
    app: Flask, settings: Settings, smtp: SmtpSink, hook: WebhookSink
) -> None:
    _append(1)
    smtp.refuse_next = 1  # 451: the mail server is busy
    with pytest.raises(CheckpointError, match="email") as failed:
        write_checkpoint(settings)
    assert "webhook" not in str(failed.value) and "file" not in str(failed.value)
    assert smtp.received == []
    assert len(hook.received) == 1
    lines = settings.audit_checkpoint_path.read_text().splitlines()
    assert [Checkpoint.from_line(line).entries for line in lines] == [1]


def test_a_worker_process_mails_and_posts_checkpoints_from_its_tick(
    app: Flask, settings: Settings, smtp: SmtpSink, hook: WebhookSink, tmp_path: Path
) -> None:
    worker_settings = settings.with_overrides(audit_checkpoint_every=1, tick_seconds=0.2)
    runtime.configure(worker_settings)
    worker = start_worker_process(worker_settings, tmp_path, tmp_path / "worker.log")
    try:
        _append(2)
        deadline = time.monotonic() + 30
        while not (smtp.received and hook.received):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "no checkpoint reached the channels"
            time.sleep(0.1)
    finally:
        stop_process(worker)
    mailed = Checkpoint.from_line(_last_line(smtp.received[0]))
    posted = Checkpoint(
        **verify(SECRET, hook.received[0].body, hook.received[0].headers[SIGNATURE_HEADER])[
            "checkpoint"
        ]
    )
    public = load_public_key(_public_key_file(tmp_path).read_text())
    assert mailed.entries >= 1 and mailed.verifies_with(public) and posted.verifies_with(public)


def test_a_slow_checkpoint_channel_does_not_hold_up_the_tick(
    app: Flask, settings: Settings, hook: WebhookSink
) -> None:
    """A checkpoint is signed and sent beside the tick: while an endpoint takes seconds to
    answer, campaigns, leases and alert repeats still get their passes."""
    runtime.configure(settings.with_overrides(audit_checkpoint_every=1))
    hook.delay_s = 2.0
    passes: list[float] = []
    ticker = Ticker(interval=0.05, also=[lambda: passes.append(time.monotonic())])
    _append(1)
    ticker.start()
    try:
        deadline = time.monotonic() + 10
        while not hook.received:
            assert time.monotonic() < deadline, "no checkpoint reached the endpoint"
            time.sleep(0.02)
        held = time.monotonic()  # the endpoint answers two seconds from now
        time.sleep(1.0)
        during = [moment for moment in passes if held <= moment <= held + 1.0]
        # A pass every 0.05 s when idle; a loaded machine still makes a few, a held tick none.
        assert len(during) >= 2, f"{len(during)} tick passes while the endpoint was held"
    finally:
        ticker.stop()
        ticker.join(timeout=10)
    assert not ticker.is_alive()
    lines = settings.audit_checkpoint_path.read_text().splitlines()
    assert [Checkpoint.from_line(line).entries for line in lines] == [1]


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PESTER_ENV": "development", "PESTER_INSTANCE_DIR": str(tmp_path), **values}


def test_checkpoint_channel_settings_are_read_and_checked_at_start(tmp_path: Path) -> None:
    settings = load_settings(
        _env(
            tmp_path,
            PESTER_ALERT_SMTP_URL="smtp://mail.force.test",
            PESTER_ALERT_TO="oncall@force.test",
            PESTER_ALERT_WEBHOOK_SECRET=SECRET,
            PESTER_AUDIT_CHECKPOINT_EMAIL_TO="auditor@force.test, dpo@force.test",
            PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL="https://evidence.force.test/pester",
        )
    )
    assert settings.audit_checkpoint_email_to == AUDITORS
    assert settings.audit_checkpoint_webhook_url == "https://evidence.force.test/pester"
    assert not settings.alert_webhook_url  # the checkpoint webhook is its own
    refused = [
        ({"PESTER_AUDIT_CHECKPOINT_EMAIL_TO": "auditor@force.test"}, "PESTER_ALERT_SMTP_URL"),
        (
            {
                "PESTER_ALERT_SMTP_URL": "smtp://mail.force.test",
                "PESTER_ALERT_TO": "oncall@force.test",
                "PESTER_AUDIT_CHECKPOINT_EMAIL_TO": "auditor",
            },
            "PESTER_AUDIT_CHECKPOINT_EMAIL_TO",
        ),
        (
            {"PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL": "https://evidence.force.test/p"},
            "PESTER_ALERT_WEBHOOK_SECRET",
        ),
        (
            {
                "PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL": "ftp://evidence.force.test/p",
                "PESTER_ALERT_WEBHOOK_SECRET": SECRET,
            },
            "PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL",
        ),
    ]
    for env, says in refused:
        with pytest.raises(ConfigurationError, match=says):
            load_settings(_env(tmp_path, **env))


def test_the_app_factory_registers_the_channels_once(settings: Settings) -> None:
    from messaging.records import audit_checkpoints
    from messaging.records.checkpoint_channels import email_channel, webhook_channel

    for factory in (email_channel, webhook_channel):
        if factory in audit_checkpoints._SINK_FACTORIES:
            audit_checkpoints._SINK_FACTORIES.remove(factory)
    assert [sink.name for sink in sinks_for(settings)] == ["file"]
    create_app(settings)
    create_app(settings)
    db.dispose()
    assert [sink.name for sink in sinks_for(settings)] == ["file", "email", "webhook"]
    assert audit_checkpoints._SINK_FACTORIES.count(email_channel) == 1
