"""SMS encoding and segment arithmetic, counted the way the network bills a message.

A message is GSM-7 (3GPP TS 23.038 default alphabet plus its extension table) when every
character is in that alphabet, otherwise UCS-2. The figures:

- GSM-7: 160 units in one segment, 153 per part once split (the rest is the concatenation
  header). The extension characters € [ ] { } ^ ~ \\ | and form feed are sent as an escape
  pair, so each costs two units.
- UCS-2: 70 UTF-16 code units in one segment, 67 per part. A character outside the Basic
  Multilingual Plane (most emoji) is a surrogate pair: two units.

A part never ends half-way through an escape pair or a surrogate pair: the whole character
moves to the next part, so a split can cost one segment more than ``units / 153``.

Empty text has 0 characters and 0 segments. Twilio does not bill an empty body as one
segment: it rejects the request (error 21602 "Message body is required", or 21619 through a
Messaging Service), so callers must refuse to queue empty text rather than rely on a count.
Twilio also refuses bodies over 1600 characters; ``DEFAULT_MAX_SEGMENTS`` keeps well below.

National language shift tables (Turkish, Spanish, Portuguese, …) are not used: UK networks
and Twilio's UK routes do not apply them, so they would only mislead the count.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field

DEFAULT_MAX_SEGMENTS = 4
"""Longest message a campaign may send without an explicit override (4 × 153 = 612 GSM-7)."""

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67

# 3GPP TS 23.038 default alphabet, in code order. 0x1B (escape) is left out: it is not a
# character a message can contain, only the prefix of an extension pair.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_CHARACTERS = GSM7_BASIC | GSM7_EXTENSION

# Look-alikes that phones and word processors slip into text, each mapped to the GSM-7
# character a reader would take it for. Letters are deliberately absent: turning Welsh ŵ
# into w changes the word, so a message that needs them stays UCS-2.
LOOKALIKES: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\uff07`", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    "\u2026": "...",
    "\u2022": "-",
    # Tab and the typographic spaces (non-breaking, en, em, thin, narrow, ideographic).
    **dict.fromkeys("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
    **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    # Invisible characters: zero-width space/joiners, word joiner, BOM, soft hyphen.
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}


class Encoding(enum.StrEnum):
    """The data coding a network uses for a whole message."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class Downgrade:
    """One kind of look-alike replaced by its GSM-7 equivalent, and how often."""

    original: str
    replacement: str
    count: int

    def as_json(self) -> dict:
        """Return the downgrade as a JSON-ready dict."""
        return {"original": self.original, "replacement": self.replacement, "count": self.count}


@dataclass(frozen=True)
class SegmentInfo:
    """What a message costs: encoding, billable units and segments."""

    text: str  # after downgrade, if one was applied
    encoding: Encoding
    characters: int  # billable units: GSM-7 septets or UTF-16 code units
    segments: int
    units_per_segment: int
    remaining_in_segment: int  # units still free in the last segment before another starts
    downgraded: bool
    downgrades: list[Downgrade] = field(default_factory=list)
    non_gsm: list[str] = field(default_factory=list)  # distinct characters forcing UCS-2

    def as_json(self) -> dict:
        """Return the figures (not the text) as a JSON-ready dict."""
        return {
            "encoding": str(self.encoding),
            "characters": self.characters,
            "segments": self.segments,
            "units_per_segment": self.units_per_segment,
            "remaining_in_segment": self.remaining_in_segment,
            "downgraded": self.downgraded,
            "downgrades": [d.as_json() for d in self.downgrades],
            "non_gsm": list(self.non_gsm),
        }


def encoding_for(text: str) -> Encoding:
    """Return the encoding the network will use for ``text`` exactly as given."""
    return Encoding.GSM7 if all(c in GSM7_CHARACTERS for c in text) else Encoding.UCS2


def non_gsm_characters(text: str) -> list[str]:
    """List the distinct characters that force UCS-2, in order of first appearance."""
    return list(dict.fromkeys(c for c in text if c not in GSM7_CHARACTERS))


def _unit_cost(char: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def count_units(text: str, encoding: Encoding | None = None) -> int:
    """Return the billable units of ``text`` in ``encoding`` (default: the one it needs)."""
    encoding = encoding or encoding_for(text)
    return sum(_unit_cost(c, encoding) for c in text)


def _limits(encoding: Encoding) -> tuple[int, int]:
    if encoding is Encoding.GSM7:
        return GSM7_SINGLE, GSM7_PART
    return UCS2_SINGLE, UCS2_PART


def split_segments(text: str) -> list[str]:
    """Split ``text`` (as given, no downgrade) into the parts the network would send."""
    if not text:
        return []
    encoding = encoding_for(text)
    single, per_part = _limits(encoding)
    if count_units(text, encoding) <= single:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        cost = _unit_cost(char, encoding)
        # A two-unit character that would overflow moves whole to the next part.
        if used + cost > per_part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    parts.append("".join(current))
    return parts


def _downgrade_cluster(cluster: str) -> str | None:
    """Return the GSM-7 composition of a base letter plus combining marks, if there is one."""
    composed = unicodedata.normalize("NFC", cluster)
    if composed != cluster and all(c in GSM7_CHARACTERS for c in composed):
        return composed
    return None


def downgrade_to_gsm(text: str) -> tuple[str, list[Downgrade]]:
    """Replace look-alike characters with GSM-7 ones; return the new text and what changed.

    Decomposed accents (e + U+0301) are recomposed when the result is in GSM-7 (é). Other
    non-GSM characters (ŵ, emoji) are left alone, so the result may still need UCS-2.
    """
    out: list[str] = []
    counts: dict[tuple[str, str], int] = {}
    i = 0
    while i < len(text):
        end = i + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        cluster = text[i:end]
        composed = _downgrade_cluster(cluster) if end > i + 1 else None
        if composed is not None:
            pairs = [(cluster, composed)]
            i = end
        else:
            char = text[i]
            pairs = [(char, LOOKALIKES[char])] if char in LOOKALIKES else []
            if not pairs:
                out.append(char)
            i += 1
        for original, replacement in pairs:
            out.append(replacement)
            counts[(original, replacement)] = counts.get((original, replacement), 0) + 1
    downgrades = [Downgrade(o, r, n) for (o, r), n in counts.items()]
    return "".join(out), downgrades


def _measure(text: str) -> tuple[Encoding, int, int, int, int]:
    encoding = encoding_for(text)
    units = count_units(text, encoding)
    single, per_part = _limits(encoding)
    parts = split_segments(text)
    if len(parts) <= 1:
        return encoding, units, len(parts), single, single - units
    last = count_units(parts[-1], encoding)
    return encoding, units, len(parts), per_part, per_part - last


def inspect(text: str, *, downgrade: bool = True) -> SegmentInfo:
    """Count what ``text`` costs to send, optionally downgrading look-alikes first.

    The downgrade is all or nothing: it is applied only when it makes the whole message
    GSM-7 without adding a segment (``…`` becomes three units, so a message of ellipses can
    grow). A message that stays UCS-2 anyway is sent exactly as written, since swapping its
    curly quotes would save nothing and removing a zero-width joiner would break an emoji.
    """
    chosen, applied = text, []
    encoding, units, segments, per_segment, remaining = _measure(text)
    if downgrade and encoding is Encoding.UCS2:
        candidate, changes = downgrade_to_gsm(text)
        measured = _measure(candidate)
        if changes and measured[0] is Encoding.GSM7 and measured[2] <= segments:
            chosen, applied = candidate, changes
            encoding, units, segments, per_segment, remaining = measured
    return SegmentInfo(
        text=chosen,
        encoding=encoding,
        characters=units,
        segments=segments,
        units_per_segment=per_segment,
        remaining_in_segment=remaining,
        downgraded=bool(applied),
        downgrades=applied,
        non_gsm=non_gsm_characters(chosen),
    )
