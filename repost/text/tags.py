"""Hashtags and mentions found in text, and hashtag lists deduplicated regardless of case."""

from __future__ import annotations

from collections.abc import Iterable

import regex

# A hashtag is '#' followed by letters, marks, digits or '_' (Chinese tags included), not preceded
# by a word character (so "C#" or "a#b" is no tag). RedNote's stored form "#name[话题]#" matches too.
HASHTAG_RE = regex.compile(r"(?<![\p{L}\p{N}_&#])#([\p{L}\p{M}\p{N}_]+)(?:\[话题\]#)?")
MENTION_RE = regex.compile(r"(?<![\p{L}\p{N}_.@])@([\p{L}\p{M}\p{N}_.]*[\p{L}\p{M}\p{N}_])")


def find_hashtags(text: str) -> list[str]:
    """Hashtags in ``text`` in order, without '#'."""
    return [m.group(1) for m in HASHTAG_RE.finditer(text)]


def find_mentions(text: str) -> list[str]:
    """@handles in ``text`` in order, without '@'."""
    return [m.group(1) for m in MENTION_RE.finditer(text)]


def dedupe_tags(tags: Iterable[str]) -> list[str]:
    """First spelling of each tag wins; 'Cats' and 'cats' are one tag."""
    seen, out = set(), []
    for tag in tags:
        key = tag.casefold()
        if tag and key not in seen:
            seen.add(key)
            out.append(tag)
    return out
