"""Platform profiles: YAML data with a source beside every figure, checked strictly on load."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

import repost
from repost.configdir import config_dir
from repost.errors import ProfileError
from repost.inputs import PROFILE_YAML_MAX, read_bounded
from repost.platforms.names import EVERY, check_aliases, name_key, resolve_platform, unknown_hint
from repost.post import schema as s
from repost.post.model import FITS as POST_FITS

UPLOAD_PATHS = ("app", "api")
CONFIDENCES = ("official", "official_indirect", "third_party", "assumed")
COUNTERS = ("utf16", "chars", "graphemes", "utf8_bytes", "rednote_weighted")
# A profile's default fit: post.yaml's fits but smart, which reads the media (faces, motion) and
# so is asked for by a post or --fit, never assumed for a platform.
FITS = tuple(f for f in POST_FITS if f != "smart")
# How a video whose shape the platform does not accept is reframed, where it accepts several:
# to the accepted aspect nearest the source's (least picture lost or padded), or always to
# preferred_aspect (the platform's native shape, which other platforms' renditions may share).
REFRAMES = ("nearest", "preferred")
HASHTAG_STYLES = ("append", "inline", "rednote_topic")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A language code as post.yaml and text.languages write one: zh, en, zh-Hans, pt-BR.
LANG_CODE_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
BIG = 10**13  # a sanity ceiling for byte and bit figures (10 TB)


@dataclass(frozen=True)
class Figure:
    """One sourced figure: its value and where it came from."""

    value: Any
    source: str
    checked: dt.date
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class VideoRules:
    containers: tuple[str, ...]
    codecs: tuple[str, ...]
    aspects: tuple[str, ...]
    preferred_aspect: str
    aspect_tolerance: float
    width_px: int
    height_px: int
    pixel_formats: tuple[str, ...] | None = None
    min_fps: float | None = None
    max_fps: float | None = None
    min_side_px: int | None = None
    max_side_px: int | None = None
    max_width_px: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    max_bytes: int | None = None
    max_bitrate_bps: int | None = None
    audio_codecs: tuple[str, ...] | None = None
    max_audio_channels: int | None = None
    max_sample_rate_hz: int | None = None
    audio_required: bool = False
    require_faststart: bool = False
    allow_edit_lists: bool = True
    fit: str = "blur"
    reframe_to: str = "nearest"  # REFRAMES


@dataclass(frozen=True)
class ImageRules:
    formats: tuple[str, ...]
    modes: tuple[str, ...]
    min_count: int
    max_count: int
    aspects: tuple[str, ...]
    preferred_aspect: str
    aspect_tolerance: float
    width_px: int
    height_px: int
    min_side_px: int | None = None
    max_side_px: int | None = None
    max_bytes: int | None = None
    fit: str = "blur"
    # The platform crops every carousel image to the first one's aspect (Instagram, I2): give
    # all images of a post one aspect.
    uniform_aspect: bool = False


@dataclass(frozen=True)
class CoverRules:
    custom_image: bool
    aspect: str
    # A smaller crop the platform shows elsewhere (Instagram's 3:4 profile grid, I8): cover text
    # and the picture's centre are kept inside it.
    safe_aspect: str | None = None


@dataclass(frozen=True)
class TextField:
    max_length: int
    count: str
    fold_length: int | None = None
    kinds: tuple[str, ...] | None = None  # post kinds the field applies to (None: all)

    def applies_to(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class TextRules:
    hashtag_style: str
    caption: TextField | None = None
    title: TextField | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    languages: tuple[str, ...] | None = None  # preferred, best first (text.languages)


@dataclass(frozen=True)
class Profile:
    """One platform's rules on one upload path (``app`` by hand, or ``api``)."""

    id: str
    name: str
    version: int
    upload_path: str
    default_path: str
    summary: str
    kinds: tuple[str, ...]
    cover: CoverRules
    text: TextRules
    file: Path
    digest: str
    video: VideoRules | None = None
    image: ImageRules | None = None
    # "video.max_duration_s" -> the figure in effect on this path
    figures: Mapping[str, Figure] = field(default_factory=lambda: MappingProxyType({}))
    # "video.max_duration_s" -> {"app": Figure, "api": Figure}, where the paths differ
    by_path: Mapping[str, Mapping[str, Figure]] = field(default_factory=lambda: MappingProxyType({}))
    aliases: tuple[str, ...] = ()  # other names people use for the platform (platform_names)


def aspect_value(aspect: str) -> float:
    """'9:16' -> 0.5625 (width over height)."""
    w, h = aspect.split(":")
    return int(w) / int(h)


def aspect_name(width: int, height: int) -> str:
    """1080x1920 -> '9:16'; a size that reduces to large terms -> '1.78:1'."""
    f = Fraction(width, height)
    if f.numerator <= 64 and f.denominator <= 64:
        return f"{f.numerator}:{f.denominator}"
    return f"{width / height:.2f}:1"


# --- the schema ------------------------------------------------------------------------------


def _figure(value_spec: s.Spec) -> s.Spec:
    today = dt.date.today()

    def checked(value, path, problems):
        d = s.date()(value, path, problems)
        if d is not None and d > today:
            problems.add(path, f"{d} is in the future")
        return d

    one = s.record(
        {
            "value": value_spec,
            "source": s.text(nonempty=True),
            "checked": checked,
            "confidence": s.text(choices=CONFIDENCES),
            "note": s.text(),
        },
        required=("value", "source", "checked", "confidence"),
    )

    def assumed_needs_note(value, path, problems):
        out = one(value, path, problems)
        if out and out.get("confidence") == "assumed" and not (out.get("note") or "").strip():
            problems.add(f"{path}.note", "an assumed figure must say why (note)")
        return out

    pair = s.record({p: assumed_needs_note for p in UPLOAD_PATHS}, required=UPLOAD_PATHS)

    def check(value, path, problems):
        if isinstance(value, dict) and set(value) & set(UPLOAD_PATHS):
            return {"by_path": pair(value, path, problems)}
        return assumed_needs_note(value, path, problems)

    return check


def _fig_map(specs: Mapping[str, s.Spec]) -> dict[str, s.Spec]:
    return {k: _figure(v) for k, v in specs.items()}


_NAMES = s.list_of(s.text(nonempty=True), min_len=1)
_ASPECTS = s.list_of(s.aspect(), min_len=1)
_PX = s.number(integer=True, minimum=16, maximum=16384)
_SECONDS = s.number(minimum=0, maximum=86400)

_MEDIA_COMMON = {
    "aspects": _ASPECTS,
    "preferred_aspect": s.aspect(),
    "aspect_tolerance": s.number(minimum=0, maximum=0.2),
    "width_px": _PX,
    "height_px": _PX,
    "max_side_px": _PX,
    "max_bytes": s.number(integer=True, minimum=1, maximum=BIG),
    "fit": s.text(choices=FITS),
}
_VIDEO = s.record(
    _fig_map(
        {
            **_MEDIA_COMMON,
            "containers": s.list_of(s.text(choices=("mp4", "mov", "webm")), min_len=1),
            "codecs": s.list_of(s.text(choices=("h264", "hevc", "vp8", "vp9", "av1")), min_len=1),
            "pixel_formats": _NAMES,
            "min_fps": s.number(minimum=1, maximum=240),
            "max_fps": s.number(minimum=1, maximum=240),
            "min_side_px": _PX,
            "max_width_px": _PX,
            "min_duration_s": _SECONDS,
            "max_duration_s": _SECONDS,
            "max_bitrate_bps": s.number(integer=True, minimum=1000, maximum=BIG),
            "audio_codecs": s.list_of(s.text(choices=("aac", "mp3", "opus")), min_len=1),
            "max_audio_channels": s.number(integer=True, minimum=1, maximum=16),
            "max_sample_rate_hz": s.number(integer=True, minimum=8000, maximum=192000),
            "audio_required": s.boolean(),
            "require_faststart": s.boolean(),
            "allow_edit_lists": s.boolean(),
            "reframe_to": s.text(choices=REFRAMES),
        }
    ),
    required=(
        "containers",
        "codecs",
        "aspects",
        "preferred_aspect",
        "aspect_tolerance",
        "width_px",
        "height_px",
    ),
)
_IMAGE = s.record(
    _fig_map(
        {
            **_MEDIA_COMMON,
            "formats": s.list_of(s.text(choices=("jpeg", "png", "webp", "heif")), min_len=1),
            "modes": _NAMES,
            "min_side_px": _PX,
            "min_count": s.number(integer=True, minimum=1, maximum=1000),
            "max_count": s.number(integer=True, minimum=1, maximum=1000),
            "uniform_aspect": s.boolean(),
        }
    ),
    required=(
        "formats",
        "modes",
        "min_count",
        "max_count",
        "aspects",
        "preferred_aspect",
        "aspect_tolerance",
        "width_px",
        "height_px",
    ),
)
_COVER = s.record(
    _fig_map({"custom_image": s.boolean(), "aspect": s.aspect(), "safe_aspect": s.aspect()}),
    required=("custom_image", "aspect"),
)
_LENGTH = s.number(integer=True, minimum=1, maximum=1_000_000)
_TEXT_FIELD = s.record(
    _fig_map(
        {
            "max_length": _LENGTH,
            "count": s.text(choices=COUNTERS),
            "fold_length": _LENGTH,
            "kinds": s.list_of(s.text(choices=("video", "photos")), min_len=1),
        }
    ),
    required=("max_length", "count"),
)
_TEXT = s.record(
    {
        "caption": _TEXT_FIELD,
        "title": _TEXT_FIELD,
        "hashtags": s.record(_fig_map({"max_count": s.number(integer=True, minimum=0, maximum=1000)})),
        "mentions": s.record(_fig_map({"max_count": s.number(integer=True, minimum=0, maximum=1000)})),
        "hashtag_style": _figure(s.text(choices=HASHTAG_STYLES)),
        "languages": _figure(s.list_of(s.text(pattern=LANG_CODE_RE), min_len=1)),
    },
    required=("hashtag_style",),
)
PROFILE_SCHEMA = s.record(
    {
        "schema": s.number(integer=True, minimum=1, maximum=1),
        "id": s.text(pattern=ID_RE),
        "name": s.text(nonempty=True),
        "aliases": s.list_of(s.text(nonempty=True)),
        "version": s.number(integer=True, minimum=1),
        "default_path": s.text(choices=UPLOAD_PATHS),
        "summary": s.text(nonempty=True),
        "kinds": s.list_of(s.text(choices=("video", "photos")), min_len=1),
        "video": _VIDEO,
        "image": _IMAGE,
        "cover": _COVER,
        "text": _TEXT,
    },
    required=("schema", "id", "name", "version", "default_path", "summary", "kinds", "cover", "text"),
)


# --- building a Profile from checked data ------------------------------------------------------


def _flatten(data: Mapping, prefix: str, upload_path: str, figures: dict, by_path: dict) -> dict:
    """Replace each figure with its value on ``upload_path``; record the figures by key path."""
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "by_path" in value:
            if not value["by_path"] or not all(value["by_path"].get(p) for p in UPLOAD_PATHS):
                out[key] = None  # already reported by the schema
                continue
            pair = {p: Figure(**f) for p, f in value["by_path"].items()}
            by_path[path] = MappingProxyType(pair)
            figures[path] = pair[upload_path]
            out[key] = pair[upload_path].value
        elif isinstance(value, dict) and "value" in value:
            if any(value.get(k) is None for k in ("value", "source", "checked", "confidence")):
                out[key] = None  # already reported by the schema
                continue
            figures[path] = Figure(**value)
            out[key] = value["value"]
        elif isinstance(value, dict):
            out[key] = _flatten(value, f"{path}.", upload_path, figures, by_path)
        else:
            out[key] = value
    return out


def _tuples(d: Mapping) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def _cross_check(flat: Mapping, file: Path, problems: s.Problems) -> None:
    if flat.get("id") and flat["id"] != file.stem:
        problems.add("id", f"{flat['id']!r} must equal the file name {file.stem!r}")
    for section in ("video", "image"):
        rules = flat.get(section) or {}
        aspects, preferred = rules.get("aspects") or [], rules.get("preferred_aspect")
        if preferred and aspects and preferred not in aspects:
            problems.add(f"{section}.preferred_aspect", f"{preferred} is not in aspects {aspects}")
        w, h = rules.get("width_px"), rules.get("height_px")
        if preferred and w and h:
            tol = rules.get("aspect_tolerance") or 0
            if abs(w / h - aspect_value(preferred)) > tol * aspect_value(preferred) + 1e-9:
                problems.add(f"{section}.width_px", f"{w}x{h} is not {preferred}")
        for lo, hi in (
            ("min_fps", "max_fps"),
            ("min_duration_s", "max_duration_s"),
            ("min_count", "max_count"),
            ("min_side_px", "max_side_px"),
        ):
            if rules.get(lo) is not None and rules.get(hi) is not None and rules[lo] > rules[hi]:
                problems.add(f"{section}.{lo}", f"{rules[lo]} is above {hi} {rules[hi]}")
    kinds = flat.get("kinds") or []
    for kind, section in (("video", "video"), ("photos", "image")):
        if kind in kinds and not flat.get(section):
            problems.add(section, f"is required because kinds lists {kind}")


def _build(flat: Mapping, file: Path, digest: str, upload_path: str, figures, by_path) -> Profile:
    text = flat["text"]

    def field_of(name):
        return TextField(**_tuples(text[name])) if text.get(name) else None

    return Profile(
        id=flat["id"],
        name=flat["name"],
        aliases=tuple(flat.get("aliases") or ()),
        version=flat["version"],
        upload_path=upload_path,
        default_path=flat["default_path"],
        summary=flat["summary"],
        kinds=tuple(flat["kinds"]),
        video=VideoRules(**_tuples(flat["video"])) if flat.get("video") else None,
        image=ImageRules(**_tuples(flat["image"])) if flat.get("image") else None,
        cover=CoverRules(**flat["cover"]),
        text=TextRules(
            hashtag_style=text["hashtag_style"],
            caption=field_of("caption"),
            title=field_of("title"),
            max_hashtags=(text.get("hashtags") or {}).get("max_count"),
            max_mentions=(text.get("mentions") or {}).get("max_count"),
            languages=tuple(text["languages"]) if text.get("languages") else None,
        ),
        file=file,
        digest=digest,
        figures=MappingProxyType(figures),
        by_path=MappingProxyType(by_path),
    )


def load_profile(file: str | Path, upload_path: str | None = None) -> Profile:
    """Load one profile file; every problem in it is reported at once."""
    file = Path(file)
    if not file.exists():
        raise ProfileError(file, ["no such profile file"])
    raw = read_bounded(file, PROFILE_YAML_MAX, "a profile")
    data = s.load_yaml(file)
    problems = s.Problems()
    checked = PROFILE_SCHEMA(data, "", problems)
    if checked is None:
        raise ProfileError(file, problems.items or ["must be a mapping"])
    path = upload_path or checked.get("default_path") or "app"
    figures: dict[str, Figure] = {}
    by_path: dict[str, Mapping[str, Figure]] = {}
    flat = _flatten(checked, "", path, figures, by_path)
    _cross_check(flat, file, problems)
    if problems:
        raise ProfileError(file, problems.items, hint="see profiles/README.md for the profile format")
    digest = hashlib.sha256(raw).hexdigest()
    return _build(flat, file, digest, path, figures, by_path)


def builtin_profile_dir() -> Path:
    """The built-in profiles: packaged beside the code, or profiles/ in a source checkout."""
    here = Path(repost.__file__).resolve().parent
    for candidate in (here / "builtin_profiles", here.parent / "profiles"):
        if (candidate / "tiktok.yaml").is_file():
            return candidate
    raise ProfileError(
        here,
        ["the built-in profiles are missing from this installation"],
        hint="reinstall repost: pip install --force-reinstall repost",
    )


def user_profile_dir() -> Path:
    """Where a user adds or overrides profiles: profiles/ in repost's config folder."""
    return config_dir() / "profiles"


def profile_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Search order, later overriding earlier by id: built-in, user config, then --profiles."""
    dirs = [builtin_profile_dir(), user_profile_dir(), *map(Path, extra)]
    return [d for d in dirs if d.is_dir()]


def load_profiles(
    extra_dirs: Iterable[str | Path] = (), upload_path: str | None = None
) -> dict[str, Profile]:
    """Every profile found, by id; a broken file anywhere is an error (typos never pass unread)."""
    found: dict[str, Path] = {}
    for d in profile_dirs(extra_dirs):
        for file in sorted(d.glob("*.y*ml")):
            if file.suffix in (".yaml", ".yml"):
                found[file.stem] = file
    profiles = {pid: load_profile(file, upload_path) for pid, file in sorted(found.items())}
    check_aliases(profiles)
    return profiles


def select_profiles(profiles: Mapping[str, Profile], ids: str | Iterable[str]) -> list[Profile]:
    """``all`` or a comma-separated list of ids -> the profiles, in the order given."""
    if isinstance(ids, str):
        ids = [i.strip() for i in ids.split(",") if i.strip()]
    ids = list(ids)
    if not ids:
        raise ProfileError("--to", ["no platform given"], hint=f"choose from: all, {', '.join(profiles)}")
    if any(name_key(i) == EVERY for i in ids):
        # "all" is every built-in platform (a user's override of one still counts as that one).
        builtin = {f.stem for f in builtin_profile_dir().glob("*.yaml")}
        return [p for pid, p in profiles.items() if pid in builtin]
    # Ids and aliases, as people write them: "RedNote", "xiaohongshu", "小红书", "IG".
    unknown = [i for i in ids if resolve_platform(profiles, i) is None]
    if unknown:
        raise ProfileError(
            "--to", [f"unknown platform {', '.join(unknown)}"], hint=unknown_hint(profiles, unknown)
        )
    return [profiles[i] for i in dict.fromkeys(resolve_platform(profiles, i) for i in ids)]
