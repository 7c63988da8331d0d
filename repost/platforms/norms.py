"""Norms: what a platform limits although a bundle is within its technical rules (links and
contact details that lead off RedNote and Lemon8, absolute claims, another app's calls to
action, QR codes), as data in profiles/norms/norms.yaml; each finding a warning, never an error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import regex

from repost.errors import ProfileError
from repost.platforms.profiles import builtin_profile_dir
from repost.post import schema as s
from repost.text.tags import MENTION_RE

NORMS_FILE = Path("norms") / "norms.yaml"
SOURCES_FILE = "SOURCES.md"  # beside the profiles: the one register of sources, norms' included
# A source's heading in SOURCES.md: "### T1 · Content Posting API: media transfer guide".
_SOURCE_HEADING = regex.compile(r"^### ([A-Z]{1,2}\d+) · ", regex.M)
MAX_TEXT_CHARS = 100_000  # a caption file is read this far for norms (every platform's limit is far less)
TEXT_MATCHERS = ("link", "contact", "words", "foreign_handle")
IMAGE_MATCHERS = ("qr_code",)
VIDEO_MATCHERS = ("watermark",)  # another platform's watermark (repost/media/watermark.py)

_LINK = regex.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|io|co|cn|me|ly|link|shop|store|app|gg|tv)\b(?:/\S*)?"
)
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A mainland mobile number (11 digits from 1[3-9]), or an international one with its +code.
_PHONE = regex.compile(r"(?<!\d)(?:1[3-9]\d{9}|\+\d{1,3}[\s-]?(?:\(?\d{1,4}\)?[\s-]?){2,4}\d{2,4})(?!\d)")
_MESSENGER = regex.compile(
    r"(?i)(?:微信|威信|薇信|v信|vx|wechat|weixin|wx|qq|扣扣)\s*(?:号|群)?\s*[:：]?\s*[A-Za-z0-9][-_A-Za-z0-9]{4,19}"
)
_RULE = s.record(
    {
        "id": s.text(nonempty=True),
        "platforms": s.list_of(s.text(nonempty=True), min_len=1),
        "match": s.text(choices=TEXT_MATCHERS + IMAGE_MATCHERS + VIDEO_MATCHERS),
        "words": s.list_of(s.text(nonempty=True), min_len=1),
        "says": s.text(nonempty=True),
        "source": s.list_of(s.text(nonempty=True), min_len=1),
        "checked": s.date(),
        "confidence": s.text(choices=("official", "third_party", "assumed")),
        "note": s.text(),
    },
    required=("id", "platforms", "match", "says", "source", "checked", "confidence"),
)
_SOURCE = s.record({"url": s.text(nonempty=True), "read": s.date(), "says": s.text(nonempty=True)},
                   required=("url", "read", "says"))  # fmt: skip
_PLATFORM_TAGS = s.record(
    {
        "tags": s.list_of(s.text(nonempty=True), min_len=1),
        "source": s.list_of(s.text(nonempty=True), min_len=1),
        "checked": s.date(),
        "confidence": s.text(choices=("official", "third_party", "assumed")),
    },
    required=("tags", "source", "checked", "confidence"),
)
_FILE = s.record(
    {
        "schema": s.number(integer=True),
        "rules": s.list_of(_RULE),
        "platform_tags": s.map_of(s.text(nonempty=True), _PLATFORM_TAGS),
        "sources": s.map_of(s.text(), _SOURCE),
    },
    # A norms file may still keep its own sources (the built-in one did until they moved to
    # SOURCES.md; a user's copy may): their tags count beside SOURCES.md's.
    required=("schema", "rules"),
)


@dataclass(frozen=True)
class Rule:
    id: str
    platforms: tuple[str, ...]
    match: str
    says: str
    source: tuple[str, ...]
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class NormFinding:
    """One thing a platform limits: the rule, the file or field, and the text it is about."""

    rule: str
    where: str  # caption.txt, title.txt, a photo's name
    text: str
    message: str


def norms_file() -> Path:
    return builtin_profile_dir() / NORMS_FILE


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """Every rule of the norms file, checked strictly (every problem at once)."""
    return _load(path or norms_file())[0]


def source_tags() -> frozenset[str]:
    """The tags profiles/SOURCES.md defines (the file ships beside the built-in profiles)."""
    return _source_tags(builtin_profile_dir() / SOURCES_FILE)


@functools.cache
def _source_tags(path: Path) -> frozenset[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "is missing from this installation" if isinstance(exc, FileNotFoundError) else str(exc)
        raise ProfileError(path, [f"the sources the norms cite: {reason}"]) from None
    return frozenset(m.group(1) for m in _SOURCE_HEADING.finditer(text))


def _cited_tag(source: str) -> str:
    """'R7' or 'R7; section 3' -> 'R7' (a tag may be followed by where in the source, as in the profiles)."""
    return source.split(";")[0].strip()


def platform_tags() -> dict[str, frozenset[str]]:
    """{platform: the hashtags that mean something there only}, casefolded."""
    return _load(norms_file())[1]


@functools.cache
def _load(path: Path) -> tuple[tuple[Rule, ...], dict[str, frozenset[str]]]:
    problems = s.Problems()
    data = _FILE(s.load_yaml(path), "", problems) or {}
    known = source_tags() | set(data.get("sources") or ())
    for pid, entry in (data.get("platform_tags") or {}).items():
        _check_cited(f"platform_tags.{pid}.source", (entry or {}).get("source"), known, problems)
    for i, rule in enumerate(data.get("rules") or ()):
        if rule:
            if rule.get("match") == "words" and not rule.get("words"):
                problems.add(f"rules[{i}].words", "a words rule needs its words")
            _check_cited(f"rules[{i}].source", rule.get("source"), known, problems)
    if problems:
        raise ProfileError(path, problems.items)
    rules = tuple(
        Rule(
            r["id"],
            tuple(r["platforms"]),
            r["match"],
            r["says"],
            tuple(r["source"]),
            tuple(r.get("words") or ()),
        )
        for r in data["rules"]
    )
    tags = {
        pid: frozenset(t.casefold() for t in e["tags"])
        for pid, e in (data.get("platform_tags") or {}).items()
    }
    return rules, tags


def _check_cited(where: str, sources, known: frozenset[str], problems: s.Problems) -> None:
    for tag in sorted({_cited_tag(x) for x in sources or ()} - known):
        problems.add(where, f"{tag} is defined neither in profiles/{SOURCES_FILE} nor in this file's sources")


def rules_for(platform: str) -> tuple[Rule, ...]:
    return tuple(r for r in load_rules() if platform in r.platforms)


def check_text(
    platform: str, name: str, texts: Mapping[str, str], handles_here: Iterable[str] = ()
) -> list[NormFinding]:
    """Findings for the texts of one bundle ({file: text}); ``handles_here`` are the @handles
    post.yaml maps to this platform (any other @handle names an account elsewhere)."""
    here = {h.casefold() for h in handles_here}
    out: list[NormFinding] = []
    for rule in rules_for(platform):
        if rule.match not in TEXT_MATCHERS:
            continue
        for where, text in texts.items():
            for hit in _MATCHERS[rule.match](rule, text or "", here):
                out.append(NormFinding(rule.id, where, hit, message(rule, where, hit, name)))
    return out


def watermark_rules(platform: str) -> list[Rule]:
    return [r for r in rules_for(platform) if r.match == "watermark"]


def watermark_findings(platform: str, name: str, where: str, evidence: Iterable[str]) -> list[NormFinding]:
    """Findings for what was seen of another platform's watermark in one video."""
    return [
        NormFinding(r.id, where, e, message(r, where, e, name))
        for r in watermark_rules(platform)
        for e in evidence
    ]


def message(rule: Rule, where: str, hit: str, name: str) -> str:
    says = rule.says.format(platform=name, text=hit)
    return f"{where}: {hit!r}: {says} (norm {rule.id}, profiles/norms/norms.yaml)"


# --- where the checks run -----------------------------------------------------------------


def handles_for(post, platform: str) -> list[str]:
    """The @handles post.yaml gives for ``platform`` (a handle listed without a mapping is the
    creator's own word that it is the same everywhere)."""
    return [m.get(platform) or h for h, m in post.mentions.items() if not m or m.get(platform)]


def plan_warnings(post, profile, texts) -> list[str]:
    """The text norms of one bundle, as plan warnings (shown by --dry-run and check)."""
    fields = {"caption.txt": texts.caption, "title.txt": texts.title or ""}
    found = check_text(profile.id, profile.name, fields, handles_for(post, profile.id))
    return [f"norm: {f.message}" for f in found]


def _links(rule, text, here) -> list[str]:
    return [m.group(0).rstrip(".,;:!?)") for m in _LINK.finditer(_without_emails(text))]


def _contacts(rule, text, here) -> list[str]:
    hits = [m.group(0) for m in _EMAIL.finditer(text)]
    hits += [m.group(0).strip() for m in _PHONE.finditer(text)]
    hits += [m.group(0) for m in _MESSENGER.finditer(text)]
    return hits


def _words(rule, text, here) -> list[str]:
    return [m.group(0) for m in _words_re(rule.words).finditer(text)]


def _foreign_handles(rule, text, here) -> list[str]:
    return [
        m.group(1) for m in MENTION_RE.finditer(_without_emails(text)) if m.group(1).casefold() not in here
    ]


@functools.cache
def _words_re(words: tuple[str, ...]) -> regex.Pattern:
    """Each word where it stands alone: ASCII words between non-letters (case-insensitive, but
    an all-capitals abbreviation such as IG only as written), CJK words as written (Chinese has
    no spaces to bound a word; the list holds whole terms)."""
    parts = []
    for w in sorted(words, key=len, reverse=True):
        esc = regex.escape(w)
        if w.isascii():
            flag = "-i" if w.isupper() and len(w) <= 4 else "i"
            esc = rf"(?<![\p{{L}}\p{{N}}_-])(?{flag}:{esc})(?![\p{{L}}\p{{N}}_-])"
        parts.append(esc)
    return regex.compile("|".join(parts))


def _without_emails(text: str) -> str:
    return _EMAIL.sub(" ", text)


_MATCHERS: dict[str, Callable[[Rule, str, set], list[str]]] = {
    "link": _links,
    "contact": _contacts,
    "words": _words,
    "foreign_handle": _foreign_handles,
}
