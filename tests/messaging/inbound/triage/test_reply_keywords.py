"""Opt-out, opt-in and help keywords: Twilio's list, and how people actually write them."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.inbound.triage.keywords import (
    HELP_KEYWORDS,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    KeywordAction,
    KeywordMatch,
    keyword_action,
)

OUT = KeywordAction.OPT_OUT
IN = KeywordAction.OPT_IN
HELP = KeywordAction.HELP
NONE = KeywordAction.NONE

# (id, reply body, expected action). Twilio's keywords come from DOMAIN.md; the phrasings
# are how people write them; the NONE rows are the ones that must never silence a person.
PHRASINGS = [
    # Twilio's opt-out keywords as the whole message.
    ("stop", "STOP", OUT),
    ("stopall", "STOPALL", OUT),
    ("unsubscribe", "UNSUBSCRIBE", OUT),
    ("end", "END", OUT),
    ("quit", "QUIT", OUT),
    ("cancel", "CANCEL", OUT),
    ("revoke", "REVOKE", OUT),
    ("optout", "OPTOUT", OUT),
    # Case, spacing, punctuation and emoji around the keyword.
    ("lower_stop_full_stop", "stop.", OUT),
    ("title_stop_bangs", "Stop!!", OUT),
    ("padded_stop", " STOP ", OUT),
    ("stop_with_stop_sign", "STOP 🛑", OUT),
    ("stop_with_prayer", "Stop 🙏", OUT),
    ("stop_newline", "STOP\n", OUT),
    ("stop_elongated", "stoppppp", OUT),
    ("stop_all_spaced", "stop all", OUT),
    ("opt_out_spaced", "opt out", OUT),
    ("opt_out_hyphen", "Opt-out", OUT),
    ("unsubscribe_title", "Unsubscribe", OUT),
    ("fullwidth_stop", "ＳＴＯＰ", OUT),
    # Keyword with filler words.
    ("stop_pls", "stop pls", OUT),
    ("stop_please", "Stop please", OUT),
    ("please_stop", "please stop", OUT),
    ("stop_now_thanks", "stop now thanks", OUT),
    ("stop_it", "stop it", OUT),
    ("stop_stop_stop", "STOP STOP STOP", OUT),
    ("stop_mate", "stop mate", OUT),
    ("unsubscribe_me", "unsubscribe me", OUT),
    ("leave_me_alone", "leave me alone", OUT),
    ("leave_me_alone_stop", "leave me alone stop", OUT),
    # Phrasings that name texting or the list.
    ("please_stop_texting_me", "please stop texting me", OUT),
    ("stop_messaging_me", "stop messaging me", OUT),
    ("stop_msging_textspeak", "pls stop msging me m8", OUT),
    ("stop_sending_these", "Stop sending me these messages", OUT),
    ("will_you_stop_texting", "will you stop texting me", OUT),
    ("why_wont_you_stop", "why won't you stop texting me", OUT),
    ("stop_texting_insult", "stop texting me you idiot", OUT),
    ("remove_me", "remove me", OUT),
    ("remove_my_number", "Remove my number from your list", OUT),
    ("take_me_off_list", "take me off your list", OUT),
    ("take_my_number_off", "take my number off ur system", OUT),
    ("dont_text_again", "don't text me again", OUT),
    ("do_not_contact", "Do not contact me", OUT),
    ("no_more_texts", "no more texts pls", OUT),
    ("opt_me_out", "opt me out", OUT),
    ("how_do_i_opt_out", "how do i opt out", OUT),
    # A bare STOP used as a command inside a longer message.
    ("wrong_number_stop_caps", "wrong number STOP", OUT),
    ("stop_caps_who_is_this", "STOP who is this", OUT),
    ("stop_full_stop_question", "Stop. Who is this?", OUT),
    ("stop_newline_question", "Stop\nwho is this", OUT),
    ("question_then_stop", "who is this? stop", OUT),
    ("dismissal_then_stop", "fuck off stop", OUT),
    ("curly_apostrophe_dont_text", "don’t text me again", OUT),
    # Must NOT opt out: a false STOP silences someone asking for help.
    ("dont_stop_helping", "don't stop helping me", NONE),
    ("cant_stop_using", "can't stop using", NONE),
    ("when_will_it_stop", "when will it stop", NONE),
    ("how_do_i_stop_taking", "how do I stop taking it", NONE),
    ("want_to_stop_using", "I want to stop using, can you help", NONE),
    ("bus_stop", "the bus stop", NONE),
    ("end_of", "end of", NONE),
    ("quit_heroin", "I quit heroin last year", NONE),
    ("end_it_is_not_opt_out", "end it", NONE),
    ("help_me_stop_caps", "help me STOP", NONE),
    ("cant_stop_caps", "I can't STOP using", NONE),
    ("they_wont_let_me_stop", "they won't let u stop", NONE),
    ("they_wont_leave_me_alone", "they won't leave me alone", NONE),
    ("tell_them_to_stop", "tell them to stop texting me", NONE),
    ("got_no_more_messages", "i got no more messages from him", NONE),
    ("dont_text_me_ring_me", "dont text me, ring me", NONE),
    ("please_dont_stop", "please don't stop", NONE),
    ("cancel_inside_sentence", "can I cancel my appointment", NONE),
    ("who_is_this", "who is this?", NONE),
    ("empty", "", NONE),
    ("only_punctuation", "?!", NONE),
    # Re-subscribe: Twilio's words, only as the whole message.
    ("start", "START", IN),
    ("yes", "YES", IN),
    ("yes_lower_bang", "yes!", IN),
    ("unstop", "unstop", IN),
    ("yes_please_is_not_resubscribe", "yes please", NONE),
    ("start_again_is_not_resubscribe", "start again tomorrow", NONE),
    # Help: Twilio's words, or with filler.
    ("help", "HELP", HELP),
    ("info", "info", HELP),
    ("help_bangs", "Help!!!", HELP),
    ("help_me_pls", "help me pls", HELP),
    ("i_need_help", "i need help", HELP),
    ("more_info", "more info", HELP),
    ("yes_please_help", "yes please help", HELP),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [(body, expected) for _, body, expected in PHRASINGS],
    ids=[case_id for case_id, _, _ in PHRASINGS],
)
def test_a_reply_is_read_as_the_action_its_writer_meant(body, expected):
    assert keyword_action(body).action is expected


def test_the_phrasing_table_is_large_and_its_ids_unique():
    ids = [case_id for case_id, _, _ in PHRASINGS]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


def test_keyword_lists_are_twilios():
    assert set(OPT_OUT_KEYWORDS) == {
        "stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout",
    }  # fmt: skip
    assert set(OPT_IN_KEYWORDS) == {"start", "yes", "unstop"}
    assert set(HELP_KEYWORDS) == {"help", "info"}


@pytest.mark.parametrize("keyword", sorted(OPT_OUT_KEYWORDS))
def test_every_twilio_opt_out_keyword_opts_out_in_any_case(keyword):
    for spelling in (keyword, keyword.upper(), keyword.title(), f"  {keyword}!! "):
        assert keyword_action(spelling).action is OUT


@pytest.mark.parametrize("keyword", sorted(OPT_IN_KEYWORDS))
def test_every_twilio_opt_in_keyword_opts_in_only_as_the_whole_message(keyword):
    assert keyword_action(keyword.upper()).action is IN
    assert keyword_action(f"{keyword} I suppose, whatever this is").action is not IN


def test_the_rule_that_fired_is_named():
    assert keyword_action("STOP") == KeywordMatch(OUT, "keyword:stop")
    assert keyword_action("please stop texting me").rule == "stop_contacting_me"
    assert keyword_action("take me off your list").rule == "take_me_off"
    assert keyword_action("nice one").rule == "no_keyword"


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_an_action_without_raising(body):
    assert keyword_action(body).action in set(KeywordAction)


# Punctuation, spaces and emoji only: some symbols (℡, ™) fold to letters under NFKC.
NOISE = st.text(alphabet=st.sampled_from(list(" .,!?¡¿-_*#()[]\"'…\n\t🛑🙏😡👍❤")), max_size=20)


@given(NOISE)
def test_surrounding_punctuation_and_emoji_do_not_change_a_stop(noise):
    assert keyword_action(f"{noise}STOP{noise}").action is OUT


@pytest.mark.parametrize(
    "body",
    [
        "stop " * 2000,
        "don't stop texting me " * 450,
        "!" * 9999 + "a",
        "STOP a " * 1400,
        "a" * 10_000,
        "x stop" + " " * 9000 + "y",
    ],
    ids=["stops", "negated_stops", "punctuation", "capital_stops", "one_word", "spaces"],
)
def test_long_adversarial_input_is_read_quickly(body):
    started = time.perf_counter()
    keyword_action(body)
    assert time.perf_counter() - started < 1.0
