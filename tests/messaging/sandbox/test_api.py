"""The sandbox carrier's HTTP API, spoken to directly: Twilio's shapes and codes, its own log."""

from __future__ import annotations

import email.utils

import pytest
import requests

from messaging.sandbox.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.messaging.sandbox.helpers import RECIPIENT, SENDER

AUTH = (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
MESSAGES = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"


def create(carrier, session=requests, auth=AUTH, **form) -> requests.Response:
    fields = {"To": RECIPIENT, "From": SENDER, "Body": "hello"} | form
    fields = {k: v for k, v in fields.items() if v is not None}
    return session.post(carrier.base_url + MESSAGES, data=fields, auth=auth, timeout=5)


def test_create_answers_201_with_twilios_message_resource(start_carrier):
    answer = create(start_carrier())

    assert answer.status_code == 201
    message = answer.json()
    assert message["sid"].startswith("SM") and len(message["sid"]) == 34
    int(message["sid"][2:], 16)
    assert (message["status"], message["to"], message["from"]) == ("queued", RECIPIENT, SENDER)
    assert message["body"] == "hello"
    assert message["num_segments"] == "1"
    assert message["error_code"] is None
    assert message["direction"] == "outbound-api"
    assert (
        message["uri"]
        == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message['sid']}.json"
    )
    assert (
        email.utils.parsedate_to_datetime(message["date_created"]).utcoffset().total_seconds() == 0
    )


def test_a_long_message_counts_its_segments(start_carrier):
    answer = create(start_carrier(), Body="x" * 161)
    assert answer.json()["num_segments"] == "2"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"To": None}, 21604),
        ({"From": None}, 21603),
        ({"Body": None}, 21602),
        ({"To": "07700900123"}, 21211),
        ({"From": "TWELVECHARSX"}, 21212),
        ({"Body": "x" * 1601}, 21617),
        ({"ValidityPeriod": "0"}, 21624),
        ({"ValidityPeriod": "36001"}, 21624),
        ({"StatusCallback": "not a url"}, 21609),
        ({"To": "+33612345678"}, 21408),
    ],
)
def test_invalid_creates_answer_400_with_twilios_error_shape(start_carrier, form, code):
    carrier = start_carrier()
    answer = create(carrier, **form)

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == code and body["status"] == 400
    assert body["more_info"].endswith(str(code))
    assert body["message"]
    assert carrier.stats()["rejected"] == {str(code): 1}


@pytest.mark.parametrize(
    "auth", [None, (DEFAULT_ACCOUNT_SID, "wrong"), ("AC" + "1" * 32, DEFAULT_AUTH_TOKEN)]
)
def test_bad_credentials_answer_401_with_code_20003(start_carrier, auth):
    answer = create(start_carrier(), auth=auth)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


def test_another_accounts_path_is_not_found(start_carrier):
    carrier = start_carrier()
    url = carrier.base_url + "/2010-04-01/Accounts/AC" + "2" * 32 + "/Messages.json"
    answer = requests.post(
        url, data={"To": RECIPIENT, "From": SENDER, "Body": "x"}, auth=AUTH, timeout=5
    )
    assert (answer.status_code, answer.json()["code"]) == (404, 20404)


def test_an_unknown_sid_is_404_with_code_20404(start_carrier):
    carrier = start_carrier()
    url = f"{carrier.base_url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/SM{'0' * 32}.json"
    answer = requests.get(url, auth=AUTH, timeout=5)
    assert (answer.status_code, answer.json()["code"]) == (404, 20404)


def test_above_capacity_the_carrier_answers_429_with_code_20429(start_carrier):
    carrier = start_carrier(capacity=0.01, burst=2)  # refills one token in 100 s

    answers = [create(carrier) for _ in range(4)]

    assert [a.status_code for a in answers] == [201, 201, 429, 429]
    assert answers[2].json()["code"] == 20429
    assert answers[2].headers["Retry-After"] == "1"
    assert carrier.stats()["rejected_429"] == 2
    assert carrier.stats()["accepted"] == 2


def test_the_list_pages_with_twilios_envelope(start_carrier):
    carrier = start_carrier()
    sids = [create(carrier).json()["sid"] for _ in range(5)]

    first = requests.get(
        carrier.base_url + MESSAGES, params={"To": RECIPIENT, "PageSize": 2}, auth=AUTH, timeout=5
    ).json()

    assert [m["sid"] for m in first["messages"]] == sids[::-1][:2]  # newest first
    assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 2, 0, 1)
    assert first["previous_page_uri"] is None
    second = requests.get(carrier.base_url + first["next_page_uri"], auth=AUTH, timeout=5).json()
    third = requests.get(carrier.base_url + second["next_page_uri"], auth=AUTH, timeout=5).json()
    assert [m["sid"] for m in second["messages"] + third["messages"]] == sids[::-1][2:]
    assert third["next_page_uri"] is None


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ({"DateSent>": "2000-01-01"}, 1),
        ({"DateSent>": "2999-01-01"}, 0),
        ({"DateSent<": "2000-01-01"}, 0),
        ({"DateSent>": "2000-01-01T00:00:00Z", "DateSent<": "2999-01-01"}, 1),
        ({"From": "+447700900002"}, 0),
        ({"To": "+447700900124"}, 0),
    ],
)
def test_the_list_filters_by_date_sent_and_addresses(start_carrier, query, listed):
    carrier = start_carrier(callback_delay_ms=0)  # sent at once
    create(carrier)
    page = requests.get(carrier.base_url + MESSAGES, params=query, auth=AUTH, timeout=5).json()
    assert len(page["messages"]) == listed


def test_date_filters_leave_out_a_message_not_sent_yet_as_twilio_does(start_carrier):
    carrier = start_carrier(callback_delay_ms=60_000)
    create(carrier)
    url = carrier.base_url + MESSAGES

    filtered = requests.get(url, params={"DateSent>": "2000-01-01"}, auth=AUTH, timeout=5).json()
    unfiltered = requests.get(url, params={"To": RECIPIENT}, auth=AUTH, timeout=5).json()

    assert filtered["messages"] == []
    assert [m["date_sent"] for m in unfiltered["messages"]] == [None]


def test_the_sandbox_log_stats_and_reset(start_carrier):
    carrier = start_carrier()
    create(carrier, StatusCallback="http://127.0.0.1:9/s")
    create(carrier, To="+447700900124", Body="x" * 200)
    create(carrier, To="+447700900990")

    log = requests.get(carrier.base_url + "/_sandbox/messages", timeout=5).json()
    stats = requests.get(carrier.base_url + "/_sandbox/stats", timeout=5).json()

    assert [m["to"] for m in log] == [RECIPIENT, "+447700900124"]
    assert log[0]["status_callback"] == "http://127.0.0.1:9/s"
    assert stats["accepted"] == 2
    assert stats["segments"] == 3
    assert stats["per_recipient"] == {RECIPIENT: 1, "+447700900124": 1}
    assert stats["rejected"] == {"21211": 1}
    assert stats["rejected_429"] == 0

    assert requests.post(carrier.base_url + "/_sandbox/reset", timeout=5).status_code == 200
    assert requests.get(carrier.base_url + "/_sandbox/messages", timeout=5).json() == []
    assert requests.get(carrier.base_url + "/_sandbox/stats", timeout=5).json()["accepted"] == 0


def test_one_keep_alive_connection_carries_many_requests(start_carrier):
    carrier = start_carrier()
    with requests.Session() as session:
        for _ in range(20):
            assert create(carrier, session=session).status_code == 201
        server = carrier._server
        assert server is not None
        assert len(server._open) == 1


def test_latency_delays_each_api_answer(start_carrier):
    carrier = start_carrier(latency_ms=120)
    answer = create(carrier)
    assert answer.elapsed.total_seconds() >= 0.12
