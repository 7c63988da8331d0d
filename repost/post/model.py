"""The content model: a post described once, loaded strictly from post.yaml (schema 1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from repost.docs import COMMANDS, doc_ref, post_problem_hint
from repost.errors import InputError, PostError
from repost.inputs import POST_YAML_MAX
from repost.post import schema as s

POST_FILE_NAMES = ("post.yaml", "post.yml")
FITS = ("crop", "pad", "blur", "smart")
TRANSLATED_FIELDS = ("title", "caption", "alt", "hashtags")


@dataclass(frozen=True)
class MediaItem:
    """One photo or video of a post, in upload order."""

    path: Path
    alt: str | None = None


@dataclass(frozen=True)
class Cover:
    """A cover: an image file, or the frame at ``time_s`` of the post's video."""

    path: Path | None = None
    time_s: float | None = None


@dataclass(frozen=True)
class Translation:
    """A post's text in another language. ``alt`` follows the media's order (None where a
    photo has none); ``machine`` marks a machine draft not yet reviewed by a person:
    {engine, date, fields} (``repost translate``; the person removes it, or --approve does)."""

    title: str | None = None
    caption: str | None = None
    alt: tuple[str | None, ...] = ()
    hashtags: tuple[str | None, ...] = ()  # topics in this language, in the order of the post's hashtags
    machine: Mapping[str, Any] | None = None

    def machine_fields(self) -> tuple[str, ...]:
        """The fields of this translation that are an unreviewed machine draft."""
        if not self.machine:
            return ()
        return tuple(self.machine.get("fields") or TRANSLATED_FIELDS)


def _frozen_map(value: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class Post:
    """A post as the creator described it; ``for_platform`` applies per-platform overrides."""

    id: str
    file: Path | None = None
    title: str | None = None
    caption: str = ""
    hashtags: tuple[str, ...] = ()
    # handle -> {platform_id: handle there}; a plain list of handles maps each to {}.
    mentions: Mapping[str, Mapping[str, str]] = field(default_factory=_frozen_map)
    media: tuple[MediaItem, ...] = ()
    cover: Cover | None = None
    created: dt.datetime | dt.date | None = None
    lang: str | None = None
    translations: Mapping[str, Translation] = field(default_factory=_frozen_map)
    platforms: Mapping[str, Mapping[str, Any]] = field(default_factory=_frozen_map)
    source: str | Mapping[str, Any] | None = None
    fit: str | None = None  # crop | pad | blur | smart: how video of another shape is reframed
    audio: Path | None = None  # the sound of a slideshow made from the photos
    cover_text: str | None = None  # words drawn on the cover
    strict_photos: bool = False  # an unreadable photo fails the post instead of being left out
    # The bundle folder's name where it is not the id made folder-safe: an imported post's
    # readable name (date, title, source id; migrate/importers/naming.py). Never in post.yaml.
    folder: str | None = None

    @property
    def name(self) -> str:
        """The post as a person knows it in progress and result lines: an imported post's
        readable folder name (``<date>-<slug>-<tail of id>``, not a 19-digit source id), else
        its id, which post.yaml chose."""
        return self.folder or self.id

    def for_platform(self, platform_id: str) -> Post:
        """This post with the overrides under ``platforms: {platform_id: ...}`` applied."""
        changes = dict(self.platforms.get(platform_id, {}))
        return dataclasses.replace(self, **changes) if changes else self


# --- schema 1 -------------------------------------------------------------------------------

_HANDLE = s.text(nonempty=True)
_MENTIONS = s.one_of(
    s.list_of(_HANDLE),
    # Platform names may be aliases ("instagram"): the exporter maps them to ids (platform_names).
    s.map_of(_HANDLE, s.map_of(s.text(nonempty=True), _HANDLE)),
    describe="a list of handles or a mapping {handle: {platform: handle}}",
)
_MEDIA_ITEM = s.one_of(
    s.text(nonempty=True),
    s.record({"path": s.text(nonempty=True), "alt": s.text()}, required=("path",)),
    describe="a path or a mapping with path and alt",
)
_COVER = s.one_of(
    s.text(nonempty=True),
    s.record({"time": s.number(minimum=0)}, required=("time",)),
    describe="a path or {time: seconds}",
)
_OPTIONAL_TEXT = s.one_of(s.text(), s.nothing(), describe="text or nothing (null)")
_MACHINE = s.record(
    {
        "engine": s.text(nonempty=True),
        "date": s.date(),
        "fields": s.list_of(s.text(choices=TRANSLATED_FIELDS)),
    },
    required=("engine",),
)
_TRANSLATIONS = s.map_of(
    s.text(nonempty=True),
    s.record(
        {
            "title": s.text(),
            "caption": s.text(),
            "alt": s.list_of(_OPTIONAL_TEXT),
            "hashtags": s.list_of(_OPTIONAL_TEXT),
            "machine": _MACHINE,
        }
    ),
)
_SOURCE = s.one_of(
    s.text(),
    s.map_of(s.text(), lambda value, _where, _problems: value),
    describe="text or a mapping",
)


def _field_specs() -> dict[str, s.Spec]:
    """Keys a post and a per-platform override share."""
    return {
        "title": s.text(),
        "caption": s.text(),
        "hashtags": s.list_of(s.text(nonempty=True)),
        "mentions": _MENTIONS,
        "media": s.list_of(_MEDIA_ITEM, min_len=1),
        "cover": _COVER,
        "created": s.timestamp(),
        "lang": s.text(nonempty=True),
        "translations": _TRANSLATIONS,
        "source": _SOURCE,
        # Reframing for video of another shape (issue 3); the profile's video.fit when absent.
        "fit": s.text(choices=FITS),
        "audio": s.text(nonempty=True),
        "cover_text": s.text(),
    }


POST_SCHEMA = s.record(
    {
        "id": s.text(nonempty=True),
        **_field_specs(),
        # A photo that cannot be read fails the post, as --strict-photos (bundle/photos.py):
        # for the whole post only, as its media are read once for every platform.
        "strict_photos": s.boolean(),
        "platforms": s.map_of(s.text(nonempty=True), s.record(_field_specs())),
    },
    required=("media",),
)


def find_post_file(path: str | Path) -> Path:
    """POST is a post.yaml or a folder holding one."""
    path = Path(path)
    if path.is_dir():
        for name in POST_FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise InputError(
            "folder holds no post.yaml",
            path,
            hint="POST is a post.yaml, a folder holding one, or a folder of post folders: "
            f"see {doc_ref('post-arguments', COMMANDS)}",
        )
    if not path.exists():
        raise InputError("no such file or folder", path)
    return path


def load_post(path: str | Path, *, allow_outside: bool = False) -> Post:
    """Load and check a post.yaml; every problem in the file is reported at once. Its media,
    cover and audio must lie in its folder (a post from someone else must not copy a private
    file into a bundle) unless ``allow_outside`` (--allow-outside-media) says the user allows it."""
    file = find_post_file(path)
    data = s.load_yaml(file, limit=POST_YAML_MAX, kind="a post.yaml")
    if data is None:
        data = {}
    problems = s.Problems()
    checked = POST_SCHEMA(data, "", problems)
    if checked is not None:
        _check_media_exist(checked, file.parent, problems, allow_outside)
    if problems:
        raise PostError(file, problems.items, hint=post_problem_hint(problems.items))
    return _build_post(checked, file)


def _check_media_exist(data: Mapping, base: Path, problems: s.Problems, allow_outside: bool) -> None:
    home = base.resolve()

    def found(rel: str, key: str, what: str) -> None:
        target = base / rel
        # Resolved, so "..", an absolute path and a symlink leading out are all seen for what they are.
        if not allow_outside and not target.resolve().is_relative_to(home):
            problems.add(
                key, f"{what} {rel} is outside the post folder (move it in, or pass --allow-outside-media)"
            )
        elif not target.is_file():
            problems.add(key, f"{what} file not found: {rel}")

    def check(fields: Mapping, prefix: str) -> None:
        for i, item in enumerate(fields.get("media") or []):
            rel = item if isinstance(item, str) else (item or {}).get("path")
            if rel:
                found(rel, f"{prefix}media[{i}]" + ("" if isinstance(item, str) else ".path"), "media")
        for key in ("cover", "audio"):
            if isinstance(fields.get(key), str):
                found(fields[key], f"{prefix}{key}", key)

    check(data, "")
    for pid, over in (data.get("platforms") or {}).items():
        if isinstance(over, Mapping):
            check(over, f"platforms.{pid}.")


def _build_fields(data: Mapping, base: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "hashtags":
            value = tuple(h.lstrip("#").strip() for h in value)
        elif key == "mentions":
            value = _build_mentions(value)
        elif key == "media":
            value = tuple(_build_media(item, base) for item in value)
        elif key == "cover":
            value = Cover(path=base / value) if isinstance(value, str) else Cover(time_s=float(value["time"]))
        elif key == "translations":
            value = _frozen_map({k: _build_translation(v) for k, v in value.items()})
        elif key == "caption":
            value = value or ""
        elif key == "audio":
            value = base / value
        out[key] = value
    return out


def _build_translation(value: Mapping) -> Translation:
    fields = dict(value)
    for key in ("alt", "hashtags"):
        if key in fields:
            fields[key] = tuple(a or None for a in fields[key])
    if "machine" in fields:
        fields["machine"] = _frozen_map(fields["machine"])
    return Translation(**fields)


def _build_mentions(value) -> Mapping[str, Mapping[str, str]]:
    if isinstance(value, list):
        return _frozen_map({h.lstrip("@"): _frozen_map({}) for h in value})
    return _frozen_map({h.lstrip("@"): _frozen_map(m) for h, m in value.items()})


def _build_media(item, base: Path) -> MediaItem:
    if isinstance(item, str):
        return MediaItem(path=base / item)
    return MediaItem(path=base / item["path"], alt=item.get("alt"))


def _build_post(data: Mapping, file: Path) -> Post:
    file = file.resolve()
    base = file.parent
    fields = _build_fields({k: v for k, v in data.items() if k not in ("id", "platforms")}, base)
    platforms = {
        pid: _frozen_map(_build_fields(over, base)) for pid, over in (data.get("platforms") or {}).items()
    }
    post_id = data.get("id") or base.resolve().name
    if not str(post_id).strip():
        raise PostError(file, ["id: must not be empty"], hint=f"see {doc_ref('id')}")
    return Post(id=str(post_id), file=file, platforms=_frozen_map(platforms), **fields)
