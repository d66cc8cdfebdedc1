"""Normalise raw phone numbers from seized-phone extractions and spreadsheets to E.164.

1. ``_clean`` repairs the raw text into a *dialable* string (ASCII digits, maybe a leading
   ``+``) or decides it is invalid before parsing: surrounding space and punctuation, labels,
   trailing words, extensions (also a phone's pause or wait), Excel damage, Unicode digits,
   several numbers in one cell. Letters never become digits (``phonenumbers`` would read
   ``07911123456 mob`` as +447911123456662).
2. ``_classify`` gives the dialable string a verdict. UK numbers in their usual shapes take a
   fast path using the number-type patterns of phonenumbers' own metadata
   (:mod:`messaging.intake.phone_number_types`); anything else is parsed by ``phonenumbers``. Both
   agree (a property test compares them). Verdicts are memoised on the raw text and on the
   dialable string.
3. ``normalise`` adds what depends on the caller: the raw text and whether it may be texted.

Decisions worth knowing:
- Several numbers in one cell (``07911 123456 / 07700 900123``) are invalid with reason
  ``multiple_numbers``: nothing is silently picked.
- Excel's lossy scientific notation (``7.91112E+09``: digits were dropped) is invalid with
  reason ``excel_precision_lost``; an exact one (``7.911123456E+09``) is repaired.
- Ofcom's drama range (07700 900000-900999) is a GB mobile with ``drama=True``. It is
  ``textable`` like any GB mobile; only the sandbox gateway may send to it, and the real
  gateways must refuse numbers whose ``drama`` flag is set.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from messaging.intake.phone_number_types import uk_national_number, uk_number_type


class NumberKind(enum.StrEnum):
    """What a number is, for deciding whether to text it."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    NON_GEOGRAPHIC = "non_geographic"
    INVALID = "invalid"


class InvalidReason(enum.StrEnum):
    """Why a raw number could not be used; messages live in INVALID_REASON_MESSAGES."""

    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_A_NUMBER = "not_a_number"
    INVALID_FOR_REGION = "invalid_for_region"
    INVALID_COUNTRY_CODE = "invalid_country_code"
    MULTIPLE_NUMBERS = "multiple_numbers"
    INVALID_LENGTH = "invalid_length"
    EXCEL_PRECISION_LOST = "excel_precision_lost"


INVALID_REASON_MESSAGES: dict[InvalidReason, str] = {
    InvalidReason.EMPTY: "No number given.",
    InvalidReason.TOO_SHORT: "Too short to be a full number (a local number needs its area code).",
    InvalidReason.TOO_LONG: "Too long to be a phone number.",
    InvalidReason.NOT_A_NUMBER: "Not a phone number.",
    InvalidReason.INVALID_FOR_REGION: "Not a number in use in its country's numbering plan.",
    InvalidReason.INVALID_COUNTRY_CODE: "Unknown country code.",
    InvalidReason.MULTIPLE_NUMBERS: "More than one number in the same cell.",
    InvalidReason.INVALID_LENGTH: "Wrong number of digits for its country.",
    InvalidReason.EXCEL_PRECISION_LOST: "Excel scientific notation dropped some of the digits.",
}

DEFAULT_TEXTABLE_REGIONS: frozenset[str] = frozenset({"GB", "IM", "JE", "GG"})

_DRAMA_PREFIX = "+447700900"


@dataclass(frozen=True, slots=True)
class NormalisedNumber:
    """One raw number and what it turned out to be."""

    raw: str
    e164: str | None
    kind: NumberKind
    region: str | None
    textable: bool
    reason: InvalidReason | None
    drama: bool

    def as_json(self) -> dict:
        """Return the JSON form written by ``pester numbers normalise``."""
        return {
            "raw": self.raw,
            "e164": self.e164,
            "kind": self.kind.value,
            "region": self.region,
            "textable": self.textable,
            "reason": None if self.reason is None else self.reason.value,
        }


def is_drama_range(e164: str) -> bool:
    """Return True if an E.164 number is in Ofcom's drama range +447700900000-+447700900999."""
    return len(e164) == 13 and e164.startswith(_DRAMA_PREFIX) and e164[10:].isdigit()


def normalise(
    raw: str,
    *,
    default_region: str = "GB",
    textable_regions: frozenset[str] = DEFAULT_TEXTABLE_REGIONS,
) -> NormalisedNumber:
    """Repair, parse and classify one raw number; never raises for bad input."""
    if len(raw) > _MAX_INPUT_LENGTH:  # a notes field, not a number; kept out of the cache
        e164, kind, region, reason, drama = _invalid(InvalidReason.TOO_LONG)
    else:
        e164, kind, region, reason, drama = _verdict_for_raw(raw, default_region)
    textable = kind is NumberKind.MOBILE and region in textable_regions
    return NormalisedNumber(raw, e164, kind, region, textable, reason, drama)


# --- Step 1: repair the raw text ------------------------------------------------------------

# The overwhelmingly common shape: digits with spaces, brackets and dashes, maybe a leading +.
_PLAIN = re.compile(r"\(?\+?[\d() \-]*\d[\d() \-]*")
_NOT_DIGIT_TABLE = {c: None for c in range(128) if not chr(c).isdigit()}
# Excel: a number stored as a float and written back as text.
_EXCEL_POINT_ZERO = re.compile(r"(\d{7,})\.0")  # exactly ".0": "123.00" could be a grouping
_EXCEL_SCIENTIFIC = re.compile(r"(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})")
# Everything that can separate two numbers written in the same cell.
_SEPARATORS = re.compile(r"[;,|&/\\\n\r\t]")
# Trailing words start at the first letter; an extension is "ext 12", "x12" or "#12".
_LETTER = re.compile(r"[^\W\d_]")
_EXTENSION = r"(?:ext(?:ension|n)?|x)[.:=]?\s*\d{1,7}(?!\d)"
_WORD_EXTENSION = re.compile(_EXTENSION, re.IGNORECASE)
_TRAILING_EXTENSION = re.compile(rf"{_EXTENSION}\W*$", re.IGNORECASE)
_HASH_EXTENSION = re.compile(r"\#\s*\d{1,7}\W*$")
# Phones store an extension after a pause or wait: "," or ";" (Android), "p" or "w" (older).
_PAUSE_EXTENSION = re.compile(r"\s*(?:[,;]+|(?<=\d)[pw]+)\s*[\d#*]{1,5}\s*$", re.IGNORECASE)
_FIRST_DIGIT_OR_PLUS = re.compile(r"[\d+]")
_DIGITS = re.compile(r"\d")
# Digits a number alone may have: "00" + "44" + "0" + 10, or "00" + a 15-digit E.164 number.
_MAX_DIGITS = 17
# Fewer digits than this are too short to be anything.
_MIN_DIGITS = 3
# phonenumbers refuses longer input too.
_MAX_INPUT_LENGTH = 250
# Digits each half needs before a cell counts as two numbers rather than one odd one.
_MIN_DIGITS_PER_NUMBER = 7
# Without a separator, each half of an over-long cell needs a full UK national number.
_MIN_DIGITS_PER_SPACED_NUMBER = 9


def _clean(raw: str) -> str | InvalidReason:
    """Return the dialable form of a raw number (``+`` and digits) or why there is none."""
    text = raw if raw.isascii() else _asciify(raw)
    text = text.strip()
    if not text:
        return InvalidReason.EMPTY
    if _PLAIN.fullmatch(text):
        digits = text.translate(_NOT_DIGIT_TABLE)
        if len(digits) <= _MAX_DIGITS:
            return "+" + digits if "+" in text else digits
    return _clean_unusual(text)


def _asciify(text: str) -> str:
    """Map Unicode digits, spaces and dashes to ASCII and drop invisible format marks."""
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if char.isascii():
            out.append(char)
        elif char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        else:
            category = unicodedata.category(char)
            if category == "Cf":  # zero-width and direction marks copied from phones
                continue
            out.append(" " if category[0] == "Z" else "-" if category == "Pd" else char)
    return "".join(out)


def _clean_unusual(text: str) -> str | InvalidReason:
    """Repair everything the plain shape does not cover (see the module docstring)."""
    excel = _repair_excel(text)
    if excel is not None:
        return excel
    first = _FIRST_DIGIT_OR_PLUS.search(text)
    if first is None or not _DIGITS.search(text, first.start()):
        has_letters = any(char.isalpha() for char in text)
        return InvalidReason.NOT_A_NUMBER if has_letters else InvalidReason.EMPTY
    if first.start():
        if text[first.start() - 1].isalpha():  # "O7400 123456": a letter typed for a digit
            return InvalidReason.NOT_A_NUMBER
        text = text[first.start() :]  # a leading label such as "Mob:" or "tel:"
    pause = _PAUSE_EXTENSION.search(text)
    if pause and _count_digits(text[: pause.start()]) >= _MIN_DIGITS_PER_NUMBER:
        text = text[: pause.start()]
    if _SEPARATORS.search(text) and _count_numbers(_SEPARATORS.split(text)) > 1:
        return InvalidReason.MULTIPLE_NUMBERS
    letter = _LETTER.search(text)
    if letter is None:
        number, tail = text, ""
    else:
        number, tail = text[: letter.start()], text[letter.start() :]
        extension = _WORD_EXTENSION.match(tail)
        if extension:
            tail = tail[extension.end() :]
        tail_digits = _count_digits(_TRAILING_EXTENSION.sub("", tail))
        if tail_digits >= _MIN_DIGITS_PER_NUMBER:
            return InvalidReason.MULTIPLE_NUMBERS
        if tail_digits:  # letters among the digits ("07911 l23456"): never guess
            return InvalidReason.NOT_A_NUMBER
    hash_extension = _HASH_EXTENSION.search(number)
    if hash_extension:
        number = number[: hash_extension.start()]
    return _dialable(number)


def _repair_excel(text: str) -> str | InvalidReason | None:
    """Return the digits of an Excel-mangled number, why they are lost, or None if not Excel."""
    match = _EXCEL_POINT_ZERO.fullmatch(text)
    if match:
        return match[1]
    match = _EXCEL_SCIENTIFIC.fullmatch(text)
    if match is None:
        return None
    lead, fraction, exponent = match[1], match[2] or "", int(match[3])
    if len(fraction) < exponent:
        return InvalidReason.EXCEL_PRECISION_LOST
    if fraction[exponent:].strip("0"):
        return InvalidReason.NOT_A_NUMBER  # not a whole number
    return lead + fraction[:exponent]


def _dialable(number: str) -> str | InvalidReason:
    """Return ``+`` and digits for the number part of a cell, or why it is not one number."""
    digits = "".join(_DIGITS.findall(number))
    if not digits:
        return InvalidReason.NOT_A_NUMBER
    plus = number.find("+")
    if plus >= 0:
        later_plus = number.find("+", plus + 1)
        if _DIGITS.search(number, 0, plus) or later_plus >= 0:
            # "+44 7911 123456 +44 7911 654321", or a stray "+" inside one number.
            split = plus if _DIGITS.search(number, 0, plus) else later_plus
            halves = [number[:split], number[split:]]
            if _count_numbers(halves) > 1:
                return InvalidReason.MULTIPLE_NUMBERS
            return InvalidReason.NOT_A_NUMBER
    if len(digits) > _MAX_DIGITS:
        if _has_two_numbers_split_by_space(number):
            return InvalidReason.MULTIPLE_NUMBERS
        return InvalidReason.TOO_LONG
    return "+" + digits if plus >= 0 else digits


def _has_two_numbers_split_by_space(number: str) -> bool:
    """Return True if a space splits the digits into two halves long enough to be numbers."""
    total = _count_digits(number)
    for space in re.finditer(r"\s+", number):
        before = _count_digits(number[: space.start()])
        if min(before, total - before) >= _MIN_DIGITS_PER_SPACED_NUMBER:
            return True
    return False


def _count_numbers(parts: list[str]) -> int:
    """Count the parts with enough digits to be a number on their own."""
    return sum(1 for part in parts if _count_digits(part) >= _MIN_DIGITS_PER_NUMBER)


def _count_digits(text: str) -> int:
    return len(_DIGITS.findall(text))


# --- Step 2: classify the dialable string --------------------------------------------------


class _Verdict(NamedTuple):
    e164: str | None
    kind: NumberKind
    region: str | None
    reason: InvalidReason | None
    drama: bool


_KIND_BY_TYPE = {
    PhoneNumberType.MOBILE: NumberKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberKind.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberKind.LANDLINE,
}
_REASON_BY_PARSE_ERROR = {
    NumberParseException.INVALID_COUNTRY_CODE: InvalidReason.INVALID_COUNTRY_CODE,
    NumberParseException.NOT_A_NUMBER: InvalidReason.NOT_A_NUMBER,
    NumberParseException.TOO_SHORT_AFTER_IDD: InvalidReason.TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: InvalidReason.TOO_SHORT,
    NumberParseException.TOO_LONG: InvalidReason.TOO_LONG,
}
_REASON_BY_POSSIBILITY = {
    ValidationResult.TOO_SHORT: InvalidReason.TOO_SHORT,
    # A local number without its area code cannot be texted: it is too short.
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: InvalidReason.TOO_SHORT,
    ValidationResult.TOO_LONG: InvalidReason.TOO_LONG,
    ValidationResult.INVALID_LENGTH: InvalidReason.INVALID_LENGTH,
    ValidationResult.INVALID_COUNTRY_CODE: InvalidReason.INVALID_COUNTRY_CODE,
    ValidationResult.IS_POSSIBLE: InvalidReason.INVALID_FOR_REGION,
}
_DRAMA = _Verdict(None, NumberKind.MOBILE, "GB", None, True)  # e164 filled in per number
_CACHE_SIZE = 16_384  # entries per cache; about 10 MB for both when full


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _verdict_for_raw(raw: str, default_region: str) -> _Verdict:
    """Return the verdict for a raw number; memoised, as extractions repeat numbers a lot."""
    dialable = _clean(raw)
    if isinstance(dialable, InvalidReason):
        return _invalid(dialable)
    if len(dialable.lstrip("+")) < _MIN_DIGITS:  # phonenumbers calls "+44" or "7" not a number
        return _invalid(InvalidReason.TOO_SHORT)
    return _classify(dialable, default_region)


def _invalid(reason: InvalidReason) -> _Verdict:
    return _Verdict(None, NumberKind.INVALID, None, reason, False)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _classify(dialable: str, default_region: str) -> _Verdict:
    """Return the verdict for a dialable string, by the fast path when it applies."""
    if default_region == "GB":
        verdict = _classify_gb_fast(dialable)
        if verdict is not None:
            return verdict
    return _classify_by_parsing(dialable, default_region)


def _classify_by_parsing(dialable: str, default_region: str) -> _Verdict:
    """Return the verdict from a full ``phonenumbers.parse`` (the reference behaviour)."""
    try:
        number = phonenumbers.parse(dialable, default_region)
    except NumberParseException as error:
        reason = _REASON_BY_PARSE_ERROR.get(error.error_type, InvalidReason.NOT_A_NUMBER)
        return _invalid(reason)
    return _classify_number(number)


def _classify_number(number: phonenumbers.PhoneNumber) -> _Verdict:
    """Return the verdict for a parsed number."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if is_drama_range(e164):
        return _DRAMA._replace(e164=e164)
    if not phonenumbers.is_valid_number(number):
        reason = _REASON_BY_POSSIBILITY[phonenumbers.is_possible_number_with_reason(number)]
        return _invalid(reason)
    kind = _KIND_BY_TYPE.get(phonenumbers.number_type(number), NumberKind.NON_GEOGRAPHIC)
    return _Verdict(e164, kind, phonenumbers.region_code_for_number(number), None, False)


def _classify_gb_fast(dialable: str) -> _Verdict | None:
    """Return the verdict for a UK number in a usual shape without parsing, else None.

    Mirrors phonenumbers' ``region_code_for_number``, ``is_valid_number`` and ``number_type``
    for +44 (see :mod:`messaging.intake.phone_number_types`).
    """
    national = uk_national_number(dialable)
    if national is None:
        return None
    e164 = "+44" + national
    if is_drama_range(e164):
        return _DRAMA._replace(e164=e164)
    region_and_type = uk_number_type(national)
    if region_and_type is None:
        # uk_national_number only lets through lengths possible for +44, so the length is
        # fine and the number is simply not in the plan.
        return _invalid(InvalidReason.INVALID_FOR_REGION)
    region, number_type = region_and_type
    kind = _KIND_BY_TYPE.get(number_type, NumberKind.NON_GEOGRAPHIC)
    return _Verdict(e164, kind, region, None, False)
