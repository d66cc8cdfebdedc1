"""The notify channels against real receivers: SMTP URLs, signed webhooks and replays."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from messaging.config import ConfigurationError, load_settings
from messaging.notify import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryFailed,
    EmailMessageSpec,
    WebhookTarget,
    parse_smtp_url,
    post_json,
    send_email,
    sign,
    verify,
)
from messaging.notify.webhook import encode
from tests.support.live import free_port
from tests.support.receivers import SmtpSink, WebhookSink

SECRET = "a-webhook-secret-of-some-length"


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


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "user", "password"),
    [
        ("smtp://mail.force.test", "smtp", "mail.force.test", 25, "", ""),
        ("smtp://127.0.0.1:2525", "smtp", "127.0.0.1", 2525, "", ""),
        (
            "smtps://alerts:p%40ss@mail.force.test",
            "smtps",
            "mail.force.test",
            465,
            "alerts",
            "p@ss",
        ),
        (
            "smtp+starttls://u:secretpw@mail.force.test",
            "smtp+starttls",
            "mail.force.test",
            587,
            "u",
            "secretpw",
        ),
    ],
)
def test_smtp_urls_name_scheme_host_port_and_credentials(
    url: str, scheme: str, host: str, port: int, user: str, password: str
) -> None:
    target = parse_smtp_url(url)
    assert (target.scheme, target.host, target.port) == (scheme, host, port)
    assert (target.username, target.password) == (user, password)
    assert password == "" or password not in target.describe()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.force.test", "starts smtp://"),
        ("smtp://", "names a host"),
        ("smtp://mail:99999", "port"),
    ],
)
def test_a_bad_smtp_url_says_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_smtp_url(url)


def test_an_email_reaches_the_smtp_server_as_written(smtp: SmtpSink) -> None:
    spec = EmailMessageSpec("pester@force.test", ("a@force.test", "b@force.test"), "Hi", "Body\n")
    message_id = send_email(parse_smtp_url(smtp.url), spec)
    [mail] = smtp.received
    assert mail.rcpt_tos == ["a@force.test", "b@force.test"]
    assert mail.message["Subject"] == "Hi" and mail.message["Message-ID"] == message_id
    assert mail.message.get_payload(decode=True).decode().splitlines() == ["Body"]


def test_an_smtp_server_saying_try_later_is_a_retryable_failure(smtp: SmtpSink) -> None:
    smtp.refuse_next = 1
    spec = EmailMessageSpec("pester@force.test", ("a@force.test",), "Hi", "Body")
    with pytest.raises(DeliveryFailed) as caught:
        send_email(parse_smtp_url(smtp.url), spec)
    assert caught.value.retryable and caught.value.reason == "SMTP 451"
    send_email(parse_smtp_url(smtp.url), spec)
    assert len(smtp.received) == 1


def test_no_smtp_server_listening_is_a_retryable_failure() -> None:
    spec = EmailMessageSpec("pester@force.test", ("a@force.test",), "Hi", "Body")
    with pytest.raises(DeliveryFailed) as caught:
        send_email(parse_smtp_url(f"smtp://127.0.0.1:{free_port()}"), spec, timeout=2)
    assert caught.value.retryable and caught.value.reason == "ConnectionRefusedError"


def test_a_webhook_is_signed_over_its_raw_body_with_the_time_inside(hook: WebhookSink) -> None:
    before = int(time.time())
    assert post_json(WebhookTarget(hook.url, SECRET), {"id": "x1", "reply_id": 7}) == 200
    [post] = hook.received
    assert post.headers[SIGNATURE_HEADER] == sign(SECRET, post.body)
    payload = verify(SECRET, post.body, post.headers[SIGNATURE_HEADER])
    assert payload["reply_id"] == 7 and payload["sent_at"] >= before
    assert post.headers[TIMESTAMP_HEADER] == str(payload["sent_at"])


def test_a_tampered_body_a_wrong_secret_or_no_signature_is_refused() -> None:
    body = encode({"id": "x1", "reply_id": 7})
    signature = sign(SECRET, body)
    with pytest.raises(ValueError, match="signature"):
        verify(SECRET, body.replace(b'"reply_id":7', b'"reply_id":8'), signature)
    with pytest.raises(ValueError, match="signature"):
        verify("another-secret-entirely", body, signature)
    with pytest.raises(ValueError, match="signature"):
        verify(SECRET, body, None)


def test_a_replayed_webhook_is_refused_once_it_is_old() -> None:
    sent = 1_800_000_000
    body = encode({"id": "x1"}, now=sent)
    signature = sign(SECRET, body)
    assert verify(SECRET, body, signature, now=sent + 299)["id"] == "x1"
    with pytest.raises(ValueError, match="too old"):
        verify(SECRET, body, signature, now=sent + 301)
    with pytest.raises(ValueError, match="too old"):
        verify(SECRET, body, signature, now=sent - 301)


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (401, False)]
)
def test_webhook_failures_say_whether_to_try_again(
    hook: WebhookSink, status: int, retryable: bool
) -> None:
    hook.status = status
    with pytest.raises(DeliveryFailed) as caught:
        post_json(WebhookTarget(hook.url, SECRET), {"id": "x"})
    assert caught.value.retryable is retryable and caught.value.reason == f"HTTP {status}"


def test_a_webhook_target_is_described_without_its_query_or_credentials() -> None:
    target = WebhookTarget("https://user:pw@hooks.force.test/p/alerts?token=abc", SECRET)
    assert target.describe() == "https://hooks.force.test/p/alerts"


def _env(**values: str) -> dict[str, str]:
    return {"PESTER_ENV": "development", **values}


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PESTER_ALERT_SMTP_URL": "smtp://mail.force.test"}, "PESTER_ALERT_TO"),
        (
            {"PESTER_ALERT_SMTP_URL": "mail.force.test", "PESTER_ALERT_TO": "a@force.test"},
            "PESTER_ALERT_SMTP_URL",
        ),
        ({"PESTER_ALERT_WEBHOOK_URL": "https://hooks.force.test/a"}, "WEBHOOK_SECRET"),
        ({"PESTER_ALERT_REPEAT_MINUTES": "0"}, "PESTER_ALERT_REPEAT_MINUTES"),
    ],
)
def test_alert_settings_that_cannot_work_are_refused_at_start(
    tmp_path, env: dict[str, str], says: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match=says):
        load_settings(_env(PESTER_INSTANCE_DIR=str(tmp_path), **env))


def test_alert_settings_are_read_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(
        _env(
            PESTER_INSTANCE_DIR=str(tmp_path),
            PESTER_ALERT_SMTP_URL="smtps://u:p@mail.force.test",
            PESTER_ALERT_TO="oncall@force.test, duty@force.test",
            PESTER_ALERT_WEBHOOK_URL="https://hooks.force.test/a",
            PESTER_ALERT_WEBHOOK_SECRET=SECRET,
            PESTER_ALERT_REPEAT_MINUTES="10",
        )
    )
    assert settings.alerting
    assert settings.alert_to == ("oncall@force.test", "duty@force.test")
    assert settings.alert_repeat_minutes == 10.0
    assert not load_settings(_env(PESTER_INSTANCE_DIR=str(tmp_path))).alerting
