"""The creator's own topic names for recurring hashtags, per language (topics.yaml), and the
phrase an engine gets for a tag ("GoldenHour", "golden_hour" -> "golden hour")."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import regex

from repost.configdir import config_dir
from repost.errors import InputError
from repost.post import schema as s
from repost.text.clean import clean_tag

TOPICS_FILE = "topics.yaml"
_CAMEL = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})")
_SPEC = s.map_of(s.text(nonempty=True), s.map_of(s.text(nonempty=True), s.text(nonempty=True)))


def default_topics_file() -> Path:
    """topics.yaml in repost's config folder (beside profiles/)."""
    return config_dir() / TOPICS_FILE


def load_topics(path: Path | None) -> dict[str, dict[str, str]]:
    """{lang: {tag (casefolded, no '#'): topic}}; a missing default file is an empty mapping.

    The file reads ``zh: {sunset: 日落, goldenhour: 黄金时刻}``.
    """
    if path is None:
        path = default_topics_file()
        if not path.is_file():
            return {}
    data = s.load_yaml(path)
    problems = s.Problems()
    checked = _SPEC(data if data is not None else {}, "", problems)
    if problems:
        raise InputError("; ".join(problems.items), path, hint="topics.yaml reads: zh: {sunset: 日落}")
    return {
        lang: {clean_tag(tag).casefold(): clean_tag(topic) for tag, topic in tags.items()}
        for lang, tags in (checked or {}).items()
    }


def tag_phrase(tag: str) -> str:
    """The words of a hashtag, for an engine: camel case and underscores become spaces."""
    return _CAMEL.sub(" ", tag.lstrip("#")).replace("_", " ").strip()


def as_topic(answer: str) -> str:
    """An engine's answer as a topic: the letters and digits of it, no spaces or '#'."""
    return clean_tag(answer)


def mapped(topics: Mapping[str, Mapping[str, str]], lang: str, tag: str) -> str | None:
    return (topics.get(lang) or {}).get(clean_tag(tag).casefold())
