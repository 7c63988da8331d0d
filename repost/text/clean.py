"""Clean text before it is counted: NFC, LF, no trailing spaces or blank runs, no stray invisibles."""

from __future__ import annotations

import unicodedata

import regex

ZWJ = "\u200d"
ZWNJ = "\u200c"
# Invisible characters with no job in a caption: zero-width space, word joiner, BOM, Mongolian
# vowel separator. ZWJ and ZWNJ do have jobs (emoji sequences, Indic and Persian shaping), so they
# are only removed where they join nothing (see _keep_joiner).
STRAY_INVISIBLES = {"\u200b", "\u2060", "\ufeff", "\u180e"}
LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"}
_LINE_BREAK_RE = regex.compile("|".join(map(regex.escape, LINE_BREAKS)))
_BLANK_RUN_RE = regex.compile(r"\n{3,}")
_PICTO = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\N{VARIATION SELECTOR-16}]")
_LETTER = regex.compile(r"[\p{L}\p{M}]")
_TAG_RE = regex.compile(r"[^\p{L}\p{M}\p{N}_]+")
# What _drop_invisibles may remove: the stray invisibles, the joiners (kept where they join),
# control characters (Cc) but newline and tab, which are never meant to be pasted, and lone
# surrogates (Cs, from a bad "\ud83d" escape in YAML), half an emoji no platform can store.
_SUSPECT_RE = regex.compile(
    "[" + "".join(sorted(STRAY_INVISIBLES)) + ZWJ + ZWNJ + r"\x00-\x08\x0b-\x1f\x7f-\x9f\p{Cs}]"
)


def _keep_joiner(text: str, i: int) -> bool:
    """A ZWJ between emoji (a family, a profession) or a joiner between letters (Devanagari,
    Persian) shapes what is drawn; anywhere else it is stray."""
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if text[i] == ZWJ and _PICTO.match(before) and _PICTO.match(after):
        return True
    return bool(_LETTER.match(before) and _LETTER.match(after))


def _drop_invisibles(text: str) -> str:
    # Only the characters that may go are looked at (a regex finds them; a loop in Python over
    # every character made a long caption cost seconds per platform).
    def keep(m: regex.Match) -> str:
        ch = m.group()
        return ch if ch in (ZWJ, ZWNJ) and _keep_joiner(text, m.start()) else ""

    return _SUSPECT_RE.sub(keep, text)


def drop_lone_surrogates(text: str) -> str:
    """``text`` without lone surrogates: half an emoji (a "\\ud83d" escape left where a caption
    was cut) that no UTF-8 file, database or platform can hold."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-8", "ignore").decode("utf-8")


def clean_text(text: str) -> str:
    """NFC; CRLF, CR and Unicode line separators to LF; control and stray zero-width characters
    removed (a ZWJ inside an emoji sequence kept); no trailing spaces; at most one blank line in a
    row; no blank lines at either end."""
    text = _LINE_BREAK_RE.sub(lambda m: LINE_BREAKS[m.group()], text or "")
    # NFC after the invisibles go: "e<ZWSP><U+0301>" composes to "é" only once the ZWSP is out.
    text = unicodedata.normalize("NFC", _drop_invisibles(text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _BLANK_RUN_RE.sub("\n\n", text)
    return text.strip("\n")


def clean_line(text: str) -> str:
    """One line (a title): cleaned, with line breaks and runs of spaces made single spaces."""
    return " ".join(clean_text(text).split())


def clean_tag(tag: str) -> str:
    """A hashtag as a platform reads one: no '#', NFC, only letters, marks, digits and '_'."""
    tag = unicodedata.normalize("NFC", tag).strip().lstrip("#")
    return _TAG_RE.sub("", _drop_invisibles(tag))
