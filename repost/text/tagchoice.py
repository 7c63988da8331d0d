"""Which hashtags a platform gets, and in what order: the post's own tags in the text's language
first (a person's `translations.<lang>.hashtags`, then tags written in that script), and never
a tag that means something on another platform only (#fyp on RedNote)."""

from __future__ import annotations

from collections.abc import Iterable

import regex

from repost.platforms.norms import platform_tags
from repost.post.model import Post

# The script a tag is written in tells its language well enough to order tags (a tag has no
# grammar to detect): Han for Chinese, kana for Japanese, Hangul for Korean, else Latin and others.
_SCRIPTS = (
    ("ja", regex.compile(r"[\p{Hiragana}\p{Katakana}]")),
    ("ko", regex.compile(r"\p{Hangul}")),
    ("zh", regex.compile(r"\p{Han}")),
)
_SCRIPT_LETTERS = tuple(
    (lang, regex.compile(rf"[\p{{L}}&&{pattern.pattern}]", regex.V1)) for lang, pattern in _SCRIPTS
)


def tag_script(tag: str) -> str | None:
    """'zh', 'ja' or 'ko' for a tag written in that script, else None (Latin, digits...)."""
    for lang, pattern in _SCRIPTS:
        if pattern.search(tag):
            return lang
    return None


def text_script(text: str) -> str | None:
    """'zh', 'ja' or 'ko' where most of ``text``'s letters are in that script, else None."""
    letters = regex.findall(r"\p{L}", text)
    if not letters:
        return None
    # Counted by the regex engine over the whole text (a match per letter in Python cost
    # seconds on a long caption): letters of each script only, as above.
    counts = {lang: len(pattern.findall(text)) for lang, pattern in _SCRIPT_LETTERS}
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    if lang == "zh" and counts["ja"]:
        lang = "ja"  # Japanese writes kanji (Han) beside kana
    return lang if n + counts["ja"] > len(letters) / 2 else None


def in_language_first(tags: list[str], lang: str | None) -> list[str]:
    """``tags`` with those written in ``lang``'s script first, each group in its own order;
    as they are where the language is not known."""
    if not lang:
        return list(tags)
    want = lang.split("-")[0].casefold()
    if want not in {code for code, _ in _SCRIPTS}:
        want = None  # a Latin-script language: tags in Latin letters (no CJK script) first
    first = [t for t in tags if tag_script(t) == want]
    return first + [t for t in tags if tag_script(t) != want]


def language_tags(post: Post, lang: str | None) -> tuple[str, ...]:
    """The tags a person wrote for ``lang`` (translations.<lang>.hashtags without a machine
    mark on them); a machine draft is only ever suggested, never used as a tag."""
    tr = post.translations.get(lang) if lang else None
    if tr is None or "hashtags" in tr.machine_fields():
        return ()
    return tuple(t for t in tr.hashtags if t)


def other_platforms_tags(tags: Iterable[str], platform: str) -> list[str]:
    """The tags in ``tags`` that belong to a platform other than ``platform``."""
    theirs = set().union(*(t for pid, t in platform_tags().items() if pid != platform))
    return [t for t in tags if t.casefold() in theirs]
