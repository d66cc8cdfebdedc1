"""Tests for the phone-number normaliser (messaging.intake.phone_numbers).

Expected values come from the domain facts (DOMAIN.md) and from the number ranges in
phonenumbers' own metadata, quoted where a case depends on them. Synthetic numbers only:
Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx, 0113 496 0xxx...) and documentation
examples.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import unicodedata

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from messaging.intake import phone_numbers
from messaging.intake.phone_numbers import (
    DEFAULT_TEXTABLE_REGIONS,
    INVALID_REASON_MESSAGES,
    InvalidReason,
    NormalisedNumber,
    NumberKind,
    is_drama_range,
    normalise,
)

R = InvalidReason


def mobile(e164: str, region: str = "GB", *, drama: bool = False) -> tuple:
    return (e164, NumberKind.MOBILE, region, region in DEFAULT_TEXTABLE_REGIONS, None, drama)


def landline(e164: str, region: str = "GB") -> tuple:
    return (e164, NumberKind.LANDLINE, region, False, None, False)


def non_geographic(e164: str, region: str = "GB") -> tuple:
    return (e164, NumberKind.NON_GEOGRAPHIC, region, False, None, False)


def invalid(reason: InvalidReason) -> tuple:
    return (None, NumberKind.INVALID, None, False, reason, False)


M = mobile("+447400123456")  # 074 00 is a GB mobile range (GB mobile pattern 74[0-46-9]\d)
M2 = mobile("+447712345678")
LONDON = landline("+442079460000")  # Ofcom's drama range for London

WRITINGS_OF_ONE_MOBILE = [
    ("national_with_space", "07400 123456", M),
    ("national_without_spaces", "07400123456", M),
    ("national_in_threes", "07400 123 456", M),
    ("national_with_dashes", "07400-123-456", M),
    ("national_with_dots", "07400.123.456", M),
    ("national_with_one_dot", "07400.123456", M),
    ("national_with_bracketed_prefix", "(07400) 123456", M),
    ("national_with_square_brackets", "[07400] 123456", M),
    ("national_with_slash", "07400/123456", M),
    ("national_with_underscore", "07400_123456", M),
    ("national_with_asterisk", "07400*123456", M),
    ("international", "+447400123456", M),
    ("international_spaced", "+44 7400 123456", M),
    ("international_dashed", "+44-7400-123-456", M),
    ("international_with_bracketed_zero", "+44 (0)7400 123456", M),
    ("international_with_spaced_bracketed_zero", "+44 (0) 7400-123-456", M),
    ("international_with_zero", "+4407400123456", M),
    ("international_with_spaced_zero", "+44 07400 123456", M),
    ("international_in_brackets", "(+44) 7400 123456", M),
    ("idd", "00447400123456", M),
    ("idd_spaced", "0044 7400 123456", M),
    ("idd_split", "00 44 7400 123456", M),
    ("idd_with_zero", "0044 0 7400 123456", M),
    ("idd_with_bracketed_zero", "0044 (0)7400 123456", M),
    ("country_code_without_plus", "447400123456", M),
    ("country_code_without_plus_spaced", "44 7400 123456", M),
    ("country_code_without_plus_with_zero", "4407400123456", M),
    ("lost_leading_zero", "7400123456", M),
    ("lost_leading_zero_spaced", "7400 123456", M),
    ("surrounding_spaces", "   07400 123456   ", M),
    ("surrounding_tabs_and_newline", "\t07400 123456\n", M),
    ("double_quoted", '"07400 123456"', M),
    ("excel_text_apostrophe", "'07400123456", M),
    ("trailing_full_stop", "07400 123 456.", M),
    ("trailing_comma", "07400 123456,", M),
    ("trailing_semicolon", "07400 123456;", M),
    ("trailing_hyphen", "07400 123456 -", M),
    ("leading_label", "Mob: 07400 123456", M),
    ("leading_category_label", "Phone-Mobile: +44 7400 123456", M),
    ("tel_uri", "tel:+447400123456", M),
    ("vcard_tel_line", "TEL;CELL:07400123456", M),
    ("whatsapp_id", "447400123456@s.whatsapp.net", M),
]

EXCEL_DAMAGE = [
    ("excel_scientific", "7.400123456E+09", M),
    ("excel_scientific_lower_case", "7.400123456e+09", M),
    ("excel_scientific_without_plus", "7.400123456E9", M),
    ("excel_scientific_with_country_code", "4.47400123456E+11", M),
    ("excel_scientific_landline", "2.07946E+09", invalid(R.EXCEL_PRECISION_LOST)),
    ("excel_scientific_exact_landline", "2.079460000E+09", LONDON),
    ("excel_scientific_lossy", "7.40012E+09", invalid(R.EXCEL_PRECISION_LOST)),
    ("excel_scientific_very_lossy", "7.4E+09", invalid(R.EXCEL_PRECISION_LOST)),
    ("excel_scientific_not_whole", "7.4001234567E+09", invalid(R.NOT_A_NUMBER)),
    ("excel_point_zero", "07400123456.0", M),
    ("excel_point_zero_lost_zero", "7400123456.0", M),
    ("excel_point_zero_country_code", "447400123456.0", M),
    ("excel_point_zero_landline", "2079460000.0", LONDON),
]

EXTENSIONS_AND_WORDS = [
    ("extension_ext", "07400 123456 ext 12", M),
    ("extension_ext_dot", "07400 123456 ext. 12", M),
    ("extension_extn", "07400 123456 extn 12", M),
    ("extension_extension", "07400 123456 extension 1234", M),
    ("extension_x", "07400 123456 x12", M),
    ("extension_capital_x_spaced", "07400 123456 X 12", M),
    ("extension_glued", "07400123456x12", M),
    ("extension_hash", "07400 123456 #12", M),
    ("extension_rfc3966", "07400123456;ext=12", M),
    ("extension_after_comma", "07400 123456, ext 12", M),
    ("extension_on_landline", "020 7946 0000 ext 1234", LONDON),
    ("extension_after_android_pause", "+44 20 7946 0000,,123", LONDON),
    ("extension_after_android_wait", "07400123456;123", M),
    ("extension_after_pause_letter", "07400123456p123", M),
    ("extension_after_wait_letter", "07400123456W12#", M),
    (
        "seven_digits_after_comma_are_not_an_extension",
        "07400 123456, 7946000",
        invalid(R.MULTIPLE_NUMBERS),
    ),
    ("word_mob", "07400 123456 mob", M),
    ("word_mob_unspaced", "07400123456 mob", M),
    ("word_glued", "07400123456mob", M),
    ("word_in_brackets", "07400 123456 (mob)", M),
    ("word_after_dash", "07400 123456 - work", M),
    ("word_upper_case", "07400 123456 WORK", M),
    ("word_home", "07400 123456 home", M),
    ("two_words", "07400 123456 new phone", M),
    ("word_then_extension", "07400 123456 mob ext 12", M),
    ("word_with_full_stop", "07400 123456 mob.", M),
    ("word_accented", "07400 123456 (móvil)", M),
    ("international_with_word", "+44 7400 123456 (work)", M),
    ("letters_never_become_digits", "07911123456 mob", mobile("+447911123456", "GG")),
    ("word_with_digit_is_not_guessed", "07400 123456 mob2", invalid(R.NOT_A_NUMBER)),
    ("letter_l_for_one_is_not_guessed", "07400 l23456", invalid(R.NOT_A_NUMBER)),
    ("letter_o_for_zero_is_not_guessed", "O7400 123456", invalid(R.NOT_A_NUMBER)),
    ("vanity_number_is_not_spelled_out", "0800 FLOWERS", invalid(R.TOO_SHORT)),
]

UNICODE_AND_ODD_PUNCTUATION = [
    ("fullwidth_digits", "０７４００ １２３４５６", M),
    ("fullwidth_plus", "＋44 7400 123456", M),
    ("arabic_indic_digits", "٠٧٤٠٠١٢٣٤٥٦", M),
    ("devanagari_digits", "०७४००१२३४५६", M),
    ("mixed_ascii_and_fullwidth", "07400１２３４５６", M),
    ("no_break_space", "07400\u00a0123456", M),
    ("narrow_no_break_space", "07400\u202f123456", M),
    ("en_dash", "07400–123–456", M),
    ("em_dash", "07400—123456", M),
    ("non_breaking_hyphen", "07400\u2011123456", M),
    ("zero_width_space", "07400\u200b123456", M),
    ("direction_marks_from_a_phone", "\u202a+44 7400 123456\u202c", M),
    ("left_to_right_mark", "\u200e07400 123456", M),
    ("byte_order_mark", "\ufeff07400 123456", M),
    ("middle_dot", "07400·123·456", M),
    ("curly_quotes", "“07400 123456”", M),
    ("emoji_after", "07400 123456 📱", M),
    ("ideographic_space", "07400\u3000123456", M),
]

MOBILE_RANGES_AND_CROWN_DEPENDENCIES = [
    ("mobile_071", "07123 456789", mobile("+447123456789")),
    ("mobile_073", "07300 123456", mobile("+447300123456")),
    ("mobile_075", "07555 123456", mobile("+447555123456")),
    ("mobile_077", "07712 345678", M2),
    ("mobile_078", "07890 123456", mobile("+447890123456")),
    ("mobile_079", "07950 123456", mobile("+447950123456")),
    ("mobile_07911_0_is_gb", "07911 023456", mobile("+447911023456")),
    # phonenumbers' GG mobile pattern includes 7911[17]: 07911 1xxxxx is Guernsey's.
    ("documentation_example_is_guernsey", "07911 123456", mobile("+447911123456", "GG")),
    ("isle_of_man_07624", "07624 123456", mobile("+447624123456", "IM")),
    ("isle_of_man_07524", "07524 123456", mobile("+447524123456", "IM")),
    ("isle_of_man_international", "+44 7624 123456", mobile("+447624123456", "IM")),
    ("guernsey_07781", "07781 123456", mobile("+447781123456", "GG")),
    ("guernsey_07839", "07839 123456", mobile("+447839123456", "GG")),
    ("jersey_07797", "07797 123456", mobile("+447797123456", "JE")),
    ("jersey_07509", "07509 123456", mobile("+447509123456", "JE")),
    ("jersey_07700_3", "07700 312345", mobile("+447700312345", "JE")),
    # GB's mobile pattern claims 0792x before the Isle of Man's 7[59]24 is tried.
    ("07924_is_gb_not_isle_of_man", "07924 123456", mobile("+447924123456")),
    ("mobile_07700_0_is_gb", "07700 012345", mobile("+447700012345")),
    ("drama_range", "07700 900123", mobile("+447700900123", drama=True)),
    ("drama_range_first", "07700 900000", mobile("+447700900000", drama=True)),
    ("drama_range_last", "07700 900999", mobile("+447700900999", drama=True)),
    ("drama_range_international", "+44 7700 900456", mobile("+447700900456", drama=True)),
    ("drama_range_lost_zero", "7700900456", mobile("+447700900456", drama=True)),
    ("drama_range_excel", "7.700900456E+09", mobile("+447700900456", drama=True)),
    ("after_drama_range", "07700 901000", invalid(R.INVALID_FOR_REGION)),
    # JE's mobile pattern includes 7700[378].
    ("before_drama_range_is_jersey", "07700 899999", mobile("+447700899999", "JE")),
]

OTHER_UK_NUMBERS = [
    ("london_landline", "020 7946 0000", LONDON),
    ("london_landline_old_style", "0207 946 0000", LONDON),
    ("london_landline_international", "+44 20 7946 0000", LONDON),
    ("london_landline_bracketed_zero", "+44 (0) 20 7946 0000", LONDON),
    ("london_landline_lost_zero", "2079460000", LONDON),
    ("london_landline_country_code", "442079460000", LONDON),
    ("london_landline_with_slash", "020/7946 0000", LONDON),
    ("leeds_landline", "0113 496 0000", landline("+441134960000")),
    ("birmingham_landline", "0121 496 0000", landline("+441214960000")),
    ("manchester_landline", "0161 496 0000", landline("+441614960000")),
    ("edinburgh_landline", "0131 496 0000", landline("+441314960000")),
    ("bristol_landline", "0117 496 0000", landline("+441174960000")),
    ("tyneside_landline", "0191 498 0000", landline("+441914980000")),
    ("belfast_landline", "028 9018 0000", landline("+442890180000")),
    ("cardiff_landline", "029 2018 0000", landline("+442920180000")),
    ("isle_of_man_landline", "01624 612345", landline("+441624612345", "IM")),
    ("jersey_landline", "01534 456789", landline("+441534456789", "JE")),
    ("guernsey_landline", "01481 256789", landline("+441481256789", "GG")),
    ("isle_of_man_landline_out_of_range", "01624 123456", invalid(R.INVALID_FOR_REGION)),
    ("freephone_0800", "0800 123 4567", non_geographic("+448001234567")),
    ("freephone_0808", "0808 157 0000", non_geographic("+448081570000")),
    ("freephone_crimestoppers", "0800 555 111", non_geographic("+44800555111")),
    ("freephone_seven_digit_childline", "0800 1111", non_geographic("+448001111")),
    ("uan_frank", "0300 123 6600", non_geographic("+443001236600")),
    ("uan_0345", "0345 123 4567", non_geographic("+443451234567")),
    ("uan_055", "0551 234 5678", non_geographic("+445512345678")),
    ("personal_070", "07011 123456", non_geographic("+447011123456")),
    ("personal_070_international", "+44 70 1112 3456", non_geographic("+447011123456")),
    ("pager_076", "07640 123456", non_geographic("+447640123456")),
    ("premium_09", "0909 123 4567", non_geographic("+449091234567")),
    ("premium_0871", "0871 123 4567", non_geographic("+448711234567")),
    ("premium_0843", "0843 123 4567", non_geographic("+448431234567")),
    ("voip_056", "0560 123 4567", non_geographic("+445601234567")),
    ("discontinued_0500", "0500 123456", invalid(R.INVALID_FOR_REGION)),
    ("unallocated_01632", "01632 960000", invalid(R.INVALID_FOR_REGION)),
]

INTERNATIONAL = [
    ("irish_mobile", "+353 85 123 4567", mobile("+353851234567", "IE")),
    ("irish_mobile_idd", "00353 85 123 4567", mobile("+353851234567", "IE")),
    ("irish_mobile_unspaced", "+353851234567", mobile("+353851234567", "IE")),
    ("irish_landline", "+353 1 234 5678", landline("+35312345678", "IE")),
    (
        "irish_mobile_written_nationally_is_not_guessed",
        "085 123 4567",
        invalid(R.INVALID_FOR_REGION),
    ),
    ("french_mobile", "+33 6 12 34 56 78", mobile("+33612345678", "FR")),
    ("german_mobile", "+49 1512 3456789", mobile("+4915123456789", "DE")),
    ("german_landline", "+49 30 123456", landline("+4930123456", "DE")),
    ("us_fixed_line_or_mobile", "+1 650 253 0000", mobile("+16502530000", "US")),
    ("unknown_country_code", "+999 123 456 789", invalid(R.INVALID_COUNTRY_CODE)),
    ("country_code_zero", "+0 123 456 789", invalid(R.INVALID_COUNTRY_CODE)),
]

EMPTY_SHORT_LONG_AND_GARBAGE = [
    ("empty", "", invalid(R.EMPTY)),
    ("space", " ", invalid(R.EMPTY)),
    ("whitespace", " \t\r\n ", invalid(R.EMPTY)),
    ("no_break_spaces", "\u00a0\u00a0", invalid(R.EMPTY)),
    ("dash_placeholder", "-", invalid(R.EMPTY)),
    ("brackets_only", "( )", invalid(R.EMPTY)),
    ("plus_only", "+", invalid(R.EMPTY)),
    ("n_a", "n/a", invalid(R.NOT_A_NUMBER)),
    ("excel_n_a", "#N/A", invalid(R.NOT_A_NUMBER)),
    ("word", "unknown", invalid(R.NOT_A_NUMBER)),
    ("sentence", "call me later", invalid(R.NOT_A_NUMBER)),
    ("email_address", "someone@example.com", invalid(R.NOT_A_NUMBER)),
    ("withheld", "Private number", invalid(R.NOT_A_NUMBER)),
    ("single_digit", "7", invalid(R.TOO_SHORT)),
    ("two_digits", "12", invalid(R.TOO_SHORT)),
    ("three_digits", "123", invalid(R.TOO_SHORT)),
    ("country_code_only", "+44", invalid(R.TOO_SHORT)),
    ("country_code_and_one_digit", "+44 1", invalid(R.TOO_SHORT)),
    ("idd_and_country_code_only", "0044", invalid(R.TOO_SHORT)),
    ("mobile_prefix_only", "07400", invalid(R.TOO_SHORT)),
    ("local_number_without_area_code", "946000", invalid(R.TOO_SHORT)),
    ("short_us_number", "+1 234", invalid(R.TOO_SHORT)),
    ("mobile_missing_a_digit_is_not_in_the_plan", "07400 12345", invalid(R.INVALID_FOR_REGION)),
    ("mobile_with_extra_digit", "07400 1234567", invalid(R.TOO_LONG)),
    ("international_mobile_with_extra_digit", "+44 7400 1234567", invalid(R.TOO_LONG)),
    ("eighteen_digits", "123456789012345678", invalid(R.TOO_LONG)),
    ("many_digits_without_spaces", "0740012345607712345678", invalid(R.TOO_LONG)),
    ("notes_field", "07400 123456 " + "note " * 60, invalid(R.TOO_LONG)),
    ("digits_among_words", "07400 mob 123456", invalid(R.NOT_A_NUMBER)),
    ("stray_plus_inside", "07400+123456", invalid(R.NOT_A_NUMBER)),
    ("doubled_plus", "++44 7400 123456", invalid(R.NOT_A_NUMBER)),
]

MULTIPLE_NUMBERS = [
    ("slash", "07400 123456 / 07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("slash_unspaced", "07400123456/07712345678", invalid(R.MULTIPLE_NUMBERS)),
    ("semicolon", "07400 123456; 07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("comma", "07400 123456, 07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("pipe", "07400123456|07712345678", invalid(R.MULTIPLE_NUMBERS)),
    ("ampersand", "07400 123456 & 07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("newline", "07400 123456\n07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("word_or", "07400 123456 or 07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("word_and", "07400 123456 and 020 7946 0000", invalid(R.MULTIPLE_NUMBERS)),
    ("labelled", "07400123456 mob 07712345678 home", invalid(R.MULTIPLE_NUMBERS)),
    ("space_only", "07400 123456 07712 345678", invalid(R.MULTIPLE_NUMBERS)),
    ("two_international", "+447400123456 +447712345678", invalid(R.MULTIPLE_NUMBERS)),
    ("same_number_twice", "07400 123456 / 07400 123456", invalid(R.MULTIPLE_NUMBERS)),
]

CASES = [
    pytest.param(raw, expected, id=case_id)
    for case_id, raw, expected in (
        WRITINGS_OF_ONE_MOBILE
        + EXCEL_DAMAGE
        + EXTENSIONS_AND_WORDS
        + UNICODE_AND_ODD_PUNCTUATION
        + MOBILE_RANGES_AND_CROWN_DEPENDENCIES
        + OTHER_UK_NUMBERS
        + INTERNATIONAL
        + EMPTY_SHORT_LONG_AND_GARBAGE
        + MULTIPLE_NUMBERS
    )
]


def test_the_table_has_at_least_150_distinct_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalise_repairs_parses_and_classifies(raw: str, expected: tuple) -> None:
    assert normalise(raw) == NormalisedNumber(raw, *expected)


# --- Properties ------------------------------------------------------------------------------


def _reference_mobile_region(national: str) -> str | None:
    """Region of +44<national> if phonenumbers itself calls it a valid mobile, else None."""
    number = phonenumbers.parse("+44" + national)
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return phonenumbers.region_code_for_number(number)


@st.composite
def uk_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A valid UK mobile's 10-digit national number and its region, by phonenumbers' ranges."""
    national = draw(st.from_regex(r"7[1-57-9][0-9]{8}", fullmatch=True))
    region = _reference_mobile_region(national)
    assume(region is not None)
    return national, region


PREFIXES = [
    "+44",
    "+44 ",
    "+44 (0)",
    "+44 (0) ",
    "+44(0)",
    "+440",
    "+44 0",
    "(+44) ",
    "0044",
    "0044 ",
    "00 44 ",
    "0044 (0)",
    "00440",
    "44",
    "44 ",
    "440",
    "44 0",
    "0",
    "(0)",
    "",  # "" is a mobile whose leading zero Excel dropped
]
SUFFIXES = [
    "",
    " mob",
    "mob",
    " (mob)",
    " MOB",
    " work",
    " - home",
    " ext 12",
    " ext. 12",
    " x12",
    "x12",
    " #12",
    " mob ext 12",
    ",",
    ".",
]


@st.composite
def writings(draw: st.DrawFn, national: str) -> str:
    """A common way of writing a UK national number: prefix, grouping, separators, words."""
    prefix = draw(st.sampled_from(PREFIXES))
    separator = draw(st.sampled_from([" ", "-", ".", "", " - ", "\u00a0"]))
    cuts, position = [], 0
    while position < len(national) - 3:  # every group has at least two digits
        position = draw(st.integers(position + 2, len(national) - 2))
        cuts.append(position)
        if draw(st.booleans()):
            break
    edges = [0, *cuts, len(national)]
    body = separator.join(national[a:b] for a, b in itertools.pairwise(edges))
    spaces = draw(st.sampled_from(["", " ", "\t", "  "]))
    return f"{spaces}{prefix}{body}{draw(st.sampled_from(SUFFIXES))}{spaces}"


def excel_damage(national: str) -> list[str]:
    """What Excel (or pandas) leaves of a mobile stored as a number."""
    return [
        f"0{national}.0",
        f"{national}.0",
        f"44{national}.0",
        f"{national[0]}.{national[1:]}E+09",
        f"{national[0]}.{national[1:]}e+09",
        f"4.4{national}E+11",
    ]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_common_writing_of_a_uk_mobile_normalises_back_to_it(data: st.DataObject) -> None:
    national, region = data.draw(uk_mobiles())
    raw = data.draw(st.one_of(writings(national), st.sampled_from(excel_damage(national))))
    result = normalise(raw)
    assert (result.e164, result.kind, result.region) == (
        "+44" + national,
        NumberKind.MOBILE,
        region,
    )
    assert result.textable and result.reason is None


@settings(max_examples=200, deadline=None)
@given(uk_mobiles(), st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True))
def test_a_trailing_word_never_adds_digits(mobile_and_region: tuple, word: str) -> None:
    national, _region = mobile_and_region
    assert normalise(f"0{national} {word}").e164 == "+44" + national


def _decimal_digits(text: str) -> str:
    return "".join(
        str(unicodedata.decimal(char))
        for char in unicodedata.normalize("NFKC", text)
        if char.isdecimal()
    )


MESSY_ALPHABET = [*"0123456789" * 4, *" +()-./,;#xXemobtwk\t\u00a0\u2013٣", "ext", "E+09", "+44"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MESSY_ALPHABET), max_size=30).map("".join) | st.text(max_size=30))
def test_any_input_gives_a_consistent_result_and_never_raises(raw: str) -> None:
    result = normalise(raw)
    invalid = result.kind is NumberKind.INVALID
    assert (
        invalid == (result.e164 is None) == (result.region is None) == (result.reason is not None)
    )
    assert not result.textable or result.kind is NumberKind.MOBILE
    assert result.drama == (result.e164 is not None and is_drama_range(result.e164))
    if not invalid:
        assert result.e164[0] == "+" and result.e164[1:].isdigit() and len(result.e164) <= 16
        assert normalise(result.e164) == dataclasses.replace(result, raw=result.e164)
    if result.e164 and result.e164.startswith("+44"):
        # Letters never turn into digits: the national number was typed, in full.
        assert result.e164[3:] in _decimal_digits(raw)


# --- The fast path gives the same verdicts as a full parse -----------------------------------

DIALABLE_PREFIXES = [
    "",
    "0",
    "+44",
    "+440",
    "0044",
    "00440",
    "44",
    "440",
    "4400",
    "+",
    "00",
    "+353",
    "1800",
    "0180020",
    "180020",
]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(DIALABLE_PREFIXES),
    st.sampled_from(
        ["", "1", "2", "3", "5", "7", "70", "76", "77009", "7624", "7781", "7797", "8", "9"]
    ),
    st.text(alphabet="0123456789", max_size=12),
)
def test_the_fast_path_agrees_with_a_full_parse(prefix: str, lead: str, digits: str) -> None:
    dialable = prefix + lead + digits
    assume(dialable.lstrip("+"))
    fast = phone_numbers._classify_gb_fast(dialable)
    if fast is not None:
        assert fast == phone_numbers._classify_by_parsing(dialable, "GB")


def test_the_fast_path_agrees_with_a_full_parse_across_every_uk_prefix() -> None:
    rng = random.Random(20240)
    shapes = ["0{}", "+44{}", "44{}", "{}", "0044{}", "+440{}"]
    fast_ones = 0
    for prefix in range(100, 10_000):
        national = f"{prefix}{rng.randrange(10**6):06d}"  # 9 digits for 3-digit prefixes
        dialable = shapes[prefix % len(shapes)].format(national)
        fast = phone_numbers._classify_gb_fast(dialable)
        if fast is not None:
            assert fast == phone_numbers._classify_by_parsing(dialable, "GB"), dialable
            fast_ones += 1
    # Only bare numbers starting 44 or 180020 are left to the parser.
    assert fast_ones > 9_700


@pytest.mark.parametrize(
    "dialable",
    [
        "07400123456",
        "+447400123456",
        "00447400123456",
        "447400123456",
        "7400123456",
        "+4407400123456",
        "02079460000",
    ],
)
def test_the_usual_uk_shapes_take_the_fast_path(dialable: str) -> None:
    assert phone_numbers._classify_gb_fast(dialable) is not None


@pytest.mark.parametrize(
    "dialable", ["+353851234567", "0035385123456", "4412345678", "8001111", "1800207400123456"]
)
def test_other_shapes_are_left_to_a_full_parse(dialable: str) -> None:
    assert phone_numbers._classify_gb_fast(dialable) is None


# --- Options and the public surface ----------------------------------------------------------


def test_textable_regions_are_configurable_and_not_cached_with_the_verdict() -> None:
    assert normalise("07624 123456").textable
    assert not normalise("07624 123456", textable_regions=frozenset({"GB"})).textable
    assert normalise("07624 123456").textable
    assert not normalise("07700 900123", textable_regions=frozenset({"IM"})).textable


def test_an_irish_mobile_is_textable_only_when_ireland_is_allowed() -> None:
    allowed = DEFAULT_TEXTABLE_REGIONS | {"IE"}
    assert not normalise("+353 85 123 4567").textable
    assert normalise("+353 85 123 4567", textable_regions=allowed).textable


def test_landlines_and_non_geographic_numbers_are_never_textable() -> None:
    everywhere = frozenset({"GB", "IM", "JE", "GG", "IE"})
    for raw in ("020 7946 0000", "0800 123 4567", "07011 123456", "07640 123456"):
        assert not normalise(raw, textable_regions=everywhere).textable


def test_the_default_region_decides_how_national_numbers_are_read() -> None:
    irish = normalise("085 123 4567", default_region="IE")
    assert (irish.e164, irish.kind, irish.region) == ("+353851234567", NumberKind.MOBILE, "IE")
    assert normalise("+44 7400 123456", default_region="IE").e164 == "+447400123456"
    assert normalise("07400 123456", default_region="IE").kind is NumberKind.INVALID


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+447700900000", True),
        ("+447700900999", True),
        ("+447700900500", True),
        ("+447700901000", False),
        ("+447700899999", False),
        ("+44770090012", False),
        ("+4477009001234", False),
        ("07700900123", False),
        ("+44770090012x", False),
        ("", False),
    ],
)
def test_is_drama_range_accepts_only_ofcoms_drama_mobiles(e164: str, expected: bool) -> None:
    assert is_drama_range(e164) is expected


def test_as_json_has_exactly_the_cli_fields_as_plain_values() -> None:
    as_json = normalise("07700 900123 mob").as_json()
    assert as_json == {
        "raw": "07700 900123 mob",
        "e164": "+447700900123",
        "kind": "mobile",
        "region": "GB",
        "textable": True,
        "reason": None,
    }
    assert type(as_json["kind"]) is str
    assert type(normalise("").as_json()["reason"]) is str


def test_every_invalid_reason_has_a_message() -> None:
    assert set(INVALID_REASON_MESSAGES) == set(InvalidReason)


def test_a_result_cannot_be_changed() -> None:
    result = normalise("07400 123456")
    with pytest.raises(AttributeError):
        result.e164 = "+447712345678"  # type: ignore[misc]
