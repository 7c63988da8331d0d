"""What a card shows besides the bundle's files: a poster, the profile-grid crop, the smart crop
window over its source, and another platform's watermark, as plain JSON data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from repost.errors import InputError, MediaError
from repost.inputs import recorded_source
from repost.media.poster import remembered_poster
from repost.media.probe import probe_media
from repost.platforms.model import Profile
from repost.platforms.norms import watermark_rules


def poster(bundle: Path, media: Mapping, entries: list[dict]) -> dict | None:
    """The still a card opens on: the cover, else the first photo, else a frame of the video
    (a Shorts bundle or a slideshow has no cover.jpg: the app picks a frame)."""
    if media.get("cover"):
        return {"src": media["cover"]["src"], "from": "cover"}
    if media.get("images"):
        return {"src": media["images"][0]["src"], "from": "first photo"}
    video = next((e for e in entries if e.get("role") == "video"), None)
    if video is None:
        return None
    try:  # a FIFO named 01.mp4 would hang the decode: only a regular file in the bundle is read
        path = recorded_source(str(bundle / video["path"]), [bundle], "a bundle's video")
    except InputError:
        return None  # validate's finding on the card says what is wrong with it
    url = remembered_poster(path)
    return {"src": url, "from": "a frame of the video"} if url else None


def grid_crop(profile: Profile | None) -> dict | None:
    """The shape a profile's grid crops every post to (Instagram: 3:4 since January 2025, source
    I12 in profiles/SOURCES.md), where the profile names one (its cover's ``safe_aspect``)."""
    rules = profile.cover if profile is not None else None
    aspect = getattr(rules, "safe_aspect", None)
    if not aspect:
        return None
    w, h = aspect.split(":")
    return {"aspect": f"{w} / {h}", "name": aspect}


def watermark_notes(platform: str, warnings: list[str]) -> list[str]:
    """The manifest's warnings about another platform's watermark (norms with match: watermark)."""
    ids = [f"(norm {r.id}," for r in watermark_rules(platform)]
    return [w for w in warnings if any(i in w for i in ids)]


def smart_window(entries: list[dict], sources: Sequence[Path] = ()) -> dict | None:
    """A video made with fit smart: its crop window's path over the source (the manifest's
    ``files[].reframe``), with a still of the source where it may and can still be read: only
    inside ``sources``, the folders the user named for them (a manifest may name any file)."""
    video = next((e for e in entries if e.get("role") == "video"), None)
    reframe = video.get("reframe") if video else None
    source = video.get("source") if video else None
    if not isinstance(reframe, dict) or reframe.get("fit") != "smart" or not isinstance(source, dict):
        return None
    axis, window = reframe.get("axis"), reframe.get("window")
    size = (source.get("width"), source.get("height"))
    if axis not in ("x", "y") or not isinstance(window, dict) or not all(_number(v) for v in size):
        return None
    keys = [
        [k["t"], k[axis]] for k in reframe.get("keys") or [] if _number(k.get("t")) and _number(k.get(axis))
    ]
    shots = [s for s in reframe.get("shots") or [] if isinstance(s, dict)]
    if not keys or not all(_number(window.get(k)) for k in ("width", "height")):
        return None
    still, why = _source_still(source, shots, sources)
    return {
        "axis": axis,
        "source": {"width": size[0], "height": size[1], "still": still, "no_still": why},
        "window": {"width": window["width"], "height": window["height"]},
        "keys": keys,
        "shots": [
            {"start_s": s.get("start_s"), "motion": str(s.get("motion")), "by": str(s.get("by"))}
            for s in shots
        ],
        "detector": str(reframe.get("detector") or ""),
    }


def _source_still(source: dict, shots: list[dict], sources: Sequence[Path]) -> tuple[str | None, str | None]:
    """(a frame of the source, None) for the window to sit on, read where it is (never copied);
    else (None, why not): outside the source folders, not a regular media file, or gone."""
    try:
        path = recorded_source(source.get("resolved"), sources, "a source video")
        if probe_media(path).kind != "video":
            raise MediaError("not a video", where=path)
    except (InputError, MediaError) as exc:
        return None, f"source not shown: {exc.one_line()}"
    first = shots[0] if shots else {}
    start = first.get("start_s") if _number(first.get("start_s")) else 0.0
    rotation = source.get("rotation") if source.get("rotation") in (0, 90, 180, 270) else 0
    still = remembered_poster(path, rotation, times=(start,))
    return (still, None) if still else (None, "source not shown: it cannot be decoded")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
