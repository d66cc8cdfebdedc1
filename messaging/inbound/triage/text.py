"""Reply text normalised for the triage rules, with a map back to the words as written.

One pattern should cover the ways people write: lower case, contractions expanded ("they're"
→ "they are", "dont" → "do not"), text-speak mapped ("u", "ur", "pls", "m8", "wer", "gonna",
"fkn", dropped g's), letters typed three or more times counted once, censored swearing
restored, and knife/gun emoji read as words. :class:`NormalisedText` maps any span of the
normal form back to the original words, so explanations quote what the sender wrote.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

# Apostrophes phones and keyboards type, read as a plain '.
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
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
    "hu": "who", "dnt": "do not",
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
    "itll": "it will", "od'd": "overdosed", "o'd": "overdosed", "b": "be",
    "cba": "can not be arsed",
    "cannae": "can not", "canny": "can not", "dinnae": "do not", "didnae": "did not",
    "wouldnae": "would not", "couldnae": "could not", "isnae": "is not", "dae": "do",
    "oot": "out", "dun": "do not", "anythin": "anything", "nothin": "nothing",
    "somethin": "something",
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
    hurtin fittin strugglin gettin havin stabbin shootin sendin""".split()  # noqa: SIM905
)
_IS_AFTER = frozenset({"he", "she", "it", "who", "what", "that", "there", "where", "here", "how"})
_SUFFIXES = (("n't", " not"), ("'ll", " will"), ("'re", " are"), ("'ve", " have"),
             ("'m", " am"), ("'d", " would"))  # fmt: skip


@dataclass(frozen=True)
class NormalisedText:
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


def normalise_text(source: str) -> NormalisedText:
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
    return NormalisedText("".join(pieces), source, starts, spans)


@functools.lru_cache(maxsize=16384)  # the same words come back in reply after reply
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
