"""The carrier's own segment count: GSM-7 160/153, extension characters double, UCS-2 70/67."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.sandbox.segments import count_segments


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),  # 162 septets
        ("a" * 159 + "[", 2),  # the bracket takes two septets
        ("Café £5 @ 10:00", 1),  # é, £ and @ are in the GSM-7 default alphabet
        ("’" + "a" * 69, 1),  # one curly quote: the whole text is UCS-2
        ("’" + "a" * 70, 2),
        ("’" + "a" * 133, 2),
        ("’" + "a" * 134, 3),
        ("😀" * 35, 1),  # an emoji is two UCS-2 units
        ("😀" * 36, 2),
    ],
)
def test_segments_follow_the_gsm7_and_ucs2_limits(body, segments):
    assert count_segments(body) == segments


@given(st.text(alphabet="abc XYZ019.,", min_size=1, max_size=2000), st.text(max_size=50))
def test_adding_text_never_takes_fewer_segments(body, more):
    assert count_segments(body + more) >= count_segments(body)
