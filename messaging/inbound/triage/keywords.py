"""Opt-out, opt-in and help keywords in replies: Twilio's keywords and how people write them.

Precision matters both ways: a missed STOP means texting someone who refused, and a false
STOP silences someone asking for help. So opt-out is read from the shape of the whole
message, never from the word "stop" alone:

* **Twilio's keywords** fire when they are the whole message, ignoring case, spacing,
  punctuation and emoji around them ("Stop!!", " STOP ", "STOP 🛑"), as Twilio does.
* **Opt-out phrasings** (:mod:`messaging.inbound.triage.opt_out_phrases`, each with a guard
  against its near-misses) fire anywhere, read with text-speak and misspellings spelt out:
  "stop texting me", "remove me from your list", "dont msg this number again", "unsubscribe
  me", "no more texts", "take me off", "can u not text me", "i want off this list", "quit
  texting", "lose my number"; or a message made only of an opt-out word and filler ("stop
  pls", "please stop", "txt stop", "no contact please").
* **A bare STOP inside a longer message** fires only as a command: at the start followed by
  a break ("Stop. Who is this?"), at the end after a break or a dismissal ("wrong number,
  stop", "leave me alone stop", "this is harassment, stop it now", "Not wanted. Remove."),
  or typed in capitals inside lower-case text ("wrong number STOP"). "can't stop using",
  "when will it stop", "make it all just stop", "how do I stop taking it", "reply STOP to opt
  out" and "the bus stop" are not commands.

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

from messaging.inbound.triage.opt_out_phrases import NEGATION_BEFORE, NOT_AFTER, PHRASES, SPELLINGS


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
    {
        "stop all",
        "opt out",
        "opt-out",
        "unsub",
        "remove",
        "remove me",
        "no more",
        "block",
        "block me",
        "block this",
        "block this number",
    }
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
# Around an opt-out word: "stop this now", "txt stop", "stop ffs".
_OPT_OUT_FILLER: frozenset[str] = _FILLER | {"this", "ffs", "text", "reply", "all", "but"}
# What may remain of a filler-only opt-out. END, QUIT, CANCEL and REVOKE count only as the
# whole message: "end it" or "quit now" can be about a life or a habit, not about texts.
_OPT_OUT_CORE = re.compile(
    r"(?:(?:stop|stopall|unsubscribe|unsub|optout|opt out|leave me alone|no more|remove|"
    r"no contact|do not contact|don't contact)(?: me)?\s*)+"
)

# Curly quotes and the like, so "don’t" reads as "don't".
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_WORD = re.compile(r"[a-z0-9']+")
# Letters typed three or more times ("stoppp", "pleeease") count once.
_ELONGATION = re.compile(r"([a-z])\1{2,}")
# How far back a negation is looked for; enough for "don't ever", short enough to stay local.
_LOOKBACK = 40
# Before "stop" at the end of a message: a denial or a verb phrase about the writer's habit.
_NEGATION_BEFORE = NEGATION_BEFORE
_CONTACT_VERBS = (
    r"(?:texting|txting|texing|textin|txtin|messaging|messagin|msging|msgin|sending|sendin|"
    r"contacting|spamming|bothering|harassing|hassling|pestering|mithering)"
)
_SPELLING = re.compile(r"[a-z0-9']+")

# A bare "stop" (or "remove", "unsubscribe") ends a longer message as a command only after
# a break or a dismissal; filler after it ("stop it now", "unsubscribe x") is read past.
_TRAILING_STOP = re.compile(
    r"(?:(?:[^\w\s']|\n) ?(?:just |now |so )?|\b(?:alone|off|away|number|interested|please|"
    r"thanks|mate|m8|bruv|(?<!make )(?<!let )this) )"
    r"(?:stop+|remove|remove me|unsubscribe|unsubscribe me|unsub)$"
)
_TRAILING_FILLER = frozenset(
    {"it", "this", "now", "please", "then", "x", "xx", "ffs", "thanks", "ta", "cheers", "mate"}
)
_LEADING_STOP = re.compile(
    r"^(?:(?:please|pls|plz|just|ok|okay|right|seriously|now|so|oh|mate|m8) )*stop+"
    r"(?: (?:please|pls|plz|now|thanks|mate|m8))* ?(?:[^\w\s']|\n)"
)
# A "stop" that begins a song line everyone knows, and could not be a command ("stop!
# hammer time"), is not an opt-out. Only lines that say nothing about texts: "stop right
# now" or "stop, wait a minute" could be meant, so they stay opt-outs.
_CATCHPHRASE_AFTER_STOP = re.compile(
    r"\W*(?:hammer ?time|in the name of love|collaborate and listen)\b", re.IGNORECASE
)
_CAPITAL_STOP = re.compile(r"(?<![A-Za-z])STOP+(?![A-Za-z])")
# Before a capital STOP: words that make it part of a sentence rather than a command.
_NOT_A_COMMAND_BEFORE = re.compile(
    r"\b(?:bus|the|a|me|it|them|him|her|us|help|make|let|will|would|could|should|wont|won't|"
    r"reply)\s*$"
)
# "sent STOP by accident": a report of a keyword, not one.
_BY_MISTAKE_AFTER = re.compile(r"\s+(?:by|in) (?:accident|mistake|error)\b")
# A keyword spelt out letter by letter: "S T O P", "s.t.o.p".
_SPELT_OUT = re.compile(r"[a-z](?:[ .]+[a-z]){2,}")
_GERUND_AFTER = re.compile(r"\s+\w+ing\b")
_CONTACT_VERB_AFTER = re.compile(rf"\s+{_CONTACT_VERBS}\b")


def keyword_action(body: str) -> KeywordMatch:
    """Decide whether a reply opts out, opts back in, asks for help, or none of these."""
    normalised = unicodedata.normalize("NFKC", body).translate(_APOSTROPHES)
    collapsed = _ELONGATION.sub(r"\1", _collapse_spaces(_strip_edges(normalised.casefold())))

    if collapsed in OPT_OUT_KEYWORDS or collapsed in _OPT_OUT_SPELLINGS:
        return KeywordMatch(KeywordAction.OPT_OUT, f"keyword:{collapsed}")
    canonical = _canonical(collapsed)
    if canonical in OPT_OUT_KEYWORDS:
        return KeywordMatch(KeywordAction.OPT_OUT, f"spelling:{canonical}")
    if _SPELT_OUT.fullmatch(collapsed):
        joined = re.sub(r"[ .]", "", collapsed)
        if joined in OPT_OUT_KEYWORDS:
            return KeywordMatch(KeywordAction.OPT_OUT, f"spelt_out:{joined}")
    if collapsed in OPT_IN_KEYWORDS:
        return KeywordMatch(KeywordAction.OPT_IN, f"keyword:{collapsed}")
    if collapsed in HELP_KEYWORDS:
        return KeywordMatch(KeywordAction.HELP, f"keyword:{collapsed}")

    opt_out_rule = _opt_out_rule(normalised, canonical)
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


def _canonical(collapsed: str) -> str:
    """The words as the opt-out phrases read them: text-speak and misspellings spelt out."""
    return _SPELLING.sub(lambda word: SPELLINGS.get(word.group(), word.group()), collapsed)


def _opt_out_rule(normalised: str, canonical: str) -> str | None:
    """Name of the opt-out phrasing rule that fires, if any."""
    words = [word for word in _WORD.findall(canonical) if word not in _OPT_OUT_FILLER]
    if words and _OPT_OUT_CORE.fullmatch(" ".join(words)):
        return "keyword_with_filler"

    for name, pattern, guard in PHRASES:
        for match in pattern.finditer(canonical):
            if not _guarded(guard, canonical, match.start()) and not NOT_AFTER.match(
                canonical, match.end()
            ):
                return name

    ending = _without_trailing_filler(canonical)
    trailing = _TRAILING_STOP.search(ending)
    if trailing and not _guarded(_NEGATION_BEFORE, ending, trailing.start()):
        return "stop_at_end"
    leading = _LEADING_STOP.search(canonical)
    if leading and not _CATCHPHRASE_AFTER_STOP.match(canonical, leading.end()):
        return "stop_at_start"
    if _has_capital_stop_command(normalised):
        return "stop_in_capitals"
    return None


def _without_trailing_filler(text: str) -> str:
    """The text without the filler words it ends with ("stop it now" → "stop")."""
    head, _, last = text.rpartition(" ")
    while head and last in _TRAILING_FILLER:
        text = head
        head, _, last = text.rpartition(" ")
    return text


def _guarded(guard: re.Pattern[str], text: str, position: int) -> bool:
    """True when the words just before ``position`` turn a phrase into something else."""
    return bool(guard.search(text[max(0, position - _LOOKBACK) : position]))


def _has_capital_stop_command(text: str) -> bool:
    """A "STOP" typed in capitals inside lower-case text, used as a command."""
    if not any(char.islower() for char in text):
        return False  # all-capitals text gives no signal
    for match in _CAPITAL_STOP.finditer(text):
        before = _canonical(text[max(0, match.start() - _LOOKBACK) : match.start()].casefold())
        after = text[match.end() : match.end() + _LOOKBACK].casefold()
        if _NEGATION_BEFORE.search(before) or _NOT_A_COMMAND_BEFORE.search(before):
            continue
        if _GERUND_AFTER.match(after) and not _CONTACT_VERB_AFTER.match(after):
            continue
        if _BY_MISTAKE_AFTER.match(after):
            continue
        if _CATCHPHRASE_AFTER_STOP.match(after):
            continue
        return True
    return False
