"""The fast +44 classifier: number types from phonenumbers' own GB, GG, IM and JE metadata.

For +44 numbers in their usual shapes, :mod:`messaging.intake.phone_numbers` skips
``phonenumbers.parse``: this module reads the national number directly and matches it against
the number-type patterns of phonenumbers' metadata, compiled once into one pattern per region
and length. It gives the same answers as a full parse (property tests in
tests/messaging/intake/test_phone_numbers.py compare them); shapes whose reading is not certain give
None and are left to the parser.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType


def uk_national_number(dialable: str) -> str | None:
    """Return the UK national significant number for shapes whose reading is certain.

    Mirrors what ``phonenumbers.parse(dialable, "GB")`` does for: 0 + national; +44, 0044 or
    44 + national with an optional 0; and national digits whose 0 was lost. Any other shape
    returns None and is parsed.
    """
    if dialable.startswith("+"):
        if not dialable.startswith("+44"):
            return None
        national = dialable[3:]
    elif dialable.startswith("00"):
        if not dialable.startswith("0044"):
            return None
        national = dialable[4:]
    elif dialable.startswith("44"):
        # phonenumbers drops a leading 44 only when the whole is too long to be national.
        if len(dialable) < 11:
            return None
        national = dialable[2:]
    else:
        national = dialable
    if national.startswith("0"):
        national = national[1:]
    if (
        len(national) not in (9, 10)
        or national[0] == "0"
        # "180020" is the text-relay prefix that phonenumbers strips like a national prefix.
        or national.startswith("180020")
        or len(national) not in _type_tables(44)[0][1].general.lengths
    ):
        return None
    return national


def uk_number_type(national: str) -> tuple[str, int] | None:
    """Return the region and ``PhoneNumberType`` of a +44 national number, or None if invalid.

    Mirrors phonenumbers' ``region_code_for_number``, ``is_valid_number`` and ``number_type``
    for +44, whose regions (GB, GG, IM, JE) it tries in phonenumbers' order.
    """
    for region, table in _type_tables(44):
        if table.leading_digits is not None:
            if not table.leading_digits.match(national):
                continue
            number_type = _number_type(national, table)
        else:
            number_type = _number_type(national, table)
            if number_type == PhoneNumberType.UNKNOWN:
                continue
        if number_type == PhoneNumberType.UNKNOWN:
            break  # the region claims the number by its leading digits but has no such number
        return region, number_type
    return None


class _Desc(NamedTuple):
    lengths: tuple[int, ...]
    pattern: re.Pattern[str]


class _TypeTable(NamedTuple):
    """One region's number-type patterns from phonenumbers' metadata, compiled once."""

    leading_digits: re.Pattern[str] | None
    general: _Desc
    ordered: tuple[tuple[int, _Desc], ...]  # checked in this order, as phonenumbers does
    mobile: _Desc | None
    same_mobile_and_fixed: bool
    by_length: dict[int, re.Pattern[str]]  # see _combined_pattern


# The order of phonenumbers' _number_type_helper; mobile comes last.
_TYPE_ORDER = tuple(
    (getattr(PhoneNumberType, name.upper()), name)
    for name in (
        "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
        "pager", "uan", "voicemail", "fixed_line",
    )
)  # fmt: skip


def _desc(number_desc: object) -> _Desc | None:
    pattern = getattr(number_desc, "national_number_pattern", None)
    if not pattern:
        return None
    return _Desc(tuple(number_desc.possible_length or ()), re.compile(pattern))


@functools.cache
def _type_tables(country_code: int) -> tuple[tuple[str, _TypeTable], ...]:
    """Return the type tables of the regions sharing a country code, in phonenumbers' order."""
    tables = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[country_code]:
        metadata = PhoneMetadata.metadata_for_region(region)
        general = _desc(metadata.general_desc)
        assert general is not None
        ordered = tuple(
            (number_type, desc)
            for number_type, name in _TYPE_ORDER
            if (desc := _desc(getattr(metadata, name))) is not None
        )
        leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
        same = bool(metadata.same_mobile_and_fixed_line_pattern)
        table = _TypeTable(leading, general, ordered, _desc(metadata.mobile), same, {})
        for length in range(1, 18):
            combined = _combined_pattern(table, length)
            if combined is not None:
                table.by_length[length] = combined
        tables.append((region, table))
    return tuple(tables)


def _matches(national: str, desc: _Desc | None) -> bool:
    if desc is None or (desc.lengths and len(national) not in desc.lengths):
        return False
    return desc.pattern.fullmatch(national) is not None


def _number_type(national: str, table: _TypeTable) -> int:
    """Return a national number's type in one region, as phonenumbers' _number_type_helper."""
    combined = table.by_length.get(len(national))
    if combined is None:
        return PhoneNumberType.UNKNOWN
    match = combined.fullmatch(national)
    if match is None:
        return PhoneNumberType.UNKNOWN
    number_type = int(match.lastgroup[1:])
    if number_type == PhoneNumberType.FIXED_LINE and (
        table.same_mobile_and_fixed or _matches(national, table.mobile)
    ):
        return PhoneNumberType.FIXED_LINE_OR_MOBILE
    return number_type


def _combined_pattern(table: _TypeTable, length: int) -> re.Pattern[str] | None:
    """Compile one pattern whose first matching alternative names the type of a number.

    Alternation tries alternatives in order, so ``fullmatch`` picks the same type as checking
    the types one by one in phonenumbers' order; the general pattern is a lookahead. One
    pattern per length keeps each type's possible-length check.
    """

    def fits(desc: _Desc) -> bool:
        return not desc.lengths or length in desc.lengths

    if not fits(table.general):
        return None
    candidates = list(table.ordered)
    if table.mobile is not None and not table.same_mobile_and_fixed:
        candidates.append((PhoneNumberType.MOBILE, table.mobile))
    alternatives = [
        f"(?P<t{number_type}>{desc.pattern.pattern})"
        for number_type, desc in candidates
        if fits(desc)
    ]
    if not alternatives:
        return None
    return re.compile(f"(?=(?:{table.general.pattern.pattern})\\Z)(?:{'|'.join(alternatives)})")
