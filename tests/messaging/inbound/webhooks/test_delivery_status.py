"""The one-way status order itself: which callback status may replace which current one."""

from __future__ import annotations

import pytest

from messaging import delivery_status as ds


@pytest.mark.parametrize(
    ("current", "applies"),
    [
        # read follows delivered, or any status short of final
        ("delivered", True),
        ("queued", True),
        ("accepted", True),
        ("sending", True),
        ("sent", True),
        ("partially_delivered", True),
        (ds.PENDING, True),
        (ds.CLAIMED, True),
        (ds.UNKNOWN, True),
        # a failure is final: a read never rewrites it
        ("failed", False),
        ("undelivered", False),
        ("canceled", False),
        ("read", False),
        (ds.SUPPRESSED, False),
        (ds.CANCELLED, False),
        (ds.EXPIRED, False),
        (ds.REJECTED, False),
    ],
)
def test_read_only_advances_from_delivered_or_a_status_short_of_final(
    current: str, applies: bool
) -> None:
    assert ds.should_apply(current, "read") is applies


@pytest.mark.parametrize("current", sorted(ds.CARRIER_FINAL))
@pytest.mark.parametrize("incoming", sorted(ds.CARRIER_FINAL - {"read"}))
def test_no_final_status_replaces_another(current: str, incoming: str) -> None:
    assert ds.should_apply(current, incoming) is False
