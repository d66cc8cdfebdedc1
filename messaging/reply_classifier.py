"""Explainable triage labels for a reply: risk, help-seeking, opt-out, hostility, intelligence.

The classifier is a pure function over tables of named regular expressions, so an analyst
can see which words put a reply in which queue (``Classification.why``). A reply may carry
several labels; ``other`` only when nothing else fired.

Text is first normalised so one pattern covers the ways people write: lower case,
contractions expanded ("they're" → "they are", "dont" → "do not"), text-speak mapped ("u",
"ur", "pls", "m8", "wer", "gonna", "fkn", dropped g's), letters typed three or more times
counted once, and knife/gun emoji read as words. Reported matches quote the original words.

Decisions:

* **Risk is never negated.** "not suicidal", "he isn't breathing" and "not being forced"
  all flag a risk disclosure: someone raising the subject needs a human to read it, and
  the cost of a missed disclosure is far higher than an analyst's minute. The ``why`` entry
  says when a negation stood before the match.
* **Help-seeking is negated** ("don't need your help"), since a false label there only
  misfiles the reply; opt-out uses :func:`messaging.reply_keywords.keyword_action`, which
  guards both ways.
* **Threats at the sender are hostile, not risk**: "I'll stab you" is hostile; "they
  stabbed my mate" and "they'll kill me" are risk disclosures (violence).
* A phone number in a reply adds ``supply_intel`` unless help-line words name it ("FRANK
  0300…", "is 0161… the drug service?"): someone quoting a service back. FRANK,
  Crimestoppers, SafeCall and other help lines are never extracted at all (see
  :mod:`messaging.reply_numbers`); ``service_numbers`` leaves out the campaign's own.
* "Who is this", "wrong number", "not me", "new phone", "is this a scam" are
  ``wrong_number``: all say the text reached someone who does not recognise it.
"""

from __future__ import annotations

import bisect
import enum
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from messaging.reply_keywords import KeywordAction, keyword_action
from messaging.reply_numbers import find_numbers


class Label(enum.StrEnum):
    """A triage queue a reply belongs in."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP_SEEKING = "help_seeking"
    RISK_DISCLOSURE = "risk_disclosure"
    HOSTILE = "hostile"
    WRONG_NUMBER = "wrong_number"
    SUPPLY_INTEL = "supply_intel"
    OTHER = "other"


class RiskKind(enum.StrEnum):
    """What kind of harm a risk disclosure describes."""

    OVERDOSE = "overdose"
    SELF_HARM = "self_harm"
    EXPLOITATION = "exploitation"
    CHILD_AT_RISK = "child_at_risk"
    VIOLENCE = "violence"


# Most urgent first: the order analysts' queues are sorted by.
LABEL_ORDER: tuple[Label, ...] = (
    Label.RISK_DISCLOSURE,
    Label.HELP_SEEKING,
    Label.OPT_OUT,
    Label.HOSTILE,
    Label.SUPPLY_INTEL,
    Label.WRONG_NUMBER,
    Label.OPT_IN,
    Label.OTHER,
)
NUMBER_REASON = "mentions a phone number"


@dataclass(frozen=True)
class Classification:
    """The labels of one reply, the numbers it mentions, and why each label was given."""

    labels: tuple[Label, ...]
    risk_kinds: tuple[RiskKind, ...]
    numbers: tuple[str, ...]
    why: dict[str, list[str]] = field(default_factory=dict, hash=False)

    @property
    def urgent(self) -> bool:
        """True when a person should read this reply now (a risk disclosure)."""
        return Label.RISK_DISCLOSURE in self.labels

    def as_json(self) -> dict:
        """A JSON-ready dict: labels, numbers, why and risk kinds as plain strings."""
        return {
            "labels": [str(label) for label in self.labels],
            "numbers": list(self.numbers),
            "why": {label: list(reasons) for label, reasons in self.why.items()},
            "risk_kinds": [str(kind) for kind in self.risk_kinds],
        }


@dataclass(frozen=True)
class Rule:
    """A named pattern over normalised text that gives a label (and maybe risk kinds)."""

    name: str
    label: Label
    pattern: re.Pattern[str]
    kinds: tuple[RiskKind, ...] = ()
    accept: Callable[[re.Match[str]], bool] | None = None


def classify(text: str, *, service_numbers: Collection[str] = frozenset()) -> Classification:
    """Label a reply for triage, with the rules that fired and the numbers it mentions.

    ``service_numbers`` (E.164) are local services the campaign signposted: quoted back,
    they are neither listed nor treated as intelligence.
    """
    original = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    normal = _normalise(original)
    why: dict[Label, list[str]] = {}
    kinds: set[RiskKind] = set()

    keyword = keyword_action(text)
    keyword_label = _KEYWORD_LABELS.get(keyword.action)
    if keyword_label is not None:
        why.setdefault(keyword_label, []).append(keyword.rule)

    for rule in RULES:
        for match in rule.pattern.finditer(normal.text):
            if rule.accept is not None and not rule.accept(match):
                continue
            before = normal.text[max(0, match.start() - _LOOKBACK) : match.start()]
            if rule.label is Label.HELP_SEEKING and _HELP_NEGATION.search(before):
                continue
            negated = rule.label is Label.RISK_DISCLOSURE and _NEGATION_BEFORE.search(before)
            excerpt = normal.original_of(match.start(), match.end())
            prefix = "/".join(rule.kinds) + "." if rule.kinds else ""
            reason = f"{prefix}{rule.name}: {excerpt}"
            if negated:
                reason += " (after a negation; flagged anyway)"
            why.setdefault(rule.label, []).append(reason)
            kinds.update(rule.kinds)
            break  # one explanation per rule is enough

    found = find_numbers(original, exclude=service_numbers)
    if any(not _quotes_a_help_line(original, number.start, number.end) for number in found):
        why.setdefault(Label.SUPPLY_INTEL, []).append(NUMBER_REASON)

    if not why:
        why[Label.OTHER] = ["no rule fired"]
    labels = tuple(label for label in LABEL_ORDER if label in why)
    return Classification(
        labels=labels,
        risk_kinds=tuple(kind for kind in RiskKind if kind in kinds),
        numbers=tuple(number.e164 for number in found),
        why={str(label): why[label] for label in labels},
    )


_KEYWORD_LABELS = {
    KeywordAction.OPT_OUT: Label.OPT_OUT,
    KeywordAction.OPT_IN: Label.OPT_IN,
    KeywordAction.HELP: Label.HELP_SEEKING,
}
_LOOKBACK = 30
_NEGATION_BEFORE = re.compile(r"\b(?:not|never|no)(?: \w+){0,2} $")
# Only a denial of needing or wanting help cancels help-seeking; "not ok please help" stands.
_HELP_NEGATION = re.compile(
    r"\b(?:not|never|no) (?:(?:need|want|needed|wanted|asking for|asked for|ask for) )?"
    r"(?:(?:your|any|the|no|for|of|a|an) )?$"
)
_HELP_LINE_WORDS = (
    r"(?:help ?line|frank|samaritans|childline|crimestoppers|safecall|"
    r"(?:drugs?|treatment|support|local|the) service|support line|advice line|cgl|"
    r"change grow live|turning point|humankind|open road|nhs)\b"
)
_HELP_LINE_BEFORE = re.compile(rf"(?i)\b{_HELP_LINE_WORDS}")
_HELP_LINE_AFTER = re.compile(
    rf"(?i)^\W*(?:(?:is|was) )?(?:(?:that|this|it) )?(?:the |a |your )?{_HELP_LINE_WORDS}"
)


def _quotes_a_help_line(text: str, start: int, end: int) -> bool:
    """A number named as a help line or service ("FRANK 0300…", "0161… the drug service?")."""
    return bool(
        _HELP_LINE_BEFORE.search(text[max(0, start - _LOOKBACK) : start])
        or _HELP_LINE_AFTER.search(text[end : end + _LOOKBACK])
    )


# ---------------------------------------------------------------------------------------
# Normalisation


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_TOKEN = re.compile(r"[^\W_]+(?:['*#]+[^\W_]+)*|\s+|.", re.DOTALL)
_ELONGATION = re.compile(r"([^\W\d_])\1{2,}")
# Symbols that carry words; a lone * is dropped so "f*** off" reads as "f off".
_EMOJI_WORDS = {
    "🔪": " knife ", "🗡": " knife ", "🔫": " gun ", "🆘": " sos ", "&": " and ", "*": "",
}  # fmt: skip
_TEXT_SPEAK = {
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "yr": "your", "r": "are",
    "m8": "mate", "m8s": "mates", "pls": "please", "plz": "please", "plez": "please",
    "plse": "please", "wer": "where", "wr": "where", "wher": "where", "whr": "where",
    "wot": "what", "wat": "what", "wht": "what", "wut": "what", "dis": "this", "dat": "that",
    "tht": "that", "da": "the", "gonna": "going to", "gna": "going to", "gunna": "going to",
    "gona": "going to", "wanna": "want to", "wana": "want to", "gotta": "got to",
    "tryna": "trying to", "dunno": "do not know", "idk": "i do not know", "ppl": "people",
    "cos": "because", "coz": "because", "cuz": "because", "bcos": "because", "txt": "text",
    "txts": "texts", "txting": "texting", "texing": "texting", "msg": "message",
    "msgs": "messages", "msging": "messaging", "sum1": "someone", "some1": "someone",
    "any1": "anyone", "ne1": "anyone", "no1": "no one", "2day": "today", "2nite": "tonight",
    "2moro": "tomorrow", "tmrw": "tomorrow", "b4": "before", "cud": "could", "wud": "would",
    "shud": "should", "bout": "about", "abt": "about", "wiv": "with", "fone": "phone",
    "num": "number", "numba": "number", "numbr": "number", "nmber": "number", "dem": "them",
    "dey": "they", "av": "have", "hav": "have", "bruh": "bruv", "ded": "dead", "bk": "back",
    "fk": "fuck", "fck": "fuck", "fuk": "fuck", "fuq": "fuck", "fook": "fuck", "fcuk": "fuck",
    "fkn": "fucking", "fkin": "fucking", "fking": "fucking", "fcking": "fucking",
    "fukin": "fucking", "fookin": "fucking", "fuckin": "fucking", "effing": "fucking",
    "tf": "the fuck", "wtf": "what the fuck", "n": "and", "nd": "and", "rn": "right now",
    "yh": "yeah", "yeh": "yeah", "soz": "sorry", "sry": "sorry", "kms": "kill myself",
    "dont": "do not", "cant": "can not", "cannot": "can not", "wont": "will not",
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are", "hes": "he is",
    "shes": "she is", "whos": "who is", "thats": "that is", "whats": "what is",
    "isnt": "is not", "aint": "is not", "didnt": "did not", "doesnt": "does not",
    "wasnt": "was not", "couldnt": "could not", "wouldnt": "would not", "havent": "have not",
    "hasnt": "has not", "theyll": "they will", "youll": "you will", "theyve": "they have",
    "itll": "it will", "od'd": "overdosed", "o'd": "overdosed",
}  # fmt: skip
# Censored swearing once its * and # and vowels are gone: "f**k", "f*cking", "c**t".
_CENSORED = {
    "fk": "fuck", "fck": "fuck", "fkng": "fucking", "fckng": "fucking", "fkn": "fucking",
    "ct": "cunt", "cnt": "cunt", "wnkr": "wanker", "twt": "twat", "prck": "prick",
    "bstrd": "bastard", "sht": "shit",
}  # fmt: skip
# Words typed with the final g dropped ("usin", "sellin"), restored so patterns match.
_DROPPED_G = frozenset(
    """usin takin sellin makin doin goin textin messagin tryin breathin dyin killin comin
    workin runnin servin shottin dealin forcin threatenin sayin callin ringin bleedin cuttin
    hurtin fittin strugglin gettin havin stabbin shootin""".split()  # noqa: SIM905
)
_IS_AFTER = frozenset({"he", "she", "it", "who", "what", "that", "there", "where", "here", "how"})
_SUFFIXES = (("n't", " not"), ("'ll", " will"), ("'re", " are"), ("'ve", " have"),
             ("'m", " am"), ("'d", " would"))  # fmt: skip


@dataclass(frozen=True)
class _Normalised:
    """Normalised text plus the way back to the original words."""

    text: str
    source: str
    starts: list[int]  # where each normalised piece starts
    spans: list[tuple[int, int]]  # the original span of each piece

    def original_of(self, start: int, end: int) -> str:
        """The original words behind a span of the normalised text."""
        first = bisect.bisect_right(self.starts, start) - 1
        last = bisect.bisect_right(self.starts, max(start, end - 1)) - 1
        return self.source[self.spans[first][0] : self.spans[last][1]].strip()


def _normalise(source: str) -> _Normalised:
    """Lower-case, expand contractions and text-speak, keeping a map to the original."""
    pieces: list[str] = []
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for token in _TOKEN.finditer(source):
        piece = _normal_piece(token.group())
        starts.append(length)
        spans.append(token.span())
        pieces.append(piece)
        length += len(piece)
    return _Normalised("".join(pieces), source, starts, spans)


def _normal_piece(token: str) -> str:
    """The normal form of one token: a word, a run of spaces, or one other character."""
    if token.isspace():
        return "\n" if "\n" in token else " "
    if len(token) == 1 and not token.isalnum():
        return _EMOJI_WORDS.get(token, token)
    word = _ELONGATION.sub(r"\1", token.lower())
    if "*" in word or "#" in word:
        return _CENSORED.get(re.sub(r"[*#aeiou]+", "", word), re.sub(r"[*#]+", "", word))
    if word in _TEXT_SPEAK:
        return _TEXT_SPEAK[word]
    if word in _DROPPED_G:
        return word + "g"
    if "'" in word:
        return _expand_contraction(word)
    return word


def _expand_contraction(word: str) -> str:
    """'won't' → 'will not', "they're" → 'they are', "he's" → 'he is'."""
    if word in ("won't", "can't", "ain't"):
        return {"won't": "will not", "can't": "can not", "ain't": "is not"}[word]
    for suffix, expansion in _SUFFIXES:
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            return _TEXT_SPEAK.get(base, base) + expansion
    if word.endswith("'s"):
        # "he's" → "he is"; a possessive keeps its apostrophe for "Dave's line".
        base = word[:-2].replace("'", "")
        return base + " is" if base in _IS_AFTER else base + "'s"
    return word.replace("'", "")


# ---------------------------------------------------------------------------------------
# Rule tables. Patterns are written over normalised text with single spaces between words;
# a space stands for any run of spaces, commas and line breaks. Each rule is a list of
# alternatives so that every line reads as one way of saying the thing.

_GAP = r"[\s,]+"
Rows = list[tuple[str, tuple[str, ...]]]


def _compile(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    """Compile a rule's alternatives, letting each space match any gap between words."""
    pattern = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return re.compile(pattern.replace(" ?", r"[\s,]*").replace(" ", _GAP))


def _table(
    label: Label,
    rows: Rows,
    kinds: tuple[RiskKind, ...] = (),
    accept: Callable[[re.Match[str]], bool] | None = None,
) -> list[Rule]:
    """Rules for one label (and risk kinds) from (name, alternatives) rows."""
    return [Rule(name, label, _compile(alternatives), kinds, accept) for name, alternatives in rows]


def _is_child_age(match: re.Match[str]) -> bool:
    """A stated age under 18; "I'm 9"-style ages start at 10 to skip "only 2" quantities."""
    groups = match.groupdict()
    if groups.get("age") is not None:
        return 10 <= int(groups["age"]) <= 17
    if groups.get("young_age") is not None:
        return int(groups["young_age"]) <= 17
    return True


# Words after "ring", "selling at" or "the … line" that are not a person, place or brand.
_NOT_NAMES = frozenset(
    """me you us them him her it this that the a an back now later today tomorrow tonight
    again round anyone someone anybody somebody everyone police ambulance frank samaritans
    childline crimestoppers doctor gp mum dad nan home please when if and or but for on at in
    to my your their his our one number phone up out off whenever anytime time from yourself
    myself people em help nobody no not yeah yes ok okay message messages mate new old other
    same deal drug drugs supply front main whole county land bottom first last next only
    dealer bus party advice support crisis chat end top dotted punch washing finishing
    starting fone picket hot weed crack gear heroin coke stuff bulk person centre about
    son daughter brother sister friend friends mates partner boyfriend girlfriend husband wife
    grandad uncle aunt auntie cousin else kids child baby going running working active real
    legit valid available live happening
    """.split()  # noqa: SIM905
)


def _names_someone(match: re.Match[str]) -> bool:
    """The captured word (a name, owner or person) could be a person, place or line brand."""
    groups = match.groupdict()
    return all(groups.get(key) not in _NOT_NAMES for key in ("name", "owner", "person"))


_PEOPLE = (
    r"(?:they|he|she|them|someone|somebody|people|these (?:guys|lads|men)|"
    r"the (?:guys|lads|men|olders|elders|dealers?)|my (?:olders|elders|boss))"
)
_VICTIM = r"(?:i|he|she|they|we|someone|somebody|people|my(?: \w+){1,2}|mate|friend)"
_WEAPONS = (
    r"(?:knife|knives|blade|blades|machete|gun|guns|strap|shank|weapon|weapons|bat|hammer|acid)"
)
_INSULTS = (
    r"(?:cunts?|wankers?|pricks?|dickheads?|twats?|bastards?|bellends?|knobheads?|tossers?|"
    r"idiots?|morons?|muppets?|scum|scumbags?|nonces?|pigs?|slags?|bitch|bitches|mugs?|"
    r"clowns?|losers?|fuckers?|motherfuckers?|weirdos?|freaks?|snitch|snitches|grass|"
    r"plonkers?|pillocks?|numpties|numpty|wasteman|wastemen|dicks?|shitheads?|dipshits?|"
    r"arseholes?|assholes?|jokes?|disgrace)"
)

# fmt: off
_OVERDOSE: Rows = [
    ("overdose", (r"\b(?:overdos(?:e|ed|es|ing)|od|ods|oding)\b",)),
    ("not_breathing", (
        r"\b(?:not|stopped|barely|hardly|struggling to|can not) breath(?:e|ing)\b",
        r"\bbreathing (?:funny|weird|strange|slow|slowly|shallow)\b",
        r"\bgasping\b",
    )),
    ("will_not_wake", (
        r"\b(?:will not|can not|could not|not) wak(?:e|ing)\b",
        r"\b(?:unresponsive|unconscious|collapsed|passed out|out cold|keeled over)\b",
    )),
    ("turning_blue", (
        r"\b(?:turn(?:ing|ed)?|gone|going|went) (?:blue|grey|gray|purple)\b",
        r"\blips (?:are |is |gone |going )?(?:blue|purple|grey)\b",
    )),
    ("seizure", (r"\b(?:fitting|seizures?|having a fit|convulsing)\b",)),
    ("took_too_much", (r"\b(?:took|taken|had|done|used|take) (?:way )?too much\b",)),
    ("emergency", (r"\b(?:ambulance|paramedics?|a and e|in hospital|999)\b",)),
    ("gave_naloxone", (
        r"\b(?:gave|give|giving|given|used|using|jabbed|injected|sprayed) "
        r"(?:him |her |them |it |some |the |a |my )?(?:naloxone|narcan|nyxoid|prenoxad)\b",
    )),
    ("dying", (
        r"\b(?:nearly|almost) died\b",
        r"\bpassed away\b",
        r"\b(?:i am|i think i am|people are) dying\b",
        r"\b(?:he|she|they|mate|friend|brother|sister|son|daughter|mum|dad|partner|boyfriend|"
        r"girlfriend|someone|somebody) (?:is |are |was |has |just |nearly |almost )*"
        r"(?:dead|died|dying)\b",
    )),
    ("bad_batch", (
        r"\b(?:bad|dodgy|strong|wrong) (?:batch|gear|stuff|bag|bags|pills?)\b",
        r"\bsomething (?:in|wrong with) (?:it|the gear|the batch|this batch|the stuff|them)\b",
    )),
    ("symptoms", (
        r"\b(?:chest pains?|heart (?:is )?(?:racing|pounding)|can not feel my \w+)\b",
        r"\bfeel(?:ing)? (?:really |so |very )?(?:faint|dizzy|like i am dying)\b",
    )),
]
_SELF_HARM: Rows = [
    ("suicidal", (r"\bsuicid\w*",)),
    ("harm_myself", (
        r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|hanging|end) "
        r"(?:myself|meself|my self)\b",
        r"\bself ?-?harm\w*",
    )),
    ("end_it", (
        r"\b(?:end|ending|take) (?:it all|my life|my own life)\b",
        r"\b(?:want to|going to|will|might|just|about to|thinking of|thinking about) end it\b",
    )),
    ("want_to_die", (
        r"\b(?:want|wanting|wanted|wish i) (?:to )?(?:die|be dead|was dead|were dead|"
        r"was not here)\b",
    )),
    ("no_point", (
        r"\b(?:do not|does not) want to (?:live|be alive|be here|wake up)\b",
        r"\bno (?:reason|point) (?:to |in )?(?:living|live|going on|anymore|carrying on)\b",
        r"\bnot worth living\b|\bbetter off (?:dead|without me)\b",
        r"\bcan not (?:go on|do this anymore|take it anymore|cope)\b",
    )),
    ("method", (r"\b(?:take all my (?:pills|tablets)|jump (?:off|in front)|under a train)\b",)),
]
_EXPLOITATION: Rows = [
    ("made_to", (
        rf"\b{_PEOPLE} (?:are |is |were |was |have |has |keep |keeps )?(?:making|made|make|"
        r"makes|forcing|forced|force|forces|pressuring|pressured|grooming|groomed|"
        r"blackmailing|blackmailed|using) me\b",
    )),
    ("made_to_work", (
        r"\b(?:making|made|make|makes|forcing|forced|force|got|get|gets|sent|sending|send) me "
        r"(?:to )?(?:sell|run|deal|hold|carry|plug|bottle|stash|move|drop|deliver|do drops|"
        r"do runs|work|go out)\b",
        r"\b(?:got|have|making|made|forcing|forced|using|sent|sending) (?:him|her|them|my \w+) "
        r"(?:running|selling|dealing|holding|working|doing drops|doing runs|to sell|to run|"
        r"to deal|out)\b",
    )),
    ("working_for_them", (
        r"\b(?:selling|running|dealing|working|holding|doing drops|doing runs|shotting) for "
        r"(?:them|him|her|the olders|the elders|the dealers?|the line)\b",
    )),
    ("debt", (
        r"\bowe (?:them|him|her|money|the dealer|the line)\b|\bin debt (?:to|with)\b",
        r"\bpay (?:it|them|him|her) back\b|\bwork (?:it|the debt) off\b|\bdebt bond\w*",
    )),
    ("cannot_leave", (
        r"\b(?:can not|could not|will not let me|would not let me|do not let me|not allowed to) "
        r"(?:leave|go home|get out|escape|get away)\b",
        r"\btrapped\b|\b(?:held|keeping me|kept me) (?:hostage|prisoner|captive|locked)\b",
        r"\blocked me in\b",
    )),
    ("took_my_things", (
        rf"\b{_PEOPLE} (?:have |has |had |are )?(?:took|taken|take|got|kept|keeping|holding) "
        r"my (?:phone|id|passport|bank card|card|bank|benefits|money|keys)\b",
    )),
    ("cuckooed", (
        r"\bcuck(?:oo|oi)\w*|\b(?:taken|took|taking) over my (?:flat|house|home|place)\b",
        r"\b(?:in|using|dealing from|selling from|living in|moved into|staying at|staying in) "
        r"(?:my (?:flat|house|home|place|gaff)|mine)\b",
    )),
    ("scared_of_them", (
        r"\b(?:scared|frightened|terrified|afraid) (?:of )?(?:them|him|what they|they will|"
        r"he will|she will|to (?:leave|go home|tell))\b",
    )),
    ("county_lines_terms", (
        r"\b(?:go|going|went|sent|working) (?:ot|out there|country|cunch)\b",
        r"\b(?:plugging|plug it|plugged it|bottling|bottle it|boot it)\b",
        r"\btrap (?:house|phone)\b|\btrapping\b|\bdoing (?:drops|runs|shifts)\b",
        r"\btraffick\w*|\bmodern slavery\b|\bblackmail\w*",
        r"\b(?:pics|pictures|photos|videos|nudes) of me\b",
    )),
]
_CHILD: Rows = [
    ("child_age", (
        r"\b(?:(?:i am|he is|she is|they are|my (?:son|daughter|brother|sister|kid|child) is)"
        r"(?: only| just)?|only|just) (?P<age>\d{1,2})"
        r"(?: (?:years old|year old|yrs old|yrs|yr old|y/o|yo))?\b"
        r"(?! (?:days?|weeks?|months?|mins?|minutes?|hours?|hrs?|times?|quid|pounds?|grams?|g|"
        r"bags?|am|pm|percent|left|more|of|pills|stone|miles))",
        r"\b(?P<young_age>\d{1,2}) ?(?:years old|year old|yr old|yrs old|yo|y/o)\b",
    )),
    ("child_age_words", (
        r"\b(?:i am|he is|she is|only|just) (?:eleven|twelve|thirteen|fourteen|fifteen|"
        r"sixteen|seventeen)\b",
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
        r"fourteen|fifteen|sixteen|seventeen) ?(?:years? old|yr old|yo)\b",
    )),
    ("school", (
        r"\b(?:at|in|after|before|skipping|skip|bunking|from|excluded from|kicked out of|off) "
        r"school\b",
        r"\bmy (?:teacher|school|form tutor)\b|\byear (?:[5-9]|1[0-3])\b|\bsixth form\b",
        r"\bgcses?\b",
    )),
    ("my_child", (
        r"\bmy (?:son|daughter|kid|kids|child|children|little (?:brother|sister|one|ones)|"
        r"younger (?:brother|sister)|baby|grandson|granddaughter|nephew|niece|stepson|"
        r"stepdaughter)\b",
    )),
    ("children_present", (
        r"\b(?:kids|children|child|baby|babies|toddler) (?:are |is )?(?:in|at|around|"
        r"living in|here)\b",
        r"\b(?:in front of|around|near) (?:the|my|his|her|their) (?:kids|children|child|baby)\b",
    )),
    ("minor", (
        r"\b(?:underage|under age|a minor|just a kid|only a kid|still a kid|only a child|"
        r"just a child)\b",
        r"\b(?:social services|social worker|in care|foster\w*)\b",
    )),
]
_VIOLENCE: Rows = [
    ("was_attacked", (
        rf"\b{_VICTIM} (?:was |were |got |has been |have been |been |just got |getting |is |are )"
        r"(?:stabbed|shot|shanked|slashed|knifed|beaten|battered|jumped|attacked|assaulted|"
        r"kidnapped|robbed|mugged|burned|burnt|bottled|glassed|hit|punched|kicked in)\b",
    )),
    ("attacked_someone", (
        r"\b(?:stabbed|shot|shanked|slashed|knifed|beat|beats|battered|attacked|attacks|"
        r"assaulted|kidnapped|robbed|mugged|hit|hits|punched|punches|kicked|hurt|hurts|smacked) "
        r"(?:me|him|her|them|us|my \w+)\b(?! up\b| back\b)",
    )),
    ("weapon", (
        rf"\b(?:i|we|{_PEOPLE}|my(?: \w+){{1,2}}) (?:is |are |am |has |have |had |was |were )?"
        r"(?:got |carrying |carries |carry |carried |pulled |pulling |waving |with |holding )?"
        rf"(?:a |an |the |their |his |her |my )?{_WEAPONS}\b",
        rf"\bpulled (?:a |an )?{_WEAPONS} on (?:me|him|her|us|them|my \w+)\b",
    )),
    ("threat_to_writer", (
        rf"\b{_PEOPLE} (?:will|are going to|is going to|said they would|said he would|"
        r"said she would|want to|wants to|going to|threatened to|threaten to) (?:kill|hurt|stab|"
        r"shoot|beat|batter|find|get|do|burn|merk|wet|slash|shank|smash) (?:me|us|my|him|her)\b",
    )),
    ("threat_to_someone", (
        r"\b(?:i|we) (?:will|am going to|are going to|want to) (?:kill|stab|shoot|hurt|batter|"
        r"merk|wet|slash|shank) (?:him|her|them|someone|somebody|my \w+)\b",
    )),
]
_THREATENED: Rows = [
    ("threatened", (
        rf"\b{_PEOPLE} (?:have |has |had |keep |keeps |are |is )?(?:threatened|threatening|"
        r"threatens|threaten) (?:me|my|us|to)\b",
    )),
]
_HELP: Rows = [
    ("asks_for_help", (
        r"\bhelp\b(?! (?:the police|you|yourself|yourselves)\b)",
        r"\bhelping (?:me|us)\b|\bsos\b",
    )),
    ("wants_to_stop_using", (
        r"\b(?:want|wanting|need|trying|tried|try|how (?:do|can|would|should) (?:i|we)|help me|"
        r"ready|desperate|going) (?:to )?(?:stop|quit|give up|get off|come off|cut down|kick it|"
        r"get clean|get sober|detox)\b",
    )),
    ("cannot_stop", (
        r"\b(?:can not|could not|unable to) (?:stop|quit|give up|get off|come off|cut down)\b",
    )),
    ("struggling_with_use", (
        r"\b(?:addict|addicted|addiction|hooked|habit|rattling|clucking|withdrawals?|"
        r"withdrawing|cold turkey|relapsed?|relapsing)\b",
    )),
    ("treatment", (
        r"\b(?:rehab|detox|treatment|methadone|subutex|buprenorphine|espranor|script|"
        r"prescription|drug (?:service|team|worker|support)|key ?worker|recovery|"
        r"counsell?(?:ing|or)|therapy|support (?:worker|group|service)|needle exchange)\b",
        r"\b(?:frank|change grow live|cgl|turning point|humankind|open road)\b",
        r"\b(?:need|want|get|getting|order|pick up|where is|carry) (?:some |a |the )?"
        r"(?:naloxone|narcan|nyxoid|prenoxad)\b",
    )),
    ("where_to_get", (
        r"\b(?:where|how) (?:can|do|could|should) (?:i|we) (?:get|find|go|access|speak|talk|see|"
        r"sign up|pick up)\b",
    )),
    ("someone_to_talk_to", (
        r"\b(?:need|want|can i|could i|like to) (?:to )?(?:talk|speak|chat) (?:to|with) "
        r"(?:someone|somebody|anyone|a person|a human|a worker)\b",
        r"\bsomeone to talk to\b",
    )),
    ("asks_for_information", (
        r"\bmore (?:info|information|details)\b|\btell me more\b",
        r"\bwhat (?:is|are) (?:nitazenes?|naloxone|narcan|frank|this (?:drug|stuff|warning))\b",
        r"\bwhich (?:batch|bags|pills|gear|stuff|area|areas)\b|\bwhat does it look like\b",
        r"\bis (?:it|that|this) true\b",
        r"\b(?:is|are) (?:the|this|that|these|those|my) (?:\w+ ){0,6}?(?:safe|bad|dodgy|"
        r"contaminated|laced|cut with)\b",
    )),
]
_HOSTILE: Rows = [
    ("dismissal", (
        r"\b(?:fuck|f|piss|bugger|sod|naff|eff) off\b|\bjog on\b|\bdo one\b|\bget fucked\b",
        r"\bgo fuck (?:yourself|yourselves)\b|\bfoff\b|\bstfu\b|\bshut (?:the fuck )?up\b",
        r"\bfuck (?:you|yourself|yourselves|the (?:police|feds|pigs|old bill|filth|law|"
        r"lot of you))\b",
        r"\bsuck my\b|\beat shit\b|\bkys\b|\bkill yourself\b|\bgo die\b",
    )),
    ("insult", (rf"\b(?:you|your|you are|ya)(?: \w+){{0,2}} {_INSULTS}\b",)),
    ("insult_alone", (
        rf"^\W*(?:(?:fucking|fuck|you|absolute|dirty|stupid|fat|bent|{_INSULTS}|knife|gun)\W+)*"
        rf"(?:{_INSULTS}|knife|gun)\W*$",
    )),
    ("anti_police", (
        r"\b(?:dirty|fucking|bent|corrupt|fat|filthy) (?:pigs|cops|coppers|feds|police|filth)\b",
        r"\boink\b|\bacab\b|\b1312\b|🐷|🐖|🐽|🖕",
    )),
    ("threat", (
        r"\b(?:i will|ill|ima|imma|i am going to|we will|we are going to|will) (?:find|kill|stab|"
        r"shank|shoot|"
        r"hurt|batter|bang|merk|wet|smash|cut|burn|come for|come after) "
        r"(?:you|your|all of you|the lot of you|whoever)\b",
        r"\b(?:you are|your|you|you lot|you lot are|you all|all of you) (?:dead|a dead man|"
        r"finished)\b",
        r"\bwhen i (?:find|catch|see|get) you\b",
        r"\b(?:watch|mind) your back\b|\bi know where you (?:live|are|work)\b",
        r"\bcoming for you\b|\bsnitches get stitches\b",
        r"\byou will (?:get|be) (?:stabbed|shot|hurt|done|merked|wet|found)\b",
    )),
]
_WRONG_NUMBER: Rows = [
    ("who_is_this", (
        r"\bwho (?:the (?:fuck|hell|heck|f) )?(?:is this|is it|is that|are you|this|that)\b",
        r"\bwho (?:sent this|is texting me|gave you (?:my|this) number)\b",
        r"\b(?:(?:how|where) did|did) you get (?:my number|this number|this)\b",
        r"\bwhat (?:number|no) is this\b|\bwhat is this (?:about|regarding|for)\b|^\W*who\W*$",
    )),
    ("wrong_number", (
        r"\bwrong (?:number|person|phone|guy|girl|man|bloke|no)\b|\bgot the wrong\b",
    )),
    ("not_me", (
        r"\b(?:it is|this is|that is|that was|was) not me\b|^\W*not me\b",
        r"\bnot my (?:number|phone)\b|\b(?:number|phone) (?:is|was) not mine\b",
        r"\bi (?:do not|never) (?:know|knew) (?:anyone|anybody|who|this)\b",
        r"\bno idea (?:who|what) (?:this|you|that)\b|\bwhat are you (?:on|talking) about\b",
        r"\bi (?:do not|never) (?:do|take|took|use|used|touch) drugs\b",
        r"\b(?:never|not) (?:done|taken|used|touched) (?:drugs|anything)\b",
        r"\bnot an? (?:drug user|user|druggie|junkie|addict)\b",
    )),
    ("new_phone", (
        r"\b(?:i have|i|just|i just|this is a|it is a|i have just) (?:got )?a new "
        r"(?:phone|number|sim|no)\b",
        r"\bnew phone who\b",
        r"\b(?:recycled|second hand|secondhand) (?:number|sim|phone)\b|\bprevious owner\b",
        r"\b(?:got|had) this (?:number|phone|sim) (?:for|since|last|a few|in|from)\b",
        r"\bsomeone else(?:'?s)?\b|\b(?:does|do) not live here\b",
        r"\b(?:this is|it is|its) (?:a |my )?(?:work|works|business|company) (?:phone|number)\b",
    )),
    ("doubts_sender", (
        r"\bis this (?:real|legit|a scam|spam|a joke|a wind up|really the police|the police)\b",
        r"\bscam\b",
    )),
]
_SUPPLY: Rows = [
    ("new_line", (
        r"\b(?:new|other|another|backup|second) (?:line|ting|digits)\b",
        r"\b(?:they|he|she|them|the line|dealer|the dealer|plug|the plug) (?:have |has |got |"
        r"are on |is on |are now |is now |now |have got |has got |moved to |switched to |"
        r"changed to )*(?:a |an |the )?(?:new|other|another|different|backup) "
        r"(?:number|phone|sim|no)\b",
        r"\b(?:their|his|her|the dealers?|the plugs?) (?:new|other|real|backup|second|work) "
        r"(?:number|line|phone|no)\b",
    )),
    ("ring_someone", (r"\b(?:ring|call|bell|link|hit up|ask for) (?P<name>[a-z]+)\b",)),
    ("they_are_on", (
        r"\b(?:they|he|she|them|dealers?|plug|the line) (?:are |is |have |has |were |was |now |"
        r"all |just |been )*(?:on|using|running) (?:a |the )?(?:new|different|other|another|\d)",
    )),
    ("selling_at", (
        r"\b(?:selling|serving|shotting|dealing|trapping|sells|serves|deals|sold|served) "
        r"(?:from|at|in|on|out of|round|around|outside|near|by|behind|off) "
        r"(?:the |a |an |that |this )?(?P<name>[a-z0-9]+)",
    )),
    ("place", (
        r"\b(?:on|at|in|round|around|near|behind|outside|by|off|from|down|up) (?:the )?"
        r"(?!(?:the|my|your|our|his|her|their|this|that|a|an)\b)(?:[a-z0-9]+ ){1,2}?"
        r"(?:street|road|rd|lane|avenue|ave|close|crescent|drive|estate|flats|court|towers|"
        r"square|terrace|grove|gardens)\b",
        r"\b(?:on|at|in|round|outside|near|by|behind) the (?:estate|flats)\b",
        r"\b[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}\b",  # a postcode
    )),
    ("named_line", (
        r"\bthe (?P<name>[a-z]+) line\b",
        r"\b(?P<owner>[a-z]+)'s (?:line|ting|number|phone|digits)\b",
        r"\bis (?:this|it) still (?P<person>[a-z]+)\b",
    )),
    ("name_given", (
        r"\b(?:his|her|their|the dealers?|the plugs?) (?:real )?names? (?:is|are|was)\b",
        r"\b(?:goes by|known as|calls himself|calls herself)\b",
        r"\b(?:dealer|plug|guy|lad|man|bloke|he|she) (?:is |was )?(?:called|named)\b",
    )),
    ("offers_information", (
        r"\b(?:i|we) (?:know|can tell you|could tell you|can give you|have|have got|got) "
        r"(?:who|where|names?|info|information|the address|their number|his number|"
        r"her number|addresses)\b(?! (?:this|you|your|that)\b)",
    )),
    ("line_still_running", (
        r"\b(?:line|they|he|she|number|phone) (?:is |are |was )?(?:still|back) (?:running|going|"
        r"open|up|selling|dealing|serving|active|on|working)\b",
        r"\b(?:new|the|their|his|that) (?:plug|dealer|supplier|shotter|trap house)\b",
    )),
]
# fmt: on

RULES: tuple[Rule, ...] = tuple(
    _table(Label.RISK_DISCLOSURE, _OVERDOSE, (RiskKind.OVERDOSE,))
    + _table(Label.RISK_DISCLOSURE, _SELF_HARM, (RiskKind.SELF_HARM,))
    + _table(Label.RISK_DISCLOSURE, _EXPLOITATION, (RiskKind.EXPLOITATION,))
    + _table(Label.RISK_DISCLOSURE, _CHILD, (RiskKind.CHILD_AT_RISK,), accept=_is_child_age)
    + _table(Label.RISK_DISCLOSURE, _VIOLENCE, (RiskKind.VIOLENCE,))
    + _table(Label.RISK_DISCLOSURE, _THREATENED, (RiskKind.VIOLENCE, RiskKind.EXPLOITATION))
    + _table(Label.HELP_SEEKING, _HELP)
    + _table(Label.HOSTILE, _HOSTILE)
    + _table(Label.WRONG_NUMBER, _WRONG_NUMBER)
    + _table(Label.SUPPLY_INTEL, _SUPPLY, accept=_names_someone)
)
