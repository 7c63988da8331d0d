"""One hashtag list per post, cut to a platform's limit and placed in the caption in its style."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex

from repost.text.clean import clean_tag
from repost.text.tags import HASHTAG_RE, dedupe_tags, find_hashtags

# RedNote stores a picked topic as "#name[话题]#" (R4 in profiles/SOURCES.md); pasted, that markup
# would show as text, so captions carry the plain "#name" everywhere.
TOPIC_MARKUP_RE = regex.compile(r"(#[\p{L}\p{M}\p{N}_]+)\[话题\]#")


@dataclass(frozen=True)
class HashtagStyle:
    """How a platform takes hashtags (a profile's ``text.hashtag_style`` names one)."""

    name: str
    gather_trailing: bool  # tags on the caption's last lines join the appended block
    note: str | None = None  # said in the bundle's changes when tags are written


# The explicit table of strategies a profile may name (STYLE.md: behaviour named by data).
STYLES = {
    # Tags written mid-sentence stay where they are; trailing tag lines and the hashtags: key
    # become one block at the end, in list order.
    "append": HashtagStyle("append", gather_trailing=True),
    # The caption is kept as written, tag lines included; only tags it lacks are added at the end.
    "inline": HashtagStyle("inline", gather_trailing=False),
    # As append for the caption text (plain #tag, which the app turns into topic suggestions);
    # hashtags.txt lists the topics to pick in the app.
    "rednote_topic": HashtagStyle(
        "rednote_topic",
        gather_trailing=True,
        note="hashtags written as plain #tag text; pick each from the app's topic list (hashtags.txt)",
    ),
}


def plain_topics(text: str) -> str:
    """'#猫咪[话题]#' -> '#猫咪'."""
    return TOPIC_MARKUP_RE.sub(r"\1", text)


def collect_hashtags(listed: Iterable[str], caption: str) -> tuple[list[str], list[str]]:
    """The post's one list: the hashtags: key first, then #tags in the caption, deduplicated
    regardless of case; and a note for each listed tag that had to be rewritten."""
    cleaned, notes = [], []
    for raw in listed:
        tag = clean_tag(raw)
        if tag != raw.strip().lstrip("#"):
            notes.append(
                f"hashtag {raw!r} written as #{tag}" if tag else f"hashtag {raw!r} dropped: no letters"
            )
        if tag:
            cleaned.append(tag)
    return dedupe_tags([*cleaned, *find_hashtags(caption)]), notes


def split_limit(tags: list[str], limit: int | None) -> tuple[list[str], list[str]]:
    """The first ``limit`` tags in list order, and the overflow."""
    if limit is None:
        return list(tags), []
    return tags[:limit], tags[limit:]


def is_tag_line(line: str) -> bool:
    """A line holding nothing but hashtags."""
    return bool(HASHTAG_RE.search(line)) and not HASHTAG_RE.sub("", line).strip()


def split_trailing_tags(text: str) -> tuple[str, list[str]]:
    """The text without its trailing lines of hashtags, and the tags they held."""
    lines = text.split("\n")
    tail: list[str] = []
    while lines and (not lines[-1].strip() or is_tag_line(lines[-1])):
        tail.insert(0, lines.pop())
    return "\n".join(lines).rstrip(), find_hashtags("\n".join(tail))


def keys(tags: Iterable[str]) -> set[str]:
    return {t.casefold() for t in tags}


def drop_tags(text: str, dropped: Iterable[str]) -> str:
    """Tags over the limit leave the caption: removed from lines of tags, and written as plain
    words in sentences ("I love #cats" -> "I love cats"), so the sentence still reads."""
    gone = keys(dropped)
    if not gone:
        return text
    out = []
    for line in text.split("\n"):
        tag_line = is_tag_line(line)

        def rewrite(m, tag_line=tag_line) -> str:
            if m.group(1).casefold() not in gone:
                return m.group(0)
            return "" if tag_line else m.group(1)

        line = HASHTAG_RE.sub(rewrite, line)
        if tag_line:
            line = " ".join(line.split())
            if not line:
                continue
        out.append(line)
    return "\n".join(out)


def tag_block(tags: Iterable[str]) -> str:
    return " ".join("#" + t for t in tags)


# hashtags.txt holds exactly the bundle's tags, one per line. Topics in the platform's language
# that the tags lack (repost translate, or the creator's topics.yaml) go to topics.txt, one per
# line: the creator sees what to pick in the app, and no reader counts them as tags. Bundles made
# before topics.txt listed them in hashtags.txt after this line; readers still stop there.
SUGGESTIONS_MARK = "-- suggested topics (pick those that fit; not in the caption) --"


def hashtags_file(tags) -> str:
    """The text of hashtags.txt (without the final newline): one tag per line."""
    return "\n".join(tags)


def topics_file(suggested) -> str:
    """The text of topics.txt (without the final newline): one suggested topic per line."""
    return "\n".join(t["topic"] for t in suggested)


def read_hashtags_file(text: str) -> list[str]:
    """The bundle's tags in a hashtags.txt (an older bundle's suggestions after the mark left out)."""
    tags_part = text.partition(SUGGESTIONS_MARK)[0]
    return [t.strip().lstrip("#") for t in tags_part.split("\n") if t.strip()]
