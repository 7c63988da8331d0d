"""A post's texts for one platform: language chosen, cleaned, mentions mapped, hashtags placed in the
platform's style, title made, caption fitted, all counted the way the platform counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from repost.platforms.model import Profile, TextField
from repost.post.model import Post
from repost.text.clean import clean_text
from repost.text.count import count_text
from repost.text.fit import Fitted, describe_cut, fit_text
from repost.text.hashtags import (
    STYLES,
    collect_hashtags,
    drop_tags,
    keys,
    plain_topics,
    split_limit,
    split_trailing_tags,
    tag_block,
)
from repost.text.languages import LangText, choose_texts, match_lang
from repost.text.mentions import limit_mentions, map_mentions
from repost.text.tagchoice import in_language_first, language_tags, other_platforms_tags, text_script
from repost.text.tags import dedupe_tags, find_hashtags, find_mentions
from repost.text.titles import compose_title, with_title_line

BLOCK_SEP = "\n\n"
# Appended hashtags may take at most this share of the caption limit, so a long tag list never
# squeezes the words out (the rest is overflow).
MAX_BLOCK_SHARE = 0.5


@dataclass(frozen=True)
class BundleTexts:
    caption: str
    title: str | None
    hashtags: tuple[str, ...]
    counts: dict
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    comment: str | None = None  # hashtags over the limit, for a first comment (--overflow comment)
    lang: str | None = None
    machine: tuple = ()  # the unreviewed machine drafts this text uses: ({lang, engine, date, fields},)
    suggested: tuple = ()  # topics in the platform's language for the tags: ({topic, for, lang, machine},)

    def to_dict(self) -> dict:
        out = {
            "title": self.title,
            "caption": self.caption,
            "hashtags": list(self.hashtags),
            "counts": self.counts,
        }
        if self.comment is not None:
            out["comment"] = self.comment
        if self.lang is not None:
            out["lang"] = self.lang
        if self.machine:
            out["machine_translation"] = [dict(m) for m in self.machine]
        if self.suggested:
            out["suggested_topics"] = [dict(t) for t in self.suggested]
        return out


@dataclass(frozen=True)
class TextOptions:
    """The text choices of a run: ``overflow`` drop|comment, ``bilingual``, and ``lang``
    ({platform id or '*': language}, from --lang)."""

    overflow: str = "drop"
    bilingual: bool = False
    lang: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Notes:
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def compose_texts(post: Post, profile: Profile, kind: str, opts: TextOptions | None = None) -> BundleTexts:
    """Caption, title and hashtags for ``profile``; ``kind`` is the post's (video or photos).
    ``post`` is the post as written: its per-platform overrides are applied here."""
    opts = opts or TextOptions()
    choice = choose_texts(post, profile, opts.lang, opts.bilingual)
    parts = [choice.primary] + ([choice.secondary] if choice.secondary else [])
    texts, cut = _compose(post, profile, kind, parts, opts)
    if choice.secondary is not None and cut:
        texts, _ = _compose(post, profile, kind, parts[:1], opts)
        extra = (
            f"--bilingual: {_name(choice.primary)} and {_name(choice.secondary)} together do not fit "
            f"{profile.name}'s caption limit; the caption is in {_name(choice.primary)} only"
        )
        texts = _with(texts, warnings=(*texts.warnings, extra))
    elif choice.secondary is not None:
        texts = _with(texts, changes=(*texts.changes, _bilingual_note(parts)))
    machine = tuple(p.machine for p in parts if p.machine)
    drafts = [_draft_warning(m) for m in machine]
    suggested = suggest_topics(post, profile, texts.hashtags)
    if suggested:
        drafts.append(_suggestion_note(suggested))
    return _with(
        texts, warnings=(*choice.warnings, *texts.warnings, *drafts), machine=machine, suggested=suggested
    )


def suggest_topics(post: Post, profile: Profile, tags) -> tuple:
    """Topics in the platform's first language for the bundle's tags, where the post is in
    another language and its translation into that one gives them."""
    first = (profile.text.languages or (None,))[0]
    if first is None or (post.lang and match_lang(first, [post.lang])):
        return ()
    lang = match_lang(first, list(post.translations))
    tr = post.translations.get(lang) if lang else None
    if tr is None or not tr.hashtags:
        return ()
    by_tag = {t.casefold(): topic for t, topic in zip(post.hashtags, tr.hashtags, strict=False) if topic}
    machine = "hashtags" in tr.machine_fields()
    out: list[dict] = []
    taken = {t.casefold() for t in tags}  # a topic the bundle already has as a tag is no news
    for tag in tags:
        topic = by_tag.get(tag.casefold())
        if topic and topic.casefold() not in taken and all(o["topic"] != topic for o in out):
            out.append({"topic": topic, "for": tag, "lang": lang, "machine": machine})
    return tuple(out)


def _suggestion_note(suggested: tuple) -> str:
    lang = suggested[0]["lang"]
    how = "machine-translated, not reviewed" if any(t["machine"] for t in suggested) else "from your topics"
    n = len(suggested)
    return f"topics.txt suggests {n} {lang} topic(s) for the tags ({how}): add those that fit in the app"


def _draft_warning(m: Mapping) -> str:
    return (
        f"the {m['lang']} {', '.join(m['fields'])} are machine-translated ({m['engine']}, {m['date']}), "
        f"not reviewed: read them before posting, then mark them reviewed (repost translate --approve)"
    )


def _bilingual_note(parts: list[LangText]) -> str:
    return f"caption in {_name(parts[0])} then {_name(parts[1])} (--bilingual)"


def _name(part: LangText) -> str:
    """A text's language code; 'und' (BCP 47: undetermined) where the post names none."""
    return part.lang or "und"


def _with(texts: BundleTexts, **changes) -> BundleTexts:
    return dataclasses.replace(texts, **changes)


def _title_rule(profile: Profile, kind: str) -> TextField | None:
    rule = profile.text.title
    return rule if rule is not None and rule.applies_to(kind) else None


def _map(text: str, here: Post, profile: Profile, notes: _Notes) -> str:
    """Mentions rewritten to who they are on this platform (warnings said once)."""
    text, warnings = map_mentions(text, here.mentions, profile.id, profile.name)
    notes.warnings += [w for w in warnings if w not in notes.warnings]
    return text


def _compose(post: Post, profile: Profile, kind: str, parts: list[LangText], opts: TextOptions):
    notes = _Notes()
    here = post.for_platform(profile.id)
    captions = [plain_topics(clean_text(p.caption)) for p in parts]
    title_rule = _title_rule(profile, kind)
    title = None
    if title_rule is not None:
        title = compose_title(
            parts[0].title, captions[0], title_rule, notes.changes, notes.warnings, profile.name
        )
    else:
        captions[0] = with_title_line(parts[0].title, captions[0], notes.changes)
    captions = [_map(c, here, profile, notes) for c in captions]
    captions = _without_repeated_lines(captions)
    listed = [*language_tags(post, parts[0].lang), *here.hashtags]
    tags, tag_notes = collect_hashtags(listed, BLOCK_SEP.join(captions))
    notes.changes += tag_notes
    foreign = other_platforms_tags(tags, profile.id)
    if foreign:
        tags = [t for t in tags if t not in foreign]
        named = " ".join("#" + t for t in foreign)
        notes.changes.append(f"left out tags that mean something on another platform only: {named}")
    tags = in_language_first(tags, parts[0].lang or text_script(captions[0]))
    style = STYLES[profile.text.hashtag_style]
    if style.gather_trailing:
        captions = [split_trailing_tags(c)[0] for c in captions]
    body = BLOCK_SEP.join(c for c in captions if c)
    kept, overflow = split_limit(tags, profile.text.max_hashtags)
    kept, overflow = _fit_block(kept, overflow, profile.text.caption)
    body = drop_tags(body, [*overflow, *foreign])
    body, demoted = limit_mentions(body, profile.text.max_mentions)
    body = _settle(body, kept, profile.text.max_mentions)
    if demoted:
        notes.changes.append(
            f"mentions over {profile.name}'s {profile.text.max_mentions} written without '@': "
            + " ".join(demoted)
        )
    caption, fitted = _fit_caption(body, kept, profile.text.caption, notes)
    comment = _overflow(overflow, tags, profile, opts, notes)
    if kept and style.note:
        notes.changes.append(style.note)
    counts = _counts(caption, title, kept, profile, title_rule)
    lang = parts[0].lang if len(parts) == 1 else "+".join(map(_name, parts))
    texts = BundleTexts(
        caption, title, tuple(kept), counts, tuple(notes.changes), tuple(notes.warnings), comment, lang
    )
    return texts, bool(fitted and fitted.cut)


def _without_repeated_lines(captions: list[str]) -> list[str]:
    """A second language's caption without the lines the first already holds (--bilingual
    would otherwise print a line twice)."""
    if len(captions) < 2:
        return captions
    seen = {line.strip() for line in captions[0].split("\n") if line.strip()}
    rest = [
        "\n".join(line for line in c.split("\n") if line.strip() not in seen).strip() for c in captions[1:]
    ]
    return [captions[0], *rest]


def _settle(body: str, kept: list[str], mention_limit: int | None) -> str:
    """Demoting one sigil can make another: '#@56' loses its mention and becomes the tag '#56',
    '@#tag' the other way round. Repeat until only kept tags and allowed mentions are left
    (each pass removes a '#' or '@', so it ends)."""
    wanted = keys(kept)
    while True:
        extra = [t for t in find_hashtags(body) if t.casefold() not in wanted]
        settled, _ = limit_mentions(drop_tags(body, extra), mention_limit)
        if settled == body:
            return body
        body = settled


def _fit_block(kept: list[str], overflow: list[str], rule: TextField | None):
    """Keep the appended tags within a share of the caption limit; the rest overflow too."""
    if rule is None:
        return kept, overflow
    room = int(rule.max_length * MAX_BLOCK_SHARE)
    # The most tags, in order, whose block fits: a search, since counting the block again for
    # each tag dropped from its end was quadratic (thousands of tags in a long description).
    lo, hi = 0, len(kept)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_text(BLOCK_SEP + tag_block(kept[:mid]), rule.count) <= room:
            lo = mid
        else:
            hi = mid - 1
    return list(kept[:lo]), [*kept[lo:], *overflow]


def _fit_caption(body: str, kept: list[str], rule: TextField | None, notes: _Notes):
    """The body fitted to what the appended tags leave; a tag the cut took from the body joins
    the appended block (so every kept tag stays in the caption), and the body is fitted again."""
    if rule is None:
        block = [t for t in kept if t.casefold() not in keys(find_hashtags(body))]
        return _join(body, block), None
    in_body = keys(find_hashtags(body))
    block = [t for t in kept if t.casefold() not in in_body]
    while True:
        room = rule.max_length - (count_text(BLOCK_SEP + tag_block(block), rule.count) if block else 0)
        fitted = fit_text(body, max(room, 0), rule.count)
        still = keys(find_hashtags(fitted.text))
        wanted = [t for t in kept if t.casefold() not in still]
        if wanted == block:
            break
        block = wanted
    if fitted.cut:
        total = count_text(_join(body, block), rule.count)
        final = _join(fitted.text, block)
        notes.changes.append(
            describe_cut(
                "caption", Fitted(final, count_text(final, rule.count), total, fitted.how), rule.count
            )
        )
    return _join(fitted.text, block), fitted


def _join(body: str, block: list[str]) -> str:
    if not block:
        return body
    return f"{body}{BLOCK_SEP}{tag_block(block)}" if body else tag_block(block)


def _overflow(overflow: list[str], tags: list[str], profile: Profile, opts: TextOptions, notes: _Notes):
    if not overflow:
        return None
    listed = " ".join("#" + t for t in overflow)
    kept = len(tags) - len(overflow)
    if opts.overflow == "comment":
        notes.changes.append(
            f"hashtags: kept {kept} of {len(tags)} for {profile.name}; the other {len(overflow)} "
            f"written to comment.txt for a first comment: {listed}"
        )
        return tag_block(overflow)
    notes.changes.append(
        f"hashtags: kept {kept} of {len(tags)} for {profile.name}; dropped {listed} "
        "(--overflow comment keeps them for a first comment)"
    )
    return None


def _counts(caption, title, kept, profile: Profile, title_rule) -> dict:
    """Each text counted as the platform counts it, beside its limit."""
    counts: dict = {}
    for name, value, rule in (("caption", caption, profile.text.caption), ("title", title, title_rule)):
        if rule is not None and value is not None:
            counts[name] = {
                "count": count_text(value, rule.count),
                "limit": rule.max_length,
                "unit": rule.count,
            }
    counts["hashtags"] = {"count": len(kept), "limit": profile.text.max_hashtags}
    mentions = dedupe_tags(find_mentions(caption))
    counts["mentions"] = {"count": len(mentions), "limit": profile.text.max_mentions}
    return counts
