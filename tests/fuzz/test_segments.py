"""Fuzzing the segment counter: any text is counted without error, quickly, and the counts
agree with the parts the network would send."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.content.sms_encoding import (
    GSM7_CHARACTERS,
    Encoding,
    count_units,
    encoding_for,
    inspect,
    split_segments,
)
from tests.fuzz.budget import within

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GSMISH = st.text(
    alphabet=st.sampled_from([*sorted(GSM7_CHARACTERS), "€", "’", "…", "😀", "é", "\u0301"])
)
LIMITS = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


def _check(text: str, *, downgrade: bool) -> None:
    info = within(lambda: inspect(text, downgrade=downgrade), seconds=1.0, peak_mib=16)
    sent = info.text
    parts = split_segments(sent)
    assert "".join(parts) == sent
    assert info.segments == len(parts)
    assert info.encoding == encoding_for(sent)
    assert info.characters == count_units(sent, info.encoding)
    single, per_part = LIMITS[info.encoding]
    if len(parts) == 1:
        assert info.characters <= single
    for part in parts:
        assert count_units(part, info.encoding) <= (single if len(parts) == 1 else per_part)
    assert 0 <= info.remaining_in_segment <= info.units_per_segment
    if not downgrade:
        assert sent == text and not info.downgraded
    if info.downgraded:
        assert info.encoding is Encoding.GSM7
        assert info.segments <= inspect(text, downgrade=False).segments


@FUZZ
@given(text=GSMISH, downgrade=st.booleans())
def test_message_like_text_is_counted_consistently(text: str, downgrade: bool) -> None:
    _check(text, downgrade=downgrade)


@FUZZ
@given(text=st.text(max_size=2000), downgrade=st.booleans())
def test_any_text_is_counted_consistently(text: str, downgrade: bool) -> None:
    _check(text, downgrade=downgrade)


def test_a_very_long_message_is_counted_in_bounded_time() -> None:
    text = ("Naloxone wears off in 20–40 minutes 😀 " * 5000)[:200_000]
    info = within(lambda: inspect(text), seconds=5.0, peak_mib=64)
    assert info.segments > 1000
