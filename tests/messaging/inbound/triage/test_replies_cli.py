"""`pester replies classify`: one JSON object per reply line on stdin."""

import json

from click.testing import CliRunner

from campaigns.commands.replies import replies

LABELS = {
    "opt_out",
    "opt_in",
    "help_seeking",
    "risk_disclosure",
    "hostile",
    "wrong_number",
    "supply_intel",
    "other",
}


def classify_lines(stdin: str) -> list[dict]:
    result = CliRunner().invoke(replies, ["classify"], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_each_reply_line_gives_one_json_object_in_order():
    objects = classify_lines("who is this?\nSTOP\nmy mate's not breathing\n")
    assert [obj["labels"] for obj in objects] == [
        ["wrong_number"],
        ["opt_out"],
        ["risk_disclosure"],
    ]


def test_objects_keep_their_shape_and_add_score_and_queue():
    objects = classify_lines("my mate's not breathing\nthanks\nSTOP\n")
    for obj in objects:
        assert set(obj) == {"labels", "numbers", "why", "risk_kinds", "score", "queue"}
        assert 0.0 <= obj["score"] <= 1.0
    assert [obj["queue"] for obj in objects] == ["risk", "other", "opt_out"]
    assert objects[0]["score"] > objects[1]["score"]


def test_objects_carry_labels_numbers_and_why():
    (obj,) = classify_lines("they're on 07700 900123 now\n")
    assert {"labels", "numbers", "why"} <= set(obj)
    assert obj["labels"] == ["supply_intel"]
    assert obj["numbers"] == ["+447700900123"]
    assert "mentions a phone number" in obj["why"]["supply_intel"]


def test_labels_are_only_the_documented_ones():
    stdin = "\n".join(
        ["STOP", "yes", "help", "ur dead", "wrong number", "ring 07700 900123", "cheers", "😂"]
    )
    for obj in classify_lines(stdin):
        assert set(obj["labels"]) <= LABELS
        assert obj["labels"]


def test_a_blank_line_still_gives_an_object_so_outputs_match_inputs():
    objects = classify_lines("STOP\n\nhelp\n")
    assert [obj["labels"] for obj in objects] == [["opt_out"], ["other"], ["help_seeking"]]


def test_the_last_line_needs_no_newline_and_windows_line_ends_are_dropped():
    objects = classify_lines("STOP\r\nunsubscribe")
    assert [obj["labels"] for obj in objects] == [["opt_out"], ["opt_out"]]


def test_no_input_gives_no_output():
    assert classify_lines("") == []


def test_non_ascii_text_is_written_as_is():
    result = CliRunner().invoke(replies, ["classify"], input="🖕\n")
    assert result.exit_code == 0
    assert "🖕" in result.output
    assert json.loads(result.output)["labels"] == ["hostile"]


def test_the_group_is_named_replies_for_registration_on_the_flask_cli():
    assert replies.name == "replies"
    assert {"classify", "train", "retriage"} <= set(replies.commands)
