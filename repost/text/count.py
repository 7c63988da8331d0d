"""Text counters by name, as profiles name them: one function serves fitting, manifests and validate."""

from __future__ import annotations

import math
from collections.abc import Callable

import regex

# "surrogatepass": text not yet cleaned may hold a lone surrogate; it counts as the one unit it is
# instead of stopping the count with an encoding error.


def count_utf16(text: str) -> int:
    """UTF-16 code units: TikTok's "UTF-16 runes" (a non-BMP emoji counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def count_chars(text: str) -> int:
    """Unicode code points."""
    return len(text)


def count_graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters): a ZWJ family emoji counts 1."""
    return len(regex.findall(r"\X", text))


def count_utf8_bytes(text: str) -> int:
    """UTF-8 bytes (YouTube's description limit is in bytes)."""
    return len(text.encode("utf-8", "surrogatepass"))


def count_rednote_weighted(text: str) -> int:
    """RedNote's title count: each UTF-16 unit above 127 weighs 2, ASCII 1; the length is half,
    rounded up (R2 in profiles/SOURCES.md: the CalcTitleLength rule of RedNote automation tools)."""
    weight = sum(1 if unit <= 127 else 2 for unit in _utf16_units(text))
    return math.ceil(weight / 2)


def _utf16_units(text: str):
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        yield data[i] | (data[i + 1] << 8)


COUNTERS: dict[str, Callable[[str], int]] = {
    "utf16": count_utf16,
    "chars": count_chars,
    "graphemes": count_graphemes,
    "utf8_bytes": count_utf8_bytes,
    "rednote_weighted": count_rednote_weighted,
}

UNITS = {
    "utf16": "UTF-16 units",
    "chars": "characters",
    "graphemes": "characters",
    "utf8_bytes": "bytes",
    "rednote_weighted": "weighted characters",
}


def count_text(text: str, counter: str) -> int:
    """Count ``text`` with the named counter (a profile's ``count``)."""
    return COUNTERS[counter](text)
