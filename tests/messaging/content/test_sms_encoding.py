"""Segment arithmetic: expected figures come from 3GPP TS 23.038 and Twilio's limits
(GSM-7 160/153, UCS-2 70/67, extension characters and surrogate pairs cost two units)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.content.sms_encoding import (
    GSM7_EXTENSION,
    Downgrade,
    Encoding,
    count_units,
    downgrade_to_gsm,
    encoding_for,
    inspect,
    split_segments,
)

GSM, UCS = Encoding.GSM7, Encoding.UCS2
EXTENSION_CHARACTERS = ["€", "[", "]", "{", "}", "^", "~", "\\", "|", "\f"]
# In the default alphabet: one unit each.
GSM_ACCENTED = list("éèùìòÇØøÅåÄÖÑÜßÉàäöñü")
# Not in GSM-7 (Welsh circumflexes and other common accents): one UCS-2 unit each.
NON_GSM_ACCENTED = list("ŵŷâêîôûẃẁẅáíóúýïëçÊãõ")
EMOJI = "😀"  # U+1F600: outside the BMP, a surrogate pair


def case(text, segments, *, characters=None, encoding=GSM, downgrade=True, id):
    return pytest.param(
        text, downgrade, encoding, len(text) if characters is None else characters, segments, id=id
    )


SEGMENT_CASES = [
    case("", 0, id="empty text is zero segments"),
    case("a", 1, id="one character"),
    case("a" * 159, 1, id="159 gsm"),
    case("a" * 160, 1, id="160 gsm fills one segment"),
    case("a" * 161, 2, id="161 gsm needs two"),
    case("a" * 305, 2, id="153x2 minus 1"),
    case("a" * 306, 2, id="153x2 exactly"),
    case("a" * 307, 3, id="153x2 plus 1"),
    case("a" * 458, 3, id="153x3 minus 1"),
    case("a" * 459, 3, id="153x3 exactly"),
    case("a" * 460, 4, id="153x3 plus 1"),
    case("a" * 612, 4, id="153x4 exactly"),
    case("a" * 613, 5, id="153x4 plus 1"),
    case("Hello\nworld\r\n", 1, id="line breaks are gsm"),
    case("@£$¥¤§¡¿_", 1, id="gsm symbols"),
    case("ΔΦΓΛΩΠΨΣΘΞ", 1, id="gsm greek capitals"),
    case("α", 1, encoding=UCS, id="greek small alpha is not gsm"),
    case("`", 1, encoding=UCS, downgrade=False, id="backtick is not gsm"),
    case("\x1b", 1, encoding=UCS, id="a bare escape is not a character"),
    case("\t", 1, encoding=UCS, downgrade=False, id="tab is not gsm"),
    *[case(c, 1, characters=2, id=f"extension {c!r} alone") for c in EXTENSION_CHARACTERS],
    *[
        case("a" * 158 + c, 1, characters=160, id=f"extension {c!r} at 160")
        for c in EXTENSION_CHARACTERS
    ],
    *[
        case("a" * 159 + c, 2, characters=161, id=f"extension {c!r} tips to 161")
        for c in EXTENSION_CHARACTERS
    ],
    case("€" * 80, 1, characters=160, id="80 euros fill one segment"),
    case("€" * 81, 2, characters=162, id="81 euros split"),
    # 76 euros (152 units) fit a part; the 77th would straddle 153.
    case("€" * 153, 3, characters=306, id="153 euros need 3 parts not 2"),
    case("a" * 152 + "€" + "a" * 152, 3, characters=306, id="euro straddling 153 adds a part"),
    case("a" * 151 + "€" + "a" * 153, 2, characters=306, id="euro ending part one exactly"),
    *[case(c, 1, id=f"gsm accented {c}") for c in GSM_ACCENTED],
    *[case(c, 1, encoding=UCS, id=f"non-gsm accented {c}") for c in NON_GSM_ACCENTED],
    case("Croeso i Gymru", 1, id="welsh without accents is gsm"),
    case("Dŵr a thŷ", 1, encoding=UCS, id="welsh with circumflexes is ucs2"),
    case("ŵ" + "a" * 69, 1, encoding=UCS, id="70 ucs2 fills one segment"),
    case("ŵ" + "a" * 70, 2, encoding=UCS, id="71 ucs2 needs two"),
    case("ŵ" + "a" * 133, 2, encoding=UCS, id="67x2 exactly"),
    case("ŵ" + "a" * 134, 3, encoding=UCS, id="67x2 plus 1"),
    case("ŵ" + "a" * 200, 3, encoding=UCS, id="67x3 exactly"),
    case("ŵ" + "a" * 201, 4, encoding=UCS, id="67x3 plus 1"),
    case("€ŵ", 1, characters=2, encoding=UCS, id="euro is one unit in ucs2"),
    case(EMOJI, 1, characters=2, encoding=UCS, id="emoji is a surrogate pair"),
    case(EMOJI * 35, 1, characters=70, encoding=UCS, id="35 emoji fill one segment"),
    case(EMOJI * 36, 2, characters=72, encoding=UCS, id="36 emoji split"),
    # 33 emoji (66 units) fit a part; the 34th would straddle 67.
    case(EMOJI * 67, 3, characters=134, encoding=UCS, id="67 emoji need 3 parts not 2"),
    case("a" * 68 + EMOJI, 1, characters=70, encoding=UCS, id="emoji ending at 70"),
    case("a" * 69 + EMOJI, 2, characters=71, encoding=UCS, id="emoji tipping to 71"),
    case(
        "a" * 66 + EMOJI + "a" * 66,
        3,
        characters=134,
        encoding=UCS,
        id="surrogate pair straddling 67 adds a part",
    ),
    case(
        "a" * 65 + EMOJI + "a" * 67,
        2,
        characters=134,
        encoding=UCS,
        id="surrogate pair ending part one exactly",
    ),
    case("e\u0301", 1, characters=2, encoding=UCS, downgrade=False, id="combining acute as given"),
    case("e\u0301", 1, characters=1, id="combining acute composes to gsm é"),
    case("w\u0302", 1, characters=2, encoding=UCS, id="combining circumflex on w stays ucs2"),
    case("It’s", 1, encoding=UCS, downgrade=False, id="curly apostrophe forces ucs2"),
    case("It’s", 1, id="curly apostrophe downgrades"),
    case("a" * 159 + "’", 3, encoding=UCS, downgrade=False, id="one curly quote costs 3 segments"),
    case("a" * 159 + "’", 1, id="downgraded curly quote saves two segments"),
    case("Wait…", 1, characters=7, id="ellipsis becomes three dots"),
    case("…" * 70, 1, encoding=UCS, id="ellipses kept when downgrading would add a segment"),
    case("a\u200bb", 1, characters=2, id="zero width space removed"),
    case("a\u00a0b", 1, characters=3, id="non-breaking space becomes a space"),
    case("“Hi” – it’s ŵ", 1, encoding=UCS, id="no partial downgrade when still ucs2"),
]


@pytest.mark.parametrize(("text", "downgrade", "encoding", "characters", "segments"), SEGMENT_CASES)
def test_segment_table(text, downgrade, encoding, characters, segments):
    info = inspect(text, downgrade=downgrade)
    assert (info.encoding, info.characters, info.segments) == (encoding, characters, segments)


def test_segment_table_has_at_least_80_cases():
    assert len(SEGMENT_CASES) >= 80


@pytest.mark.parametrize(
    ("text", "units_per_segment", "remaining"),
    [
        ("", 160, 160),
        ("a" * 160, 160, 0),
        ("a" * 161, 153, 145),
        ("a" * 152 + "€" + "a" * 152, 153, 152),
        ("ŵ", 70, 69),
        ("ŵ" + "a" * 70, 67, 63),
        (EMOJI * 67, 67, 65),
    ],
)
def test_units_per_segment_and_remaining_room(text, units_per_segment, remaining):
    info = inspect(text, downgrade=False)
    assert (info.units_per_segment, info.remaining_in_segment) == (units_per_segment, remaining)


def test_extension_character_moves_whole_to_the_next_part():
    assert split_segments("a" * 152 + "€" + "a" * 152) == ["a" * 152, "€" + "a" * 151, "a"]


def test_surrogate_pair_moves_whole_to_the_next_part():
    text = "a" * 66 + EMOJI + "a" * 66
    assert split_segments(text) == ["a" * 66, EMOJI + "a" * 65, "a"]


def test_empty_text_splits_into_nothing():
    assert split_segments("") == []


def test_single_segment_is_not_split():
    assert split_segments("a" * 160) == ["a" * 160]


def test_non_gsm_lists_each_culprit_once_in_order():
    info = inspect("ŵ😀ŵ’", downgrade=False)
    assert info.non_gsm == ["ŵ", EMOJI, "’"]


def test_downgrade_reports_each_replacement_with_its_count():
    info = inspect("“Hi” – it’s… it’s")
    assert info.downgraded
    assert info.text == "\"Hi\" - it's... it's"
    assert info.downgrades == [
        Downgrade("“", '"', 1),
        Downgrade("”", '"', 1),
        Downgrade("–", "-", 1),
        Downgrade("’", "'", 2),
        Downgrade("…", "...", 1),
    ]
    assert info.non_gsm == []


def test_message_that_stays_ucs2_is_sent_exactly_as_written():
    text = "Family 👨\u200d👩\u200d👧 it’s"
    info = inspect(text)
    assert (info.text, info.downgraded, info.downgrades) == (text, False, [])
    assert info.non_gsm == [
        "👨",
        "\u200d",
        "👩",
        "👧",
        "’",
    ]


def test_no_downgrade_counts_text_exactly_as_given():
    info = inspect("It’s", downgrade=False)
    assert (info.text, info.downgraded, info.non_gsm) == ("It’s", False, ["’"])


@pytest.mark.parametrize(
    ("original", "replacement"),
    [
        ("‘", "'"),
        ("’", "'"),
        ("`", "'"),
        ("“", '"'),
        ("”", '"'),
        ("«", '"'),
        ("»", '"'),
        ("‐", "-"),
        ("–", "-"),
        ("—", "-"),
        ("−", "-"),
        ("…", "..."),
        ("\u00a0", " "),
        ("\u2009", " "),
        ("\u202f", " "),
        ("\t", " "),
        ("\u200b", ""),
        ("\u2060", ""),
        ("\ufeff", ""),
        ("\u00ad", ""),
        ("•", "-"),
        ("e\u0301", "é"),
        ("n\u0303", "ñ"),
        ("A\u030a", "Å"),
    ],
)
def test_downgrade_replaces_lookalike(original, replacement):
    assert downgrade_to_gsm(f"x{original}x") == (
        f"x{replacement}x",
        [Downgrade(original, replacement, 1)],
    )


@pytest.mark.parametrize("letter", ["ŵ", "ŷ", "â", "ç", "á", EMOJI, "α"])
def test_downgrade_leaves_letters_and_emoji_alone(letter):
    assert downgrade_to_gsm(letter) == (letter, [])


def test_as_json_has_the_documented_keys():
    assert inspect("It’s").as_json() == {
        "encoding": "GSM-7",
        "characters": 4,
        "segments": 1,
        "units_per_segment": 160,
        "remaining_in_segment": 156,
        "downgraded": True,
        "downgrades": [{"original": "’", "replacement": "'", "count": 1}],
        "non_gsm": [],
    }


# --- properties -------------------------------------------------------------------------

TRICKY = [
    "a",
    "Z",
    " ",
    "\n",
    "é",
    "€",
    "[",
    "\\",
    "\f",
    "ŵ",
    "ç",
    EMOJI,
    "’",
    "“",
    "…",
    "\u200b",
    "\u200d",
    "\u00a0",
    "\u0301",
    "\t",
]
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=700)
any_text = st.one_of(tricky_text, st.text(max_size=400))


def reference_units(text: str, encoding: Encoding) -> int:
    """Count units independently of the module: UTF-16 length or septets."""
    if encoding is Encoding.UCS2:
        return len(text.encode("utf-16-le")) // 2
    return len(text) + sum(c in GSM7_EXTENSION for c in text)


@given(any_text)
def test_joining_the_parts_gives_the_text_back(text):
    assert "".join(split_segments(text)) == text


@given(any_text)
def test_number_of_parts_is_the_segment_count(text):
    for downgrade in (True, False):
        info = inspect(text, downgrade=downgrade)
        assert len(split_segments(info.text)) == info.segments


@given(any_text)
def test_every_part_fits_its_encodings_limit(text):
    encoding = encoding_for(text)
    parts = split_segments(text)
    single, per_part = (160, 153) if encoding is Encoding.GSM7 else (70, 67)
    limit = single if len(parts) == 1 else per_part
    assert all(0 < reference_units(part, encoding) <= limit for part in parts)


@given(any_text)
def test_characters_are_counted_as_the_network_counts_them(text):
    info = inspect(text, downgrade=False)
    assert info.characters == reference_units(text, info.encoding)
    assert count_units(text) == info.characters


@given(any_text)
def test_segments_are_at_least_units_over_part_size_and_at_most_one_more_per_part(text):
    info = inspect(text, downgrade=False)
    single, per_part = (160, 153) if info.encoding is Encoding.GSM7 else (70, 67)
    if info.characters == 0:
        assert info.segments == 0
    elif info.characters <= single:
        assert info.segments == 1
    else:
        # Each part wastes at most one unit when a two-unit character moves on.
        assert math.ceil(info.characters / per_part) <= info.segments
        assert info.segments <= math.ceil(info.characters / (per_part - 1))


@given(any_text)
def test_downgrading_never_increases_the_segment_count(text):
    assert inspect(text).segments <= inspect(text, downgrade=False).segments


@given(tricky_text)
def test_downgraded_text_is_gsm_or_untouched(text):
    info = inspect(text)
    if info.downgraded:
        assert info.encoding is Encoding.GSM7 and info.non_gsm == []
    else:
        assert info.text == text
