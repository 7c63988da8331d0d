"""Machine translation drafts of a post's title, caption and alt texts, written into its
post.yaml under ``translations:`` and marked as drafts until a person approves them.

Text a person wrote is never replaced; hashtags, @mentions, links and emoji come back byte for
byte (see protect.py); every answer is cached, so a re-run asks the engine for nothing.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repost.errors import TranslateError
from repost.post.model import TRANSLATED_FIELDS, Post, find_post_file, load_post
from repost.text.languages import match_lang
from repost.translate.cache import Cache
from repost.translate.engines import Engine
from repost.translate.postfile import flow_mapping, new_mapping, read_document, write_document
from repost.translate.protect import Line, split_lines
from repost.translate.topics import as_topic, mapped, tag_phrase

FIELDS = TRANSLATED_FIELDS


@dataclass
class Outcome:
    """What ``translate`` did to one post."""

    post: Path
    drafted: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> fields written
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> a person's fields
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "post": str(self.post),
            "drafted": {k: list(v) for k, v in self.drafted.items()},
            "kept": {k: list(v) for k, v in self.kept.items()},
            "notes": self.notes,
        }


def translate_post(
    path: str | Path,
    targets: Sequence[str],
    engine: Engine,
    cache: Cache,
    today: dt.date | None = None,
    topics: dict | None = None,
) -> Outcome:
    """Draft the missing translations of the post at ``path`` into each of ``targets``;
    hashtags become suggested topics, from ``topics`` ({lang: {tag: topic}}) where it names them."""
    post_file = find_post_file(path)
    post = load_post(post_file)
    outcome = Outcome(post_file)
    wanted: list[tuple[str, dict[str, object]]] = []
    for target in targets:
        if post.lang and match_lang(target, [post.lang]):
            outcome.notes.append(f"{target}: the post is written in {post.lang} already")
            continue
        need, kept = _missing_fields(post, target)
        if kept:
            outcome.kept[target] = kept
        if need:
            wanted.append((target, need))
        elif not kept:
            outcome.notes.append(f"{target}: the post has no text to translate")
    if not wanted:
        return outcome
    doc = read_document(post_file)
    for target, need in wanted:
        drafts, by_person = _translate_fields(engine, cache, post.lang, target, need, topics or {})
        _put_drafts(doc, target, drafts, by_person, engine.name, today or dt.date.today())
        outcome.drafted[target] = tuple(drafts)
    write_document(post_file, doc)
    return outcome


def approve_post(path: str | Path, langs: Sequence[str] | None) -> Outcome:
    """Mark the drafts in ``langs`` (every language when None) as reviewed by a person."""
    post_file = find_post_file(path)
    post = load_post(post_file)
    outcome = Outcome(post_file)
    marked = [k for k, tr in post.translations.items() if tr.machine and (langs is None or k in langs)]
    if not marked:
        outcome.notes.append("no machine drafts to approve")
        return outcome
    doc = read_document(post_file)
    for lang in marked:
        del doc["translations"][lang]["machine"]
        outcome.kept[lang] = tuple(f for f in FIELDS if f in doc["translations"][lang])
    write_document(post_file, doc)
    return outcome


def _missing_fields(post: Post, target: str) -> tuple[dict[str, object], tuple[str, ...]]:
    """The fields to draft for ``target`` (source text by field) and those a person wrote."""
    have = post.translations.get(target)
    sources: dict[str, object] = {}
    if post.title:
        sources["title"] = post.title
    if post.caption:
        sources["caption"] = post.caption
    alts = [m.alt or "" for m in post.media]
    if any(alts):
        sources["alt"] = alts
    if post.hashtags:
        sources["hashtags"] = list(post.hashtags)
    need = {k: v for k, v in sources.items() if have is None or not getattr(have, k)}
    human = tuple(
        k for k in FIELDS if have is not None and getattr(have, k) and k not in have.machine_fields()
    )
    return need, human


def _translate_fields(engine, cache, source, target, need: dict[str, object], topics) -> tuple[dict, set]:
    """The drafts by field, and the fields that came wholly from the creator's topics file."""
    texts: list[str] = []
    tags = list(need.get("hashtags") or ())
    own = {t: mapped(topics, target, t) for t in tags}
    for key, value in need.items():
        if key == "hashtags":
            texts += [tag_phrase(t) for t in tags if not own[t]]
        else:
            texts += value if isinstance(value, list) else [value]
    out = iter(translate_texts(engine, cache, source, target, texts))
    drafts: dict[str, object] = {}
    for key, value in need.items():
        if key == "hashtags":
            drafts[key] = [own[t] or as_topic(next(out)) or None for t in tags]
        elif isinstance(value, list):
            drafts[key] = [next(out) or None for _ in value]
        else:
            drafts[key] = next(out)
    by_person = {"hashtags"} if tags and all(own.values()) else set()
    return drafts, by_person


def _put_drafts(doc, target: str, drafts: dict, by_person: set, engine: str, today: dt.date) -> None:
    if doc.get("translations") is None:
        doc["translations"] = new_mapping({})
    entry = doc["translations"].get(target)
    if entry is None:
        entry = doc["translations"][target] = new_mapping({})
    for key, value in drafts.items():
        entry[key] = value
    old = entry.get("machine") or {}
    fields = [f for f in FIELDS if (f in drafts and f not in by_person) or f in (old.get("fields") or ())]
    if fields:
        entry["machine"] = flow_mapping({"engine": engine, "date": today, "fields": fields})


# --- the engine calls -------------------------------------------------------------------------


def translate_texts(
    engine: Engine, cache: Cache, source: str | None, target: str, texts: list[str]
) -> list[str]:
    """``texts`` in ``target``: each line whole with its kept parts as elements where the
    engine keeps markup, else (or where an element came back lost or doubled) piece by piece."""
    lines = [split_lines(t) for t in texts]
    bodies = [x for ls in lines for x in ls if isinstance(x, Line)]
    done: dict[Line, str] = {}
    if engine.markup:
        answers = ask(engine, cache, source, target, [b.marked for b in bodies])
        for b in bodies:
            body = b.unmark(answers[b.marked])
            if body is not None:
                done[b] = body
    rest = [b for b in bodies if b not in done]
    pieces = [p for b in rest for p, tr in b.pieces if tr]
    esc = (lambda s: html.escape(s, quote=False)) if engine.markup else (lambda s: s)
    unesc = html.unescape if engine.markup else (lambda s: s)
    answers = ask(engine, cache, source, target, [esc(p) for p in pieces])
    for b in rest:
        done[b] = "".join(unesc(answers[esc(p)]).strip() if tr else p for p, tr in b.pieces)
    return ["\n".join(x if isinstance(x, str) else x.head + done[x] + x.tail for x in ls) for ls in lines]


def ask(engine: Engine, cache: Cache, source: str | None, target: str, items: list[str]) -> dict[str, str]:
    """Every item translated: from the cache, else from the engine in batches it accepts."""
    unique = list(dict.fromkeys(items))
    found = cache.get(engine.name, source, target, unique)
    missing = [t for t in unique if t not in found]
    for batch in _batches(engine, missing):
        answers = engine.translate(batch, source, target)
        if len(answers) != len(batch):
            raise TranslateError(f"{engine.name}: {len(answers)} answers for {len(batch)} texts")
        fresh = dict(zip(batch, answers, strict=True))
        cache.put(engine.name, source, target, fresh)
        found.update(fresh)
    return found


def _batches(engine: Engine, texts: list[str]):
    batch: list[str] = []
    size = 0
    for text in texts:
        if len(text) > engine.max_chars:
            raise TranslateError(
                f"{engine.name}: a line of {len(text):,} characters is over the engine's "
                f"{engine.max_chars:,} per request",
                hint="break the caption into shorter lines",
            )
        if batch and (len(batch) >= engine.max_texts or size + len(text) > engine.max_chars):
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch
