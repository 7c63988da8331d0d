"""Fit text to a limit as a person would cut it: at a sentence end, else a word, never mid-emoji.

The text is split into atoms that are never divided: grapheme clusters (ZWJ emoji, flags, skin
tones, combining marks) and whole hashtags, mentions and URLs. The longest prefix of atoms that
fits with an ellipsis is the reach; within it the cut goes to the last sentence end, else a
punctuation mark, else a word boundary (or, in CJK text, between characters), each only if it
keeps enough of the reach, else between the last atoms that fit.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from repost.text.count import UNITS, count_text
from repost.text.tags import HASHTAG_RE, MENTION_RE

ELLIPSIS = "…"
URL_RE = regex.compile(r"(?:https?://|www\.)[^\s<>\"“”「」]+", regex.I)
# Trailing punctuation is usually the sentence's, not the URL's ("see example.com/a.").
URL_TRAILING = ".,;:!?)]}'’。，！？"
SENTENCE_ENDS = set(".!?…。！？｡‼⁇⁈⁉")
CJK_STOPS = set("。！？｡")
CLAUSE_MARKS = set(",;:，、；：")
CLOSERS = set("\"')]}”’」』】》）")
_CJK_RE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\u3000-\u303f\uff00-\uffef]")
# How much of the reach a cut must keep to be taken, by kind (a sentence end may give up the
# most: a whole clause is better gone than cut in half).
KEEP_AT_LEAST = (("sentence", 0.6), ("punctuation", 0.55), ("word", 0.5))
HOW = {
    "sentence": "at a sentence end",
    "punctuation": "at a punctuation mark",
    "word": "at a word boundary",
    "cjk": "between CJK characters",
    "character": "between characters",
    "nothing": "to nothing",
}


@dataclass(frozen=True)
class Fitted:
    """A fitted text: ``text`` is the first ``kept`` code points of the source plus any ellipsis."""

    text: str
    count: int
    original_count: int
    how: str = "whole"
    kept: int = 0

    @property
    def cut(self) -> bool:
        return self.how != "whole"


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans never to be cut inside: URLs, hashtags (RedNote's #x[话题]# too) and mentions."""
    spans = [(m.start(), m.start() + len(m.group().rstrip(URL_TRAILING))) for m in URL_RE.finditer(text)]
    for rx in (HASHTAG_RE, MENTION_RE):
        spans += [(m.start(), m.end()) for m in rx.finditer(text)]
    return sorted(spans)


@functools.lru_cache(maxsize=2)
def split_atoms(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each indivisible piece of ``text``, in order. Kept for the last two texts:
    a caption is fitted again when the cut moves a tag into the appended block, and splitting a
    long caption is most of fitting it."""
    bounds = [m.start() for m in regex.finditer(r"\X", text)] + [len(text)]
    blocked: set[int] = set()
    for start, end in protected_spans(text):
        blocked.update(range(start + 1, end))
    cuts = [b for b in bounds if b not in blocked]
    # A span can end inside a cluster (a tag followed by a stray mark): only cluster bounds remain.
    return tuple(itertools.pairwise(cuts))


def _last_char(text: str, end: int) -> str:
    """The last character before ``end`` that is not a closing quote or bracket."""
    while end > 0 and text[end - 1] in CLOSERS:
        end -= 1
    return text[end - 1] if end > 0 else ""


def boundary_kind(text: str, atoms: Sequence[tuple[int, int]], i: int) -> str | None:
    """How good a place the boundary before atom ``i`` is to cut; None where cutting there is
    the same as cutting before the whitespace it follows."""
    prev = text[atoms[i - 1][0] : atoms[i - 1][1]]
    nxt = text[atoms[i][0] : atoms[i][1]] if i < len(atoms) else ""
    if prev.isspace():
        return None
    last = _last_char(text, atoms[i][0] if i < len(atoms) else len(text))
    if nxt.isspace() or not nxt:
        if nxt == "\n" or last in SENTENCE_ENDS:
            return "sentence"
        return "punctuation" if last in CLAUSE_MARKS else "word"
    if last in CJK_STOPS:
        return "sentence"
    if nxt in "。！？｡，、；：":
        return "punctuation"  # just before a CJK mark: the clause is whole, its mark dropped
    if last in "，、；：":
        return "punctuation"
    if _CJK_RE.match(prev) or _CJK_RE.match(nxt):
        return "cjk"
    return "character"


def _reach(text: str, atoms, limit: int, counter: str) -> int:
    """The most atoms whose text, with an ellipsis, fits (counts only grow as atoms are added)."""
    lo, hi = 0, len(atoms)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_text(text[: atoms[mid - 1][1]] + ELLIPSIS, counter) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _choose(text: str, atoms, reach: int) -> tuple[int, str]:
    """The boundary to cut at (an atom index) and its kind."""
    kinds: dict[int, str | None] = {}

    def kind(i: int) -> str | None:
        if i not in kinds:
            kinds[i] = boundary_kind(text, atoms, i)
        return kinds[i]

    far = atoms[reach - 1][1]
    for wanted, share in KEEP_AT_LEAST:
        accept = ("word", "cjk") if wanted == "word" else (wanted,)
        for i in range(reach, 0, -1):
            if atoms[i - 1][1] < far * share:
                break
            if kind(i) in accept:
                return i, kinds[i]
    i = reach
    while i > 1 and kind(i) is None:
        i -= 1
    return i, "character"


def _finish(body: str, how: str, limit: int, counter: str) -> tuple[str, int]:
    """The cut text with its ellipsis, and how many code points of the source it keeps."""
    if how == "sentence":
        if body.endswith(ELLIPSIS):
            return body, len(body)
        # "Sentence two. …" reads as "more follows"; "two.…" does not (CJK needs no space).
        spaced = body + ("" if _CJK_RE.match(body[-1]) else " ") + ELLIPSIS
        if count_text(spaced, counter) <= limit:
            return spaced, len(body)
    if how == "punctuation":
        body = body.rstrip("".join(CLAUSE_MARKS)).rstrip() or body
    return body + ELLIPSIS, len(body)


def fit_text(text: str, limit: int, counter: str) -> Fitted:
    """Keep ``text`` whole when it fits; otherwise cut it where a person would, with an ellipsis."""
    original = count_text(text, counter)
    if original <= limit:
        return Fitted(text, original, original, "whole", len(text))
    atoms = split_atoms(text)
    reach = _reach(text, atoms, limit, counter)
    body = text[: atoms[reach - 1][1]].rstrip() if reach else ""
    if not body:
        out = ELLIPSIS if count_text(ELLIPSIS, counter) <= limit else ""
        return Fitted(out, count_text(out, counter), original, "nothing", 0)
    i, how = _choose(text, atoms, reach)
    out, kept = _finish(text[: atoms[i - 1][1]].rstrip(), how, limit, counter)
    return Fitted(out, count_text(out, counter), original, how, kept)


def describe_cut(field: str, fitted: Fitted, counter: str) -> str:
    """'caption cut at a sentence end, 2,412 to 2,180 characters'."""
    return f"{field} cut {HOW[fitted.how]}, {fitted.original_count:,} to {fitted.count:,} {UNITS[counter]}"
