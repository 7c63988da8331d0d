"""Titles: the post's title, or one made from the caption's first sentence, fitted by its own count;
on a platform with no title field, the title becomes the caption's first line."""

from __future__ import annotations

import regex

from repost.platforms.model import TextField
from repost.text.clean import clean_line
from repost.text.fit import URL_RE, describe_cut, fit_text
from repost.text.hashtags import is_tag_line
from repost.text.tags import HASHTAG_RE

# A sentence ends at . ! ? … followed by a space or the end, or at a CJK full stop anywhere.
_SENTENCE_RE = regex.compile(r"^(.+?(?:[.!?…](?=\s|$)|[。！？｡]))")


def first_sentence(caption: str) -> str:
    """The caption's first sentence as a title: hashtags made plain words (or dropped when they
    trail), URLs left out, a closing full stop dropped ('!' and '?' kept)."""
    lines = [ln for ln in caption.split("\n") if ln.strip() and not is_tag_line(ln)]
    if not lines:
        return ""
    m = _SENTENCE_RE.match(lines[0].strip())
    sentence = m.group(1) if m else lines[0]
    sentence = URL_RE.sub("", sentence)
    # Trailing tags are labels, not words of the sentence; inline ones read as words.
    sentence = regex.sub(r"(?:\s*#[\p{L}\p{M}\p{N}_]+)+\s*$", "", sentence)
    sentence = HASHTAG_RE.sub(lambda t: t.group(1), sentence)
    return clean_line(sentence).rstrip(".。｡").rstrip()


def compose_title(
    title: str | None, caption: str, rule: TextField, changes: list[str], warnings: list[str], platform: str
) -> str | None:
    """The title for a platform with a title field: ``title``, else the caption's first sentence,
    fitted by the title's own count."""
    text = clean_line(title or "")
    if title == "":
        return None  # the post asked for no title here
    if not text:
        text = first_sentence(caption)
        if not text:
            warnings.append(f"no title: {platform} has a title field; add title: to post.yaml")
            return None
        changes.append("title made from the caption's first sentence")
    fitted = fit_text(text, rule.max_length, rule.count)
    if fitted.cut:
        changes.append(describe_cut("title", fitted, rule.count))
    return fitted.text or None


def with_title_line(title: str | None, caption: str, changes: list[str]) -> str:
    """A platform without a title field gets the title as the caption's first line, unless the
    caption already opens with it, or the post set ``title: ""`` for that platform."""
    text = clean_line(title or "")
    if not text or caption.casefold().startswith(text.casefold()):
        return caption
    changes.append("title written as the caption's first line (this platform has no title field)")
    return f"{text}\n{caption}" if caption else text
