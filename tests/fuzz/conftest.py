"""Fuzz tests measure what one input costs, so one-off loading happens before they start."""

from __future__ import annotations

import phonenumbers
import pytest

from messaging.intake.phone_numbers import normalise


@pytest.fixture(scope="package", autouse=True)
def phone_metadata_loaded() -> None:
    """Load every region's numbering metadata (phonenumbers imports it on first use, which
    takes far longer than normalising any one input, the more so under tracemalloc)."""
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        if example is not None:
            normalise(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        normalise(f"+{code}1234")
