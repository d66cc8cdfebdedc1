"""Count SMS segments the way a carrier bills them (the sandbox's own, independent count)."""

from __future__ import annotations

from typing import Final

# GSM 03.38 default alphabet (escape excluded) and its extension table (two septets each).
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """Return how many SMS segments ``body`` takes: GSM-7 160/153, else UCS-2 70/67.

    Carriers never split an escape pair across parts; that can add a part this count misses.
    """
    septets = 0
    for char in body:
        if char in GSM7_BASIC:
            septets += 1
        elif char in GSM7_EXTENSION:
            septets += 2
        else:
            return _split(_utf16_units(body), single=70, part=67)
    return _split(septets, single=160, part=153)


def _utf16_units(body: str) -> int:
    # Characters outside the BMP (most emoji) take two UCS-2 code units.
    return len(body.encode("utf-16-le")) // 2


def _split(units: int, *, single: int, part: int) -> int:
    if units <= single:
        return 1
    return -(-units // part)
