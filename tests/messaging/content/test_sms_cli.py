"""`pester sms inspect`: one JSON object for a body on stdin."""

import json

import pytest
from click.testing import CliRunner

from campaigns.commands.sms import sms

KEYS = {
    "encoding",
    "characters",
    "segments",
    "units_per_segment",
    "remaining_in_segment",
    "downgraded",
    "downgrades",
    "non_gsm",
}


def run_inspect(stdin, *args):
    result = CliRunner().invoke(sms, ["inspect", *args], input=stdin)
    return result


def inspect_json(stdin, *args) -> dict:
    result = run_inspect(stdin, *args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1  # exactly one JSON object
    return json.loads(lines[0])


def test_prints_one_json_object_with_the_documented_keys():
    assert set(inspect_json("Hello\n")) == KEYS


@pytest.mark.parametrize(
    ("stdin", "characters"),
    [
        ("Hello\n", 5),
        ("Hello", 5),
        ("Hello\r\n", 5),
        ("Hello\n\n", 6),
        ("Line one\nLine two\n", 17),
        ("", 0),
        ("\n", 0),
    ],
)
def test_only_one_trailing_newline_is_stripped(stdin, characters):
    assert inspect_json(stdin)["characters"] == characters


def test_long_gsm_body_is_two_segments():
    out = inspect_json("a" * 161 + "\n")
    assert (out["encoding"], out["segments"], out["units_per_segment"]) == ("GSM-7", 2, 153)


def test_empty_body_is_zero_segments():
    assert inspect_json("")["segments"] == 0


def test_look_alikes_are_downgraded_by_default():
    out = inspect_json("It’s urgent…\n")
    assert (out["encoding"], out["characters"], out["downgraded"]) == ("GSM-7", 14, True)
    assert out["downgrades"] == [
        {"original": "’", "replacement": "'", "count": 1},
        {"original": "…", "replacement": "...", "count": 1},
    ]


def test_no_downgrade_counts_the_text_exactly_as_given():
    out = inspect_json("It’s urgent…\n", "--no-downgrade")
    assert (out["encoding"], out["characters"], out["downgraded"]) == ("UCS-2", 12, False)
    assert out["non_gsm"] == ["’", "…"]


def test_look_alike_characters_are_printed_as_escapes():
    result = run_inspect("It’s\n", "--no-downgrade")
    assert "\\u2019" in result.output


def test_emoji_counts_two_units():
    out = inspect_json("😀\n")
    assert (out["encoding"], out["characters"], out["non_gsm"]) == ("UCS-2", 2, ["😀"])


def test_stdin_that_is_not_utf8_is_refused():
    result = run_inspect(b"\xff\xfe bad")
    assert result.exit_code != 0
    assert "UTF-8" in result.output


def test_body_can_be_read_from_a_file(tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("a" * 160 + "\n", encoding="utf-8")
    result = CliRunner().invoke(sms, ["inspect", str(body)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["segments"] == 1
