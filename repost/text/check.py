"""Text limits of a profile checked against a bundle's texts, counted as the platform counts."""

from __future__ import annotations

from repost.layout import CAPTION, HASHTAGS, TITLE
from repost.platforms.model import Profile, TextField
from repost.platforms.rules import Finding
from repost.text.count import UNITS, count_text
from repost.text.tags import dedupe_tags, find_hashtags, find_mentions


def _length_finding(name: str, field: str, text: str, rule: TextField | None) -> list[Finding]:
    if rule is None:
        return []
    n = count_text(text, rule.count)
    if n <= rule.max_length:
        return []
    unit = UNITS[rule.count]
    return [
        Finding(
            name,
            f"{field}_length",
            rule.max_length,
            n,
            f"{name}: {field} length {n:,} > {rule.max_length:,} {unit} ({rule.count})",
        )
    ]


def check_texts(
    profile: Profile,
    caption: str,
    title: str | None,
    hashtags: list[str],
    kind: str = "video",
    *,
    caption_file=CAPTION,
    title_file=TITLE,
    hashtags_file=HASHTAGS,
) -> list[Finding]:
    """Caption and title lengths, hashtag and mention counts; every finding names its file."""
    rules = profile.text
    out = _length_finding(caption_file, "caption", caption, rules.caption)
    if title is not None:
        if rules.title is None or not rules.title.applies_to(kind):
            out.append(
                Finding(
                    title_file,
                    "title",
                    None,
                    "present",
                    f"{title_file}: {profile.name} has no title field",
                    "warning",
                )
            )
        else:
            out += _length_finding(title_file, "title", title, rules.title)
    tags = dedupe_tags([*hashtags, *find_hashtags(caption)])
    if rules.max_hashtags is not None and len(tags) > rules.max_hashtags:
        where = hashtags_file if hashtags else caption_file
        out.append(
            Finding(
                where,
                "hashtag_count",
                rules.max_hashtags,
                len(tags),
                f"{where}: hashtags {len(tags)} > {rules.max_hashtags}",
            )
        )
    mentions = dedupe_tags(find_mentions(caption))
    if rules.max_mentions is not None and len(mentions) > rules.max_mentions:
        out.append(
            Finding(
                caption_file,
                "mention_count",
                rules.max_mentions,
                len(mentions),
                f"{caption_file}: mentions {len(mentions)} > {rules.max_mentions}",
            )
        )
    return out
