"""Opt-out, opt-in and help keywords in replies: Twilio's keywords and how people write them.

Precision matters both ways: a missed STOP means texting someone who refused, and a false
STOP silences someone asking for help. So opt-out is read from the shape of the whole
message, never from the word "stop" alone:

* **Twilio's keywords** fire when they are the whole message, ignoring case, spacing,
  punctuation and emoji around them ("Stop!!", " STOP ", "STOP 🛑"), as Twilio does.
* **Opt-out phrasings** fire anywhere: "stop texting me", "remove me", "take me off your
  list", "unsubscribe me", "don't text me again", "no more messages"; or a message made only
  of an opt-out word and filler ("stop pls", "please stop", "stop now thanks").
* **A bare STOP inside a longer message** fires only as a command: at the start followed by
  a break ("Stop. Who is this?"), at the end after a break or a dismissal ("wrong number,
  stop", "leave me alone stop"), or typed in capitals inside lower-case text ("wrong number
  STOP"). "can't stop using", "when will it stop", "how do I stop taking it" and "the bus
  stop" are not commands.

Opt-in (re-subscribe) is Twilio's rule exactly: START, YES or UNSTOP as the whole message.
Re-subscribing someone who refused is the costlier mistake, so "yes please help" does not
re-subscribe: it is help-seeking with an affirmative and returns HELP. Help is HELP or INFO
as the whole message, or with filler ("help me pls", "yes please help", "more info").
When a message both opts out and asks for help ("stop texting me i need help") opt-out wins
here; the reply classifier still labels the help-seeking for an analyst.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class KeywordAction(enum.StrEnum):
    """What a reply asks the sender to do with this number."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NONE = "none"


@dataclass(frozen=True)
class KeywordMatch:
    """The action a reply asks for and the name of the rule that decided it."""

    action: KeywordAction
    rule: str


OPT_OUT_KEYWORDS: frozenset[str] = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout"}
)
OPT_IN_KEYWORDS: frozenset[str] = frozenset({"start", "yes", "unstop"})
HELP_KEYWORDS: frozenset[str] = frozenset({"help", "info"})

# Spellings of Twilio's keywords that Twilio itself would miss but mean the same.
_OPT_OUT_SPELLINGS: frozenset[str] = frozenset(
    {"stop all", "opt out", "opt-out", "unsub", "remove", "remove me", "no more"}
)

# Words that may surround a keyword without changing what the message asks for.
_FILLER: frozenset[str] = frozenset(
    {
        "please", "pls", "plz", "plez", "plse", "now", "thanks", "thank", "you", "thx", "ta",
        "cheers", "mate", "m8", "bruv", "bro", "fam", "ok", "okay", "just", "it", "x", "xx",
        "sorry", "and", "then", "asap", "right", "seriously", "already", "lol",
    }
)  # fmt: skip
_HELP_FILLER: frozenset[str] = _FILLER | {"me", "yes", "yeah", "need", "i", "more", "some"}
# What may remain of a filler-only opt-out. END, QUIT, CANCEL and REVOKE count only as the
# whole message: "end it" or "quit now" can be about a life or a habit, not about texts.
_OPT_OUT_CORE = re.compile(
    r"(?:(?:stop|stopall|unsubscribe|unsub|optout|opt out|leave me alone|no more|remove)"
    r"(?: me)?\s*)+"
)

# Curly quotes and the like, so "don’t" reads as "don't".
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_WORD = re.compile(r"[a-z0-9']+")
# Letters typed three or more times ("stoppp", "pleeease") count once.
_ELONGATION = re.compile(r"([a-z])\1{2,}")
# How far back a negation is looked for; enough for "don't ever", short enough to stay local.
_LOOKBACK = 40

# Words just before "stop" that make it something other than a request to stop texting:
# a denial ("don't stop"), or a verb phrase about the writer's own habit ("how do I stop",
# "tell them to stop"). Phrases that name texting or the list are read through the latter.
_DENIAL = r"don'?t|do not|never|not|can'?t|cannot|couldn'?t|didn'?t"
_NEGATION_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|to|how (?:do|can|did|would|should) (?:i|we|you|u))\s+(?:\w+\s+)?$"
)
_DENIAL_BEFORE = re.compile(rf"\b(?:{_DENIAL})\s+(?:\w+\s+)?$")
_CONTACT_VERBS = (
    r"(?:texting|txting|texing|textin|txtin|messaging|messagin|msging|msgin|sending|sendin|"
    r"contacting|"
    r"spamming|bothering|harassing|hassling|pestering|mithering)"
)
# (rule name, pattern, guard): the guard looks at the words just before a match.
_OPT_OUT_PHRASES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "stop_contacting_me",
        re.compile(
            rf"\bstop+ (?:fucking |fkn |bloody )?{_CONTACT_VERBS}"
            r"(?: (?:me|this number|my number|my phone|us)\b| ?$| ?[.!,?])"
        ),
        _NEGATION_BEFORE,
    ),
    (
        "stop_sending_messages",
        re.compile(
            r"\bstop+ (?:sending |sendin )?(?:me )?(?:these|this|your|ur|them) "
            r"(?:texts?|txts?|messages?|msgs?|shit|crap|spam)\b"
            r"|\bstop+ (?:sending|sendin|send) (?:me )?(?:texts?|txts?|messages?|msgs?|stuff|"
            r"things|them|it)\b"
        ),
        _NEGATION_BEFORE,
    ),
    (
        "do_not_want_messages",
        re.compile(
            r"\b(?:do not|don'?t) want (?:any ?more |no more )?(?:of )?(?:these|those|your|ur|"
            r"this|them|the|any) ?(?:\w+ )?(?:texts?|txts?|messages?|msgs?|warnings?)\b"
            r"|\b(?:do not|don'?t) want any ?more of (?:these|them|this|your|ur)\b"
        ),
        _DENIAL_BEFORE,
    ),
    (
        "wants_to_unsubscribe",
        re.compile(
            r"\b(?:want|like|wish|wanna) to (?:unsubscribe|unsub|opt out|be removed|be taken off|"
            r"stop (?:getting|receiving) (?:these|them|your|the) ?(?:texts?|messages?)?)\b"
        ),
        _DENIAL_BEFORE,
    ),
    (
        "remove_it",
        re.compile(r"\b(?:please|pls|plz) (?:remove|delete) (?:it|this|that)\b"),
        _DENIAL_BEFORE,
    ),
    (
        "remove_me",
        re.compile(
            r"\b(?:remove|delete|erase) (?:me|my (?:number|no|num|numba|numbr|details|phone|fone)|"
            r"this (?:number|no|num))\b"
        ),
        _DENIAL_BEFORE,
    ),
    (
        "take_me_off",
        re.compile(r"\btake (?:me|my (?:number|no|num|details)|this (?:number|no)) off\b"),
        _DENIAL_BEFORE,
    ),
    ("unsubscribe_me", re.compile(r"\b(?:unsubscribe|unsub) (?:me|this|my)\b"), _DENIAL_BEFORE),
    ("opt_me_out", re.compile(r"\bopt (?:me )?out\b|\bopt-out\b|\boptout\b"), _DENIAL_BEFORE),
    (
        "do_not_contact_again",
        re.compile(
            r"\b(?:don'?t|do not|never) (?:text|txt|message|msg|contact|sms) "
            r"(?:me|this number|this phone|us|here)"
            r"(?: (?:again|anymore|any more|ever|no more)\b| ?[.!]* ?$)"
        ),
        _DENIAL_BEFORE,
    ),
    (
        "no_more_messages",
        re.compile(
            r"(?<!had )(?<!got )(?<!get )(?<!getting )(?<!received )"
            r"\bno more (?:texts?|txts?|messages?|msgs?)\b(?! from)"
        ),
        _DENIAL_BEFORE,
    ),
)

# A bare "stop" ends a longer message as a command only after a break or a dismissal.
_TRAILING_STOP = re.compile(
    r"(?:[^\w\s']|\n|\balone|\boff|\baway|\bnumber|\binterested|\bplease|\bpls|\bplz|"
    r"\bthanks|\bmate|\bm8|\bbruv|\bthis) ?stop+$"
)
_LEADING_STOP = re.compile(
    r"^(?:(?:please|pls|plz|just|ok|okay|right|seriously|now|so|oh|mate|m8) )*stop+"
    r"(?: (?:please|pls|plz|now|thanks|mate|m8))* ?(?:[^\w\s']|\n)"
)
_CAPITAL_STOP = re.compile(r"(?<![A-Za-z])STOP+(?![A-Za-z])")
# Before a capital STOP: words that make it part of a sentence rather than a command.
_NOT_A_COMMAND_BEFORE = re.compile(
    r"\b(?:bus|the|a|me|it|them|him|her|us|help|make|let|will|would|could|should|wont|won't)"
    r"\s*$"
)
_GERUND_AFTER = re.compile(r"\s+\w+ing\b")
_CONTACT_VERB_AFTER = re.compile(rf"\s+{_CONTACT_VERBS}\b")


def keyword_action(body: str) -> KeywordMatch:
    """Decide whether a reply opts out, opts back in, asks for help, or none of these."""
    normalised = unicodedata.normalize("NFKC", body).translate(_APOSTROPHES)
    collapsed = _ELONGATION.sub(r"\1", _collapse_spaces(_strip_edges(normalised.casefold())))

    if collapsed in OPT_OUT_KEYWORDS or collapsed in _OPT_OUT_SPELLINGS:
        return KeywordMatch(KeywordAction.OPT_OUT, f"keyword:{collapsed}")
    if collapsed in OPT_IN_KEYWORDS:
        return KeywordMatch(KeywordAction.OPT_IN, f"keyword:{collapsed}")
    if collapsed in HELP_KEYWORDS:
        return KeywordMatch(KeywordAction.HELP, f"keyword:{collapsed}")

    opt_out_rule = _opt_out_rule(normalised, collapsed)
    if opt_out_rule is not None:
        return KeywordMatch(KeywordAction.OPT_OUT, opt_out_rule)

    words = set(_WORD.findall(collapsed))
    if words & HELP_KEYWORDS and words <= HELP_KEYWORDS | _HELP_FILLER:
        return KeywordMatch(KeywordAction.HELP, "help_with_filler")
    return KeywordMatch(KeywordAction.NONE, "no_keyword")


def _strip_edges(text: str) -> str:
    """Drop punctuation, spaces and emoji from both ends (a loop: no regex backtracking)."""
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def _collapse_spaces(text: str) -> str:
    """Single spaces between words; line breaks kept, since they separate clauses."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _opt_out_rule(normalised: str, collapsed: str) -> str | None:
    """Name of the opt-out phrasing rule that fires, if any."""
    words = [word for word in _WORD.findall(collapsed) if word not in _FILLER]
    if words and _OPT_OUT_CORE.fullmatch(" ".join(words)):
        return "keyword_with_filler"

    for name, pattern, guard in _OPT_OUT_PHRASES:
        for match in pattern.finditer(collapsed):
            if not _guarded(guard, collapsed, match.start()):
                return name

    trailing = _TRAILING_STOP.search(collapsed)
    if trailing and not _guarded(_NEGATION_BEFORE, collapsed, collapsed.rfind("stop")):
        return "stop_at_end"
    if _LEADING_STOP.search(collapsed):
        return "stop_at_start"
    if _has_capital_stop_command(normalised):
        return "stop_in_capitals"
    return None


def _guarded(guard: re.Pattern[str], text: str, position: int) -> bool:
    """True when the words just before ``position`` turn a phrase into something else."""
    return bool(guard.search(text[max(0, position - _LOOKBACK) : position]))


def _has_capital_stop_command(text: str) -> bool:
    """A "STOP" typed in capitals inside lower-case text, used as a command."""
    if not any(char.islower() for char in text):
        return False  # all-capitals text gives no signal
    for match in _CAPITAL_STOP.finditer(text):
        before = text[max(0, match.start() - _LOOKBACK) : match.start()].casefold()
        after = text[match.end() : match.end() + _LOOKBACK].casefold()
        if _NEGATION_BEFORE.search(before) or _NOT_A_COMMAND_BEFORE.search(before):
            continue
        if _GERUND_AFTER.match(after) and not _CONTACT_VERB_AFTER.match(after):
            continue
        return True
    return False
