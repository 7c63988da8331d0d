"""Platform profiles: YAML data with a source beside every figure, checked strictly on load."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

import repost
from repost.configdir import config_dir
from repost.errors import ProfileError
from repost.inputs import PROFILE_YAML_MAX, read_bounded
from repost.platforms.model import (
    UPLOAD_PATHS,
    CoverRules,
    Figure,
    ImageRules,
    Profile,
    TextField,
    TextRules,
    VideoRules,
    aspect_value,
)
from repost.platforms.names import EVERY, check_aliases, name_key, resolve_platform, unknown_hint
from repost.platforms.schema import PROFILE_SCHEMA
from repost.post import schema as s


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
