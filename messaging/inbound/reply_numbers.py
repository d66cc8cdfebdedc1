"""Phone numbers written in reply texts, as E.164, for linking replies to lines and contacts.

People type numbers every way: ``07700 900123``, ``+447700900123``, ``0770-090-0123``,
``07700 900 123``, split over two lines, two in one text, glued to words (``no.07700900123``),
and sometimes with the letter o for zero (``o77oo 9oo123``).

Decisions (documented here because analysts rely on them):

* **Validity.** A candidate counts when ``phonenumbers`` calls it valid (any type: mobile,
  landline, freephone, foreign) or when it is in Ofcom's drama range 07700 900000–900999,
  which ``phonenumbers`` calls invalid but which all demo and training data use.
* **Help and emergency lines are not intelligence.** FRANK, Crimestoppers, SafeCall,
  Samaritans, Childline and the other lines in :data:`HELPLINE_NUMBERS` are never returned;
  people quote them back at us. Short codes (999, 112, 101, 111) are never phone numbers to
  ``phonenumbers`` and are not returned either. Callers may add their own service numbers
  (the local treatment provider the campaign signposted) with ``exclude``.
* **Letter o for zero** is read as 0 only inside a run of tokens made of digits and o/O
  alone, where digits outnumber the letter o (``o77oo 9oo123``: six digits, five o's).
  Words such as "oo" or "too" are never touched, and the result must still be a valid
  number, so the substitution cannot invent a number out of prose.
* Dates, times, prices, postcodes, bank details and other short digit runs are rejected by
  the validity check: they are not valid numbers for any region.

Two passes find candidates. ``PhoneNumberMatcher`` (leniency POSSIBLE, so the drama range
survives) finds the well-formed ones; it groups digit blocks greedily and sometimes splits a
number that sits next to another, so a second pass tries windows of adjacent digit groups
(longest first) in the text it did not accept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumber, PhoneNumberFormat, PhoneNumberMatcher

# Help, advice and reporting lines that appear in our own messages or are common knowledge.
HELPLINE_NUMBERS: frozenset[str] = frozenset(
    {
        "+443001236600",  # FRANK
        "+44800555111",  # Crimestoppers
        "+44116000",  # SafeCall / Missing People
        "+44116123",  # Samaritans
        "+448001111",  # Childline
        "+448088005000",  # NSPCC helpline
        "+448082000247",  # National Domestic Abuse Helpline
        "+448000121700",  # Modern Slavery & Exploitation Helpline
        "+448000684141",  # Papyrus HOPELINE247 (young people, suicide)
        "+44800585858",  # CALM
        "+443001233393",  # Mind infoline
    }
)

# Ofcom reserves 07700 900000–900999 for drama; phonenumbers rejects it as unallocated.
_DRAMA_FIRST = 7700900000
_DRAMA_LAST = 7700900999

# A digit group for the second pass: an optional + and digits. Gaps between groups in one
# run are short runs of the separators people type inside numbers, including a line break.
_DIGIT_GROUP = re.compile(r"\+?\d+")
_GROUP_GAP = re.compile(r"[ \t\r\n\-.()]{1,3}")
_MAX_GROUPS_PER_NUMBER = 6
_MIN_DIGITS = 10  # the shortest UK number we care about, without the trunk 0
# Fewer digits than this cannot be a number worth finding, even with letter o for zero
# (which needs digits to outnumber the o's in a run of at least _MIN_DIGITS characters).
_MIN_DIGITS_TO_LOOK = _MIN_DIGITS // 2 + 1
_MAX_DIGITS = 15  # the E.164 maximum
_GB_NATIONAL_DIGITS = (10, 11)  # a UK number written with its trunk 0

# Tokens that may hold the letter o for zero: letters and digits only, split on anything else.
_ALNUM_TOKEN = re.compile(r"[^\W_]+")
_O_TOKEN_GAP = re.compile(r"[ \-.]{1,2}")
_DIGITS_AND_O = frozenset("0123456789oO")


@dataclass(frozen=True)
class FoundNumber:
    """A phone number found in a text: its E.164 form and where it was written."""

    e164: str
    start: int
    end: int


def is_drama_number(number: PhoneNumber) -> bool:
    """Tell whether a parsed number is in Ofcom's drama range (+447700900000–999)."""
    return number.country_code == 44 and _DRAMA_FIRST <= number.national_number <= _DRAMA_LAST


def find_numbers(
    text: str, *, region: str = "GB", exclude: Collection[str] = frozenset()
) -> tuple[FoundNumber, ...]:
    """Find the phone numbers written in a reply, in order of appearance, first mention only.

    Help and emergency lines, and any E.164 numbers in ``exclude``, are left out.
    """
    if sum(map(str.isdigit, text)) < _MIN_DIGITS_TO_LOOK:
        return ()  # most replies hold no number: skip the matcher's cost
    prepared = _read_letter_o_as_zero(text)
    unwanted = HELPLINE_NUMBERS | frozenset(exclude)
    found: list[FoundNumber] = []
    # Spans already explained, including unwanted numbers, so the second pass skips them.
    taken: list[tuple[int, int]] = []

    for match in PhoneNumberMatcher(prepared, region, leniency=Leniency.POSSIBLE):
        e164 = _acceptable_e164(match.number)
        if e164 is None:
            continue
        taken.append((match.start, match.end))
        if e164 not in unwanted:
            found.append(FoundNumber(e164, match.start, match.end))

    for e164, start, end in _scan_digit_groups(prepared, region, taken):
        if e164 not in unwanted:
            found.append(FoundNumber(e164, start, end))

    found.sort(key=lambda number: number.start)
    seen: set[str] = set()
    unique: list[FoundNumber] = []
    for number in found:
        if number.e164 not in seen:
            seen.add(number.e164)
            unique.append(number)
    return tuple(unique)


def extract_numbers(
    text: str, *, region: str = "GB", exclude: Collection[str] = frozenset()
) -> tuple[str, ...]:
    """Return the phone numbers written in a reply as E.164, deduplicated, in order.

    Help and emergency lines (:data:`HELPLINE_NUMBERS`) and ``exclude`` are left out.
    """
    return tuple(number.e164 for number in find_numbers(text, region=region, exclude=exclude))


def _acceptable_e164(number: PhoneNumber) -> str | None:
    """E.164 form of a valid or drama-range number; None for anything else."""
    if phonenumbers.is_valid_number(number) or is_drama_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def _scan_digit_groups(
    text: str, region: str, taken: list[tuple[int, int]]
) -> Iterator[tuple[str, int, int]]:
    """Yield numbers made of adjacent digit groups that the matcher split or missed."""
    for run in _digit_group_runs(text):
        index = 0
        while index < len(run):
            hit = _longest_number_from(text, run, index, region, taken)
            if hit is None:
                index += 1
                continue
            e164, last = hit
            yield e164, run[index].start(), run[last].end()
            index = last + 1


def _digit_group_runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Group digit groups into runs separated only by short number-like gaps."""
    run: list[re.Match[str]] = []
    for group in _DIGIT_GROUP.finditer(text):
        if run and not _GROUP_GAP.fullmatch(text, run[-1].end(), group.start()):
            yield run
            run = []
        run.append(group)
    if run:
        yield run


def _longest_number_from(
    text: str,
    run: list[re.Match[str]],
    first: int,
    region: str,
    taken: list[tuple[int, int]],
) -> tuple[str, int] | None:
    """The longest acceptable number starting at group ``first``, with its last group index."""
    opening = run[first].group()
    # Only a trunk 0 or an international + starts a number here; bare digit runs are
    # account numbers, quantities and dates far more often than phone numbers.
    if not opening.startswith(("0", "+")):
        return None
    last_possible = min(len(run), first + _MAX_GROUPS_PER_NUMBER) - 1
    for last in range(last_possible, first - 1, -1):
        start, end = run[first].start(), run[last].end()
        if _overlaps(taken, start, end):
            continue
        candidate = "".join(group.group() for group in run[first : last + 1])
        if not _plausible_length(candidate, region):
            continue
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        e164 = _acceptable_e164(number)
        if e164 is not None:
            return e164, last
    return None


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a span in ``taken`` (sorted, non-overlapping spans)."""
    # Only the last span starting at or before ``start`` and the first one after can overlap.
    index = bisect.bisect_right(taken, start, key=lambda span: span[0])
    neighbours = taken[max(0, index - 1) : index + 1]
    return any(start < taken_end and taken_start < end for taken_start, taken_end in neighbours)


def _plausible_length(candidate: str, region: str) -> bool:
    """Cheap length check before parsing: parsing every window of a long digit run is slow."""
    digits = len(candidate.lstrip("+"))
    if region == "GB" and candidate.startswith("0") and not candidate.startswith("00"):
        return digits in _GB_NATIONAL_DIGITS
    return _MIN_DIGITS <= digits <= _MAX_DIGITS


def _read_letter_o_as_zero(text: str) -> str:
    """Replace o/O with 0 inside digit-dominant runs; keeps every offset unchanged."""
    if "o" not in text and "O" not in text:
        return text
    chars = list(text)
    for run in _digit_and_o_runs(text):
        tokens = [chars[token.start() : token.end()] for token in run]
        digits = sum(char.isdigit() for token in tokens for char in token)
        letters = sum(char in "oO" for token in tokens for char in token)
        if letters and digits > letters:
            for token in run:
                for position in range(token.start(), token.end()):
                    if chars[position] in "oO":
                        chars[position] = "0"
    return "".join(chars)


def _digit_and_o_runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Runs of adjacent tokens made only of digits and o/O, each holding at least one digit."""
    run: list[re.Match[str]] = []
    for token in _ALNUM_TOKEN.finditer(text):
        word = token.group()
        usable = set(word) <= _DIGITS_AND_O and any(char.isdigit() for char in word)
        if usable and run and _O_TOKEN_GAP.fullmatch(text, run[-1].end(), token.start()):
            run.append(token)
            continue
        if run:
            yield run
        run = [token] if usable else []
    if run:
        yield run
