"""@mentions: each handle mapped to who it is on this platform, and counted against its limit."""

from __future__ import annotations

from collections.abc import Mapping

from repost.text.tags import MENTION_RE, dedupe_tags, find_mentions


def map_mentions(
    text: str, mentions: Mapping[str, Mapping[str, str]], platform_id: str, platform: str
) -> tuple[str, list[str]]:
    """Rewrite each @handle to its handle on ``platform_id`` from post.yaml's ``mentions:``.

    A handle listed with no mapping (the plain-list form) is the same person everywhere. A handle
    mapped for other platforms but not this one, or not listed at all, may be someone else here:
    it is left as written, with a warning.
    """
    lookup = {h.casefold(): m for h, m in mentions.items()}
    unmapped: list[str] = []

    def rewrite(m) -> str:
        handle = m.group(1)
        entry = lookup.get(handle.casefold())
        if entry is not None and not entry:
            return m.group(0)
        there = (entry or {}).get(platform_id)
        if there is None:
            unmapped.append(handle)
            return m.group(0)
        return "@" + there.lstrip("@")

    text = MENTION_RE.sub(rewrite, text)
    warnings = [
        f"@{h} has no {platform} handle in post.yaml's mentions: (left as written; it may be "
        f"someone else on {platform})"
        for h in dedupe_tags(unmapped)
    ]
    return text, warnings


def limit_mentions(text: str, limit: int | None) -> tuple[str, list[str]]:
    """Mentions past the first ``limit`` distinct handles lose their '@' (the name still reads)."""
    handles = dedupe_tags(find_mentions(text))
    if limit is None or len(handles) <= limit:
        return text, []
    over = handles[limit:]
    gone = {h.casefold() for h in over}
    text = MENTION_RE.sub(lambda m: m.group(1) if m.group(1).casefold() in gone else m.group(0), text)
    return text, over
