"""Tests for ``pester numbers normalise`` (campaigns.commands.numbers), driven through CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from campaigns.commands.numbers import numbers

FIELDS = ["raw", "e164", "kind", "region", "textable", "reason"]


def run(stdin: str, *args: str) -> list[dict]:
    result = CliRunner().invoke(numbers, ["normalise", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_each_input_line_gives_one_json_object_in_order() -> None:
    rows = run("07911 123456 mob\n\n+353 85 123 4567\n07700 900123\nabc\n")
    assert rows == [
        {
            "raw": "07911 123456 mob",
            "e164": "+447911123456",
            "kind": "mobile",
            "region": "GG",
            "textable": True,
            "reason": None,
        },
        {
            "raw": "",
            "e164": None,
            "kind": "invalid",
            "region": None,
            "textable": False,
            "reason": "empty",
        },
        {
            "raw": "+353 85 123 4567",
            "e164": "+353851234567",
            "kind": "mobile",
            "region": "IE",
            "textable": False,
            "reason": None,
        },
        {
            "raw": "07700 900123",
            "e164": "+447700900123",
            "kind": "mobile",
            "region": "GB",
            "textable": True,
            "reason": None,
        },
        {
            "raw": "abc",
            "e164": None,
            "kind": "invalid",
            "region": None,
            "textable": False,
            "reason": "not_a_number",
        },
    ]


def test_every_object_has_exactly_the_documented_keys_in_order() -> None:
    for row in run("020 7946 0000\n0800 123 4567\n07400 123456 / 07712 345678\n"):
        assert list(row) == FIELDS


def test_windows_line_endings_are_not_part_of_the_raw_number() -> None:
    rows = run("07400 123456\r\n020 7946 0000\r\n")
    assert [row["raw"] for row in rows] == ["07400 123456", "020 7946 0000"]
    assert [row["kind"] for row in rows] == ["mobile", "landline"]


def test_a_last_line_without_newline_is_still_read() -> None:
    assert [row["e164"] for row in run("07400 123456\n+44 7712 345678")] == [
        "+447400123456",
        "+447712345678",
    ]


def test_no_input_gives_no_output() -> None:
    assert run("") == []


def test_unicode_is_written_as_is() -> None:
    result = CliRunner().invoke(numbers, ["normalise"], input="０７４００ １２３４５６\n")
    assert '"raw": "０７４００ １２３４５６"' in result.output
    assert json.loads(result.output)["e164"] == "+447400123456"


def test_region_option_reads_national_numbers_in_that_region() -> None:
    [row] = run("085 123 4567\n", "--region", "ie")
    assert (row["e164"], row["region"], row["textable"]) == ("+353851234567", "IE", False)


def test_textable_region_option_replaces_the_default_regions() -> None:
    rows = run("+353 85 123 4567\n07400 123456\n", "--textable-region", "IE")
    assert [row["textable"] for row in rows] == [True, False]
    rows = run("07624 123456\n", "--textable-region", "GB", "--textable-region", "im")
    assert rows[0]["textable"] is True


@pytest.mark.parametrize("option", ["--region", "--textable-region"])
def test_an_unknown_region_is_refused(option: str) -> None:
    result = CliRunner().invoke(numbers, ["normalise", option, "XX"], input="07400 123456\n")
    assert result.exit_code == 2
    assert "not a region code" in result.output


def test_a_byte_order_mark_and_bad_utf8_do_not_stop_the_command() -> None:
    result = CliRunner().invoke(
        numbers, ["normalise"], input=b"\xef\xbb\xbf07400 123456\n\xa3 07712 345678\n"
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["raw"] == "07400 123456"
    assert (rows[1]["raw"], rows[1]["e164"]) == ("\ufffd 07712 345678", "+447712345678")


def test_the_group_is_named_numbers_and_has_normalise() -> None:
    assert numbers.name == "numbers"
    assert "normalise" in numbers.commands
