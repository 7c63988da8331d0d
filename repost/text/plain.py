"""Plain text fitting: whole where it fits, else cut at the last whole grapheme and word."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from repost.text.count import UNITS, count_text

ELLIPSIS = "…"


@dataclass(frozen=True)
class Fitted:
    text: str
    count: int
    original_count: int

    @property
    def cut(self) -> bool:
        return self.original_count > self.count


def fit_text(text: str, limit: int, counter: str) -> Fitted:
    """Keep ``text`` whole when it fits; otherwise cut it at a word boundary (or, with no space
    in reach, between graphemes) and add an ellipsis, never splitting a grapheme cluster."""
    original = count_text(text, counter)
    if original <= limit:
        return Fitted(text, original, original)
    clusters = regex.findall(r"\X", text)
    budget = limit - count_text(ELLIPSIS, counter)
    kept, used = [], 0
    for cluster in clusters:
        n = count_text(cluster, counter)
        if used + n > budget:
            break
        kept.append(cluster)
        used += n
    body = "".join(kept)
    space = max(body.rfind(" "), body.rfind("\n"))
    if space > len(body) * 0.6:
        body = body[:space]
    body = body.rstrip() + ELLIPSIS
    # Counters are not always additive across cluster joins (rednote rounds): re-check.
    while body and count_text(body, counter) > limit:
        body = "".join(regex.findall(r"\X", body)[:-2]) + ELLIPSIS
    return Fitted(body, count_text(body, counter), original)


def describe_cut(field: str, fitted: Fitted, counter: str) -> str:
    return f"{field} cut from {fitted.original_count:,} to {fitted.count:,} {UNITS[counter]}"
