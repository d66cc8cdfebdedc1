"""Gateway error classification: the code table and the HTTP-status fallbacks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.gateways.errors import (
    ERROR_TABLE,
    GatewayError,
    GatewayUnusable,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    RetryableError,
    SenderBlocked,
    classify_error,
    error_for,
)

# Expected classes from DOMAIN.md "Twilio facts", not from the table under test.
DOMAIN_CODES = [
    # permanent
    (21211, 400, PermanentError),
    (21612, 400, PermanentError),
    (21614, 400, PermanentError),
    (21610, 400, PermanentError),
    (21635, 400, PermanentError),
    (30005, None, PermanentError),
    (30006, None, PermanentError),
    # content / sender: stop the campaign for review
    (30007, None, SenderBlocked),
    (30042, None, SenderBlocked),
    (21408, 400, SenderBlocked),
    (21606, 400, SenderBlocked),
    # retryable
    (30003, None, RetryableError),
    (30008, None, RetryableError),
    (30500, None, RetryableError),
    (30001, None, RetryableError),
    (21611, 400, RetryableError),
    # never processed
    (20429, 429, RateLimited),
    (None, 429, RateLimited),
]


@pytest.mark.parametrize(("code", "http_status", "expected"), DOMAIN_CODES)
def test_twilio_codes_from_the_domain_notes_map_to_their_class(code, http_status, expected):
    assert classify_error(code, http_status) is expected


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [
        (None, 500, RetryableError),
        (None, 503, RetryableError),
        (20500, 500, RetryableError),
        (None, 401, GatewayUnusable),
        (20003, 401, GatewayUnusable),
        (None, 403, GatewayUnusable),
        (None, 400, PermanentError),
        (29999, 400, PermanentError),
        (39999, None, PermanentError),
        (None, None, GatewayError),
    ],
)
def test_unknown_codes_fall_back_on_the_http_status(code, http_status, expected):
    assert classify_error(code, http_status) is expected


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [
        # A server error at create may follow a create: look it up, never resend blindly.
        (None, 500, OutcomeUnknown),
        (None, 502, OutcomeUnknown),
        (None, 503, OutcomeUnknown),
        (None, 504, OutcomeUnknown),
        (20500, 500, OutcomeUnknown),
        (20500, None, OutcomeUnknown),
        # Never processed, or refused before anything was made: still safe to retry.
        (20429, 429, RateLimited),
        (None, 429, RateLimited),
        (20429, 503, RateLimited),
        (21611, 400, RetryableError),
        (21211, 400, PermanentError),
        (None, 401, GatewayUnusable),
    ],
)
def test_a_server_error_on_create_is_an_unknown_outcome(code, http_status, expected):
    assert classify_error(code, http_status, creating=True) is expected
    assert type(error_for(code, http_status, creating=True)) is expected


def test_a_rate_limit_is_retryable_and_an_unusable_gateway_stops_like_a_blocked_sender():
    assert issubclass(RateLimited, RetryableError)
    assert issubclass(GatewayUnusable, SenderBlocked)
    assert not issubclass(OutcomeUnknown, RetryableError)


@pytest.mark.parametrize(("code", "suppress"), [(21610, True), (21211, False), (30005, False)])
def test_only_an_opt_out_asks_for_suppression(code, suppress):
    error = error_for(code, 400)
    assert isinstance(error, PermanentError)
    assert error.suppress is suppress


def test_the_message_of_an_error_never_repeats_the_providers_text():
    provider_text = "The 'To' number +447700900990 is not a valid phone number."
    error = error_for(21211, 400, provider_text)
    assert "+447700900990" not in str(error)
    assert str(error) == "invalid To number (code 21211, HTTP 400)"
    assert error.provider_message == provider_text
    assert (error.code, error.http_status) == (21211, 400)


@given(
    code=st.one_of(st.none(), st.integers(min_value=0, max_value=99_999)),
    http_status=st.one_of(st.none(), st.integers(min_value=100, max_value=599)),
)
def test_every_code_and_status_classifies_to_a_gateway_error(code, http_status):
    error_type = classify_error(code, http_status)
    assert issubclass(error_type, GatewayError)
    if code in ERROR_TABLE:
        assert error_type is ERROR_TABLE[code][0]
    elif http_status == 429:
        assert error_type is RateLimited
    elif http_status is not None and http_status >= 500:
        assert error_type is RetryableError
