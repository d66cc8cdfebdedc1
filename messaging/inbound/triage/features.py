"""The features the triage model reads from a reply: words, word pairs and pieces of words.

One function, used both to train (``pester replies train``) and to score at run time, so the
two cannot drift apart. Text is normalised first as the rules read it
(:func:`~messaging.inbound.triage.text.normalise_text`: lower case, contractions and
text-speak expanded, letters typed three times counted once), then split into words.

* ``w:word`` — each word; ``b:word word`` — each pair of neighbouring words.
* ``c:iece`` — each run of 4 characters inside a word padded with spaces (``" od'd "``
  gives ``" od'"``, ``"od'd"``, ``"d'd "``), which carries misspellings and new slang to the
  words they resemble.
* Digits are shapes, not values: a run of five or more digits (a phone number's part) is
  ``#long``, three or four digits (a sum of money) ``#mid``; one or two digits (an age) stay.
* Everyday figures of speech about dying, killing and passing out ("died laughing", "dying
  for a brew", "my phone died", "the heat is killing me", "nodding off in a meeting"), and
  "I'm dead" said laughing ("im dead 😂"), are read as the one word ``idiom``: their words
  weigh towards risk everywhere else, and the model learns from the corpus's everyday
  replies that the idiom does not. Only set phrases are read this way; the rest of the
  reply is read as written.

Every feature present counts once; the vector is scaled to unit length, so a long reply does
not outweigh a short one.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

from messaging.inbound.triage.text import APOSTROPHES, normalise_text

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s.,!?;:'\"()\[\]\-–—/\\&*#@%+=~^|<>]")
_CHAR_SIZES = (4,)
_IDIOM = re.compile(
    r"\b(?:(?:nearly |almost )?(?:died|dying|dead|die) (?:laughing|of (?:laughter|boredom|"
    r"embarrassment|shame))|bored to death|(?:freezing|starving|worried) to death|"
    r"(?:be )?the death of me|shot myself in the foot|(?:in )?a blaze of glory|"
    r"(?:killing|killed|smashed|smashing|slaying|nailed|nailing) it|(?:dying|gasping) for a "
    r"(?:brew|fag|cuppa|pint|wee|drink|coffee|tea|smoke|kebab)|(?:could|would|i would) "
    r"(?:kill|murder) (?:for )?(?:a|an) \w+|dead (?:on my feet|tired|good|easy|nice|funny|"
    r"jealous)|(?:phone|battery|laptop|charger|telly|tv|lawn|car) (?:has |is )?(?:died|dying|"
    r"dead|on its last legs)|(?:heat|feet|back|legs|knees|job|queue|teething|hangover|"
    r"this weather) (?:is |are )?killing me|nodding off (?:watching|in (?:a|the) (?:meeting|"
    r"class|lesson)|at (?:work|my desk)))\b"
)


# "I'm dead" said laughing ("im dead 😂", "lmao i'm dead"): the one who writes is alive.
_LAUGHING_DEAD = re.compile(
    r"\bi am dead(?= ?(?:😂|🤣|💀|☠|\blol\b|\blmao\b|\blmfao\b|\bhaha))|"
    r"(?:😂|🤣|💀|\blol\b|\blmao\b|\blmfao\b|\bhaha\w*) ?i am dead\b"
)


def words_of(text: str) -> list[str]:
    """The words of a reply as the model reads them (normalised, digits as shapes)."""
    prepared = unicodedata.normalize("NFKC", text).translate(APOSTROPHES)
    return words_of_normal(normalise_text(prepared).text)


def words_of_normal(normal: str) -> list[str]:
    """The words of already normalised text (what the rules read), digits as shapes and
    figures of speech as ``idiom``."""
    normal = _LAUGHING_DEAD.sub(" idiom ", normal)
    return [_shape(word) for word in _WORD.findall(_IDIOM.sub(" idiom ", normal))]


def _shape(word: str) -> str:
    if not word.isdigit():
        return word
    if len(word) >= 5:
        return "#long"
    return "#mid" if len(word) >= 3 else word


def feature_names(words: list[str]) -> list[str]:
    """Every feature of a list of words, each once, in the order first seen."""
    seen: dict[str, None] = {}
    for word in words:
        seen[f"w:{word}"] = None
        for piece in pieces_of(word):
            seen[piece] = None
    for first, second in itertools.pairwise(words):
        seen[f"b:{first} {second}"] = None
    return list(seen)


def pieces_of(word: str) -> list[str]:
    """The character-piece features of one word (none for digit shapes and symbols)."""
    if word[0] == "#" or not word[0].isalnum():
        return []
    padded = f" {word} "
    return [
        f"c:{padded[start : start + size]}"
        for size in _CHAR_SIZES
        for start in range(len(padded) - size + 1)
    ]


def features(words: list[str]) -> tuple[list[str], float]:
    """The feature names of a reply's words and the value each has (every feature weighs
    the same, and the vector has unit length)."""
    names = feature_names(words)
    return names, (1.0 / math.sqrt(len(names)) if names else 0.0)
