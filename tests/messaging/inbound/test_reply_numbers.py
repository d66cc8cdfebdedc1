"""Phone numbers written in replies: any typed format in, E.164 out, help lines left out."""

import re
import time

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.inbound.reply_numbers import (
    HELPLINE_NUMBERS,
    extract_numbers,
    find_numbers,
    is_drama_number,
)

DRAMA = "+447700900123"  # Ofcom drama range: demo and training data
DRAMA_2 = "+447700900456"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07700 900123", (DRAMA,)),
        ("07700900123", (DRAMA,)),
        ("+447700900123", (DRAMA,)),
        ("+44 7700 900123", (DRAMA,)),
        ("+44 (0)7700 900123", (DRAMA,)),
        ("0044 7700 900123", (DRAMA,)),
        ("0770-090-0123", (DRAMA,)),
        ("07700 900 123", (DRAMA,)),
        ("07700.900.123", (DRAMA,)),
        ("(07700) 900123", (DRAMA,)),
        ("ring 0 7 7 0 0 9 0 0 1 2 3 now", (DRAMA,)),
        ("07700\n900123", (DRAMA,)),
        ("new number 07700 900123 ring it", (DRAMA,)),
        ("new no.07700900123!!!", (DRAMA,)),
        ("call07700900123", (DRAMA,)),
        ("his new number 07700 900123 2day", (DRAMA,)),
        ("07700 900123 ext 12", (DRAMA,)),
        ("07700900123😀", (DRAMA,)),
        ("０７７００９００１２３", (DRAMA,)),
        ("o77oo 9oo123", (DRAMA,)),
        ("077OO 9OO 123", (DRAMA,)),
        ("Call O77OO9OO123", (DRAMA,)),
        ("07700 900123 or 07700 900456", (DRAMA, DRAMA_2)),
        ("07700 900123 07700 900456", (DRAMA, DRAMA_2)),
        ("07700900123/07700900456", (DRAMA, DRAMA_2)),
        ("07700900123,07700900456", (DRAMA, DRAMA_2)),
        ("first 07700 900456 then 07700 900123", (DRAMA_2, DRAMA)),
        ("07700900123 or +447700900123 same thing", (DRAMA,)),
        ("07700 900000", ("+447700900000",)),
        ("07700 900999", ("+447700900999",)),
        ("his no is 07911 123456", ("+447911123456",)),  # documentation example mobile
        ("the flat is 020 7946 0000", ("+442079460000",)),  # Ofcom drama range, London
        ("+33 6 12 34 56 78", ("+33612345678",)),
    ],
)
def test_numbers_written_any_way_come_back_as_e164_in_order(text, expected):
    assert extract_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "£20",
        "£20 for 3.5",
        "meet at 10:30",
        "on 12/05/2024",
        "12.05.2024",
        "2024-05-12",
        "SW1A 1AA",
        "B12 9QQ",
        "sort code 12-34-56 account 12345678",
        "call 999",
        "ring 101",
        "111",
        "SafeCall 116 000",
        "Samaritans 116 123",
        "FRANK 0300 123 6600",
        "Crimestoppers 0800 555 111",
        "childline 0800 1111",
        "07700900123456",  # too long to be a number
        "07700 901000",  # next to the drama range, not allocated
        "o well, too good",
        "o77oo",
        "2oo quid",
        "the o2 shop",
        "1 2 3",
        "",
    ],
)
def test_things_that_are_not_intelligence_numbers_are_not_reported(text):
    assert extract_numbers(text) == ()


@pytest.mark.parametrize("helpline", sorted(HELPLINE_NUMBERS))
def test_help_lines_are_never_extracted_in_any_format(helpline):
    national = phonenumbers.format_number(
        phonenumbers.parse(helpline), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    assert extract_numbers(f"is {national} the right number") == ()
    assert extract_numbers(f"is {helpline} the right number") == ()


def test_the_well_known_help_lines_are_all_excluded():
    assert {"+443001236600", "+44800555111", "+44116000", "+44116123"} <= HELPLINE_NUMBERS


def test_callers_can_exclude_their_own_service_numbers():
    text = "is 0161 496 0000 the drug service or is it 07700 900123"
    assert extract_numbers(text, exclude={"+441614960000"}) == (DRAMA,)


def test_found_numbers_point_at_the_words_that_were_written():
    text = "ring 07700 900 123 or o77oo 9oo456"
    found = find_numbers(text)
    assert [text[number.start : number.end] for number in found] == [
        "07700 900 123",
        "o77oo 9oo456",
    ]
    assert [number.e164 for number in found] == [DRAMA, DRAMA_2]


@pytest.mark.parametrize(
    ("written", "is_drama"),
    [
        ("+447700900000", True),
        ("+447700900999", True),
        ("+447700900500", True),
        ("+447700899999", False),
        ("+447700901000", False),
        ("+447911123456", False),
        ("+17700900123", False),
    ],
)
def test_the_drama_range_is_exactly_ofcoms(written, is_drama):
    assert is_drama_number(phonenumbers.parse(written)) is is_drama


def test_phonenumbers_still_calls_the_drama_range_invalid():
    # Why the explicit drama-range check exists; if this changes the check is harmless.
    assert not phonenumbers.is_valid_number(phonenumbers.parse(DRAMA))


FORMATS = [
    "0{a} {b}",
    "0{a}{b}",
    "+44{a}{b}",
    "+44 {a} {b}",
    "0{a}-{b}",
    "0{a} {b1} {b2}",
    "(0{a}) {b}",
]
PROSE = st.text(alphabet=st.sampled_from(list("abcdefghijklmnpqrstuvwyz !?,'")), max_size=30)


@given(
    suffix=st.integers(min_value=0, max_value=999),
    shape=st.sampled_from(FORMATS),
    before=PROSE,
    after=PROSE,
)
@settings(max_examples=200, deadline=None)
def test_any_drama_number_in_any_shape_inside_prose_is_found(suffix, shape, before, after):
    b = f"900{suffix:03d}"
    written = shape.format(a="7700", b=b, b1=b[:3], b2=b[3:])
    assert extract_numbers(f"{before} {written} {after}") == (f"+447700900{suffix:03d}",)


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_unique_e164_numbers_without_raising(text):
    numbers = extract_numbers(text)
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert re.fullmatch(r"\+[1-9]\d{6,14}", number)
        assert number not in HELPLINE_NUMBERS


@pytest.mark.parametrize(
    "text",
    [
        "07700 " * 1666,
        "07700 900123 " * 769,
        "0" * 10_000,
        "0-" * 5_000,
        "(0" * 5_000,
        "o7 " * 3_333,
        "+" * 10_000,
    ],
    ids=["trunk_groups", "many_numbers", "zeros", "hyphens", "brackets", "letter_o", "pluses"],
)
def test_long_digit_heavy_input_is_read_in_bounded_time(text):
    started = time.perf_counter()
    extract_numbers(text)
    assert time.perf_counter() - started < 3.0
