"""A post's texts for one platform: caption, title and hashtags, fitted plainly to its limits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from repost.model import Post
from repost.profiles import Profile
from repost.text.count import UNITS, count_text
from repost.text.plain import fit_text
from repost.text.tags import dedupe_tags, find_hashtags


@dataclass(frozen=True)
class BundleTexts:
    caption: str
    title: str | None
    hashtags: tuple[str, ...]
    counts: dict
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "caption": self.caption,
            "hashtags": list(self.hashtags),
            "counts": self.counts,
        }


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def compose_texts(post: Post, profile: Profile, kind: str) -> BundleTexts:
    """Caption, title and hashtags for ``profile``; ``kind`` is the post's: video or photos."""
    rules = profile.text
    post = _in_language(post)
    changes: list[str] = []
    warnings: list[str] = []
    caption = _clean(post.caption or "")
    in_caption = {t.casefold() for t in find_hashtags(caption)}
    tags = dedupe_tags([*post.hashtags, *find_hashtags(caption)])
    if rules.max_hashtags is not None and len(tags) > rules.max_hashtags:
        dropped = tags[rules.max_hashtags :]
        tags = tags[: rules.max_hashtags]
        changes.append(
            f"hashtags cut from {len(tags) + len(dropped)} to {len(tags)}: dropped "
            + " ".join("#" + t for t in dropped)
        )
        dropped_keys = {t.casefold() for t in dropped}
        if dropped_keys & in_caption:
            warnings.append(
                "caption.txt still carries hashtags over the limit inline; full fitting "
                "of inline tags comes with the caption fitter"
            )
    extra = [t for t in tags if t.casefold() not in in_caption]
    suffix = ""
    # Every style carries the tags as plain #tag text in the caption; RedNote's topics are also
    # listed in hashtags.txt, to be picked from the app's suggestions (platform-specs.md §3).
    if extra:
        suffix = "\n\n" + " ".join("#" + t for t in extra)
    counts: dict = {}
    if rules.caption is not None:
        limit = rules.caption.max_length - count_text(suffix, rules.caption.count)
        fitted = fit_text(caption, max(limit, 0), rules.caption.count)
        if fitted.cut:
            changes.append(
                f"caption cut from {fitted.original_count:,} to {fitted.count:,} {UNITS[rules.caption.count]}"
            )
        caption = fitted.text
    caption = (caption + suffix).strip("\n")
    title_rule = profile.text.title if profile.text.title and profile.text.title.applies_to(kind) else None
    title = _compose_title(post, profile, title_rule, changes, warnings)
    for field, value, rule in (("caption", caption, rules.caption), ("title", title, title_rule)):
        if rule is not None and value is not None:
            counts[field] = {
                "count": count_text(value, rule.count),
                "limit": rule.max_length,
                "unit": rule.count,
            }
    counts["hashtags"] = {"count": len(tags), "limit": rules.max_hashtags}
    return BundleTexts(caption, title, tuple(tags), counts, tuple(changes), tuple(warnings))


def _in_language(post: Post) -> Post:
    """The post's title and caption in ``post.lang`` where a translation into it exists."""
    tr = post.translations.get(post.lang) if post.lang else None
    if tr is None:
        return post
    return dataclasses.replace(post, title=tr.title or post.title, caption=tr.caption or post.caption)


def _compose_title(post: Post, profile: Profile, rule, changes, warnings) -> str | None:
    title = _clean(post.title or "") or None
    if rule is None:
        if title:
            warnings.append(f"title not used: {profile.name} has no title field")
        return None
    if title is None:
        return None
    fitted = fit_text(title, rule.max_length, rule.count)
    if fitted.cut:
        changes.append(f"title cut from {fitted.original_count:,} to {fitted.count:,} {UNITS[rule.count]}")
    return fitted.text
