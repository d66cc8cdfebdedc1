"""Fuzzing the phone-number normaliser: any text gives an answer, never an exception, in
bounded time and memory, and what it answers is consistent."""

from __future__ import annotations

import phonenumbers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from messaging.intake.phone_numbers import DEFAULT_TEXTABLE_REGIONS, NormalisedNumber, normalise
from tests.fuzz.budget import within

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text that looks like what lands in a contacts column: digits, separators, words, Excel.
NUMBERISH = st.lists(
    st.sampled_from([*"0123456789+()- .,;/#xXeE:pw\t\n", "ext", "tel:", "mob", "\u00a0", "44"]),
    max_size=40,
).map("".join)
ANY_TEXT = st.text(max_size=400)


def _check(raw: str) -> NormalisedNumber:
    result = within(lambda: normalise(raw), seconds=0.5, peak_mib=2)
    assert isinstance(result, NormalisedNumber)
    assert result.raw == raw
    if result.e164 is None:
        assert result.reason is not None
        assert not result.textable
    else:
        assert result.e164.startswith("+") and result.e164[1:].isdigit()
        assert 8 <= len(result.e164) <= 16
        parsed = phonenumbers.parse(result.e164)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == (
            result.e164
        )
        # Normalising the answer again gives the same answer.
        assert normalise(result.e164).e164 == result.e164
    if result.textable:
        assert result.region in DEFAULT_TEXTABLE_REGIONS
    return result


@FUZZ
@given(raw=NUMBERISH)
@example(raw="7.911123456E+09")
@example(raw="+44 (0)7911 123456 ext 12")
@example(raw="07911123456 mob")
@example(raw="0" * 60)
@example(raw="+" * 60)
def test_numberish_text_is_normalised_or_refused_with_a_reason(raw: str) -> None:
    _check(raw)


@FUZZ
@given(raw=ANY_TEXT)
def test_any_text_is_normalised_or_refused_with_a_reason(raw: str) -> None:
    _check(raw)


@settings(max_examples=30, deadline=None)
@given(size=st.integers(min_value=1_000, max_value=200_000), fill=st.sampled_from("07 +-x9"))
def test_huge_cells_are_refused_quickly(size: int, fill: str) -> None:
    result = within(lambda: normalise(fill * size), seconds=0.5, peak_mib=8)
    assert result.e164 is None
