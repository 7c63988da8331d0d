"""Which language a platform gets: the command line, then the post, then the profile's preference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from repost.platforms.model import ID_RE, LANG_CODE_RE, Profile
from repost.post.model import Post

EVERY_PLATFORM = "*"


@dataclass(frozen=True)
class LangText:
    """A title and caption in one language (``lang`` None when the post does not say);
    ``machine`` says which of them (and the alt texts) are an unreviewed machine draft."""

    lang: str | None
    title: str | None
    caption: str
    machine: Mapping | None = None


@dataclass(frozen=True)
class Choice:
    primary: LangText
    secondary: LangText | None
    warnings: tuple[str, ...] = ()


def parse_lang_option(value: str | None) -> dict[str, str]:
    """'--lang zh' (every platform) or '--lang rednote=zh,tiktok=en' -> {platform or '*': lang}."""
    out: dict[str, str] = {}
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        platform, _, lang = item.rpartition("=")
        if not LANG_CODE_RE.match(lang) or (platform and not ID_RE.match(platform)):
            raise ValueError(f"{item!r} is not LANG or PLATFORM=LANG (e.g. zh, or rednote=zh)")
        out[platform.strip() or EVERY_PLATFORM] = lang
    return out


def match_lang(wanted: str, available) -> str | None:
    """The available language for ``wanted``: the same code, else the same primary subtag
    ('zh' finds 'zh-Hans', 'zh-CN' finds 'zh')."""
    avail = [a for a in available if a]
    for a in avail:
        if a.casefold() == wanted.casefold():
            return a
    head = wanted.split("-")[0].casefold()
    return next((a for a in avail if a.split("-")[0].casefold() == head), None)


def _texts(post: Post, platform_id: str) -> dict[str | None, LangText]:
    """Every language the post has text in for this platform, its own first."""
    over = post.platforms.get(platform_id, {})
    here = post.for_platform(platform_id)
    # An override that sets lang with its own text is in that language; lang alone asks for it.
    own = over["lang"] if "lang" in over and ("caption" in over or "title" in over) else post.lang
    texts = {own: LangText(own, here.title, here.caption or "")}
    for lang, tr in here.translations.items():
        if lang not in texts and (tr.title or tr.caption):
            # A field the translation lacks comes from the post's own text; title: "" set for
            # this platform (no title here) holds in every language.
            title = here.title if "title" in over or not tr.title else tr.title
            used = [
                f for f, on in (("title", title is tr.title), ("caption", tr.caption), ("alt", tr.alt)) if on
            ]
            texts[lang] = LangText(lang, title, tr.caption or here.caption or "", _machine(lang, tr, used))
    return texts


def _machine(lang: str, tr, used: list[str]) -> dict | None:
    """The draft mark of the fields this text takes from a machine translation, if any."""
    fields = [f for f in used if f in tr.machine_fields()]
    if not fields:
        return None
    return {
        "lang": lang,
        "engine": tr.machine.get("engine"),
        "date": str(tr.machine.get("date") or ""),
        "fields": fields,
    }


def choose_texts(post: Post, profile: Profile, cli: Mapping[str, str], bilingual: bool) -> Choice:
    """The primary text (and with ``bilingual`` a second language) for ``profile``."""
    texts = _texts(post, profile.id)
    over = post.platforms.get(profile.id, {})
    asked = cli.get(profile.id) or cli.get(EVERY_PLATFORM)
    if asked is None and "lang" in over and "caption" not in over and "title" not in over:
        asked = over["lang"]
    preferred = list(profile.text.languages or ())
    warnings: list[str] = []
    primary = match_lang(asked, texts) if asked else None
    for want in preferred:
        primary = primary or match_lang(want, texts)
    first = texts[primary] if primary in texts else next(iter(texts.values()))
    if asked and match_lang(asked, texts) is None:
        have = ", ".join(str(k) for k in texts if k) or "none named"
        warnings.append(
            f"no {asked} text for {profile.name} (the post has: {have}); used {first.lang or 'its own'}"
        )
    second = None
    if bilingual:
        order = [*preferred, *(k for k in texts if k)]
        found = (match_lang(w, [k for k in texts if k != first.lang]) for w in order)
        other = next((k for k in found if k), None)
        second = texts[other] if other else None
        if second is None or second.caption == first.caption:
            second = None
            warnings.append(f"--bilingual: the post has one language only for {profile.name}")
    return Choice(first, second, tuple(warnings))
