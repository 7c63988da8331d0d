"""Text split into what an engine may translate and what must come back byte for byte.

Hashtags (RedNote's ``#topic[话题]#`` too), @mentions, links, e-mail addresses and emoji are
never sent as words. Inside a line they travel as empty XML elements (``<x i="0"/>``) that the
engines keep in place (DeepL's tag handling, LibreTranslate's and Argos' HTML mode), so the
sentence around a mention is translated whole; the answer is accepted only when every element
comes back exactly once, else that line is translated piece by piece between the kept parts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import regex

from repost.text.tags import HASHTAG_RE, MENTION_RE

_URL = r"(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_EMOJI = r"(?:(?=[\p{Extended_Pictographic}\p{Regional_Indicator}])\X)+"
KEPT_RE = regex.compile("|".join([_URL, _EMAIL, HASHTAG_RE.pattern, MENTION_RE.pattern, _EMOJI]))
_LETTER = regex.compile(r"\p{L}")
_ELEMENT = regex.compile(r'<x i="(\d+)"\s*/>|<x i="(\d+)">\s*</x>')


@dataclass(frozen=True)
class Line:
    """One line of a text: ``head`` and ``tail`` kept as they are, ``body`` to translate with
    its kept parts (``kept``) standing as elements; ``pieces`` the fallback split of ``body``."""

    head: str
    body: str
    tail: str
    kept: tuple[str, ...]
    pieces: tuple[tuple[str, bool], ...]

    @property
    def marked(self) -> str:
        """The body as markup: text escaped, kept parts as ``<x i="k"/>`` in order."""
        out, last = [], 0
        for k, m in enumerate(KEPT_RE.finditer(self.body)):
            out += [html.escape(self.body[last : m.start()], quote=False), f'<x i="{k}"/>']
            last = m.end()
        out.append(html.escape(self.body[last:], quote=False))
        return "".join(out)

    def unmark(self, answer: str) -> str | None:
        """The translated body with its kept parts back, or None when an element was lost,
        doubled or invented (the engine's answer cannot be trusted to keep them)."""
        seen: list[int] = []

        def back(m: regex.Match) -> str:
            i = int(m.group(1) or m.group(2))
            seen.append(i)
            return self.kept[i] if i < len(self.kept) else ""

        text = _ELEMENT.sub(back, answer)
        if sorted(seen) != list(range(len(self.kept))) or "<x" in text:
            return None
        return html.unescape(text)


def split_lines(text: str) -> list[Line | str]:
    """``text`` line by line: a ``Line`` where there are words to translate, else the line as
    it is. Joined with ``\\n`` (each Line as head + body + tail) they give ``text`` back."""
    return [_line(raw) for raw in text.split("\n")]


def _line(raw: str) -> Line | str:
    spans = [(m.start(), m.end()) for m in KEPT_RE.finditer(raw)]
    free = _free_runs(raw, spans)
    worded = [(a, b) for a, b in free if _LETTER.search(raw[a:b])]
    if not worded:
        return raw
    start = worded[0][0] + _lead(raw[worded[0][0] : worded[0][1]])
    end = worded[-1][1] - _trail(raw[worded[-1][0] : worded[-1][1]])
    body = raw[start:end]
    kept = tuple(m.group(0) for m in KEPT_RE.finditer(body))
    return Line(raw[:start], body, raw[end:], kept, _pieces(body))


def _free_runs(raw: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    runs, pos = [], 0
    for a, b in spans:
        if a > pos:
            runs.append((pos, a))
        pos = b
    if pos < len(raw):
        runs.append((pos, len(raw)))
    return runs


def _lead(s: str) -> int:
    return len(s) - len(s.lstrip())


def _trail(s: str) -> int:
    return len(s) - len(s.rstrip())


def _pieces(body: str) -> tuple[tuple[str, bool], ...]:
    """``body`` cut at its kept parts: (text, translate?) with white space left outside."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in KEPT_RE.finditer(body):
        _add_run(out, body[pos : m.start()])
        out.append((m.group(0), False))
        pos = m.end()
    _add_run(out, body[pos:])
    return tuple(out)


def _add_run(out: list[tuple[str, bool]], run: str) -> None:
    if not run:
        return
    if not _LETTER.search(run):
        out.append((run, False))
        return
    a, b = _lead(run), len(run) - _trail(run)
    if a:
        out.append((run[:a], False))
    out.append((run[a:b], True))
    if b < len(run):
        out.append((run[b:], False))
