"""What each bundle file was made from: its source, the source's facts, and what was changed, as data."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from repost.media.covers import chosen_time, decode_frames
from repost.media.images import kept_box, open_photo
from repost.media.probe import probe_media


def source_record(step, post_file: Path | None) -> dict:
    """The manifest's ``source`` of one media file: where it came from (as the post named it,
    relative to the post's folder, and resolved), the source's probed facts, and ``edit``: what
    was done to it (window, hold, fit with the source box used and where it sits in the output,
    frame rate and loudness), so `validate --against-source` can compare like with like."""
    facts = probe_media(step.source)
    record = {**locate(step.source, post_file), **describe_facts(facts)}
    op, size = step.op, (facts.width, facts.height)
    if step.action == "photo":
        box = _followed(step.source, op, op.scale) if op.follow_faces else op.box
        record["edit"] = photo_edit(box, op.place, op.canvas, op.background, size)
    elif step.action == "copy":
        record["edit"] = photo_edit((0, 0, *size), None, None, None, size)
    elif step.action == "cover":
        record["edit"] = cover_edit(step, size)
        if op.kind == "auto":  # the frame the pick chose: validate compares with it alone
            record["edit"]["frame_s"] = chosen_time(step.source, op.times, op.rotation)
    elif step.action == "slideshow":
        others = [p for p in op.sources if p != step.source]
        record["edit"] = {"slideshow": True, "duration_s": round(op.duration_s, 3)}
        record["others"] = [locate(p, post_file) for p in others]
    else:
        record["edit"] = video_edit(facts, step.rendition)
    return record


def locate(path: Path, post_file: Path | None) -> dict:
    """``path`` as the post names it (relative to its folder, where inside it), resolved, and
    its size: a backlog moved elsewhere is still found by the relative path."""
    resolved = Path(path).resolve()
    named = os.fspath(path)
    if post_file is not None and resolved.is_relative_to(post_file.resolve().parent):
        named = resolved.relative_to(post_file.resolve().parent).as_posix()
    return {"path": named, "resolved": os.fspath(resolved), "bytes": resolved.stat().st_size}


def describe_facts(facts) -> dict:
    """The source's probed facts the checks compare against."""
    out = {"kind": facts.kind, "width": facts.width, "height": facts.height}
    if facts.kind != "video":
        return {**out, "format": facts.format}
    audio = facts.audio
    return {
        **out,
        "duration_s": round(facts.duration_s, 3),
        "fps": facts.fps_fraction,
        "rotation": facts.rotation,
        "codecs": {"video": facts.codec, "audio": audio.codec if audio else None},
        "audio": {"channels": audio.channels, "sample_rate_hz": audio.sample_rate_hz} if audio else None,
    }


def video_edit(facts, r) -> dict:
    """What a conform (Rendition ``r``; None for a stream copy) did to the source video."""
    full = [0, 0, facts.width, facts.height]
    if r is None:
        audio = "copy" if facts.audio else "none"
        return {"start_s": 0.0, "duration_s": None, "hold_s": 0.0, "fit": "none", "source_box": full,
                "content_box": full, "fps": None, "audio": audio, "loudness_lufs": None}  # fmt: skip
    source_box, content_box = full, [0, 0, r.width, r.height]
    if r.fit == "crop":
        w, h = r.crop  # the box the plan chose, around the centre (media/render.py crops it)
        # ffmpeg's crop puts the box's corner on the chroma grid unless told exact=1 (vf_crop.c:
        # x &= ~((1 << hsub) - 1)): one pixel off at 2.7x upscale costs 0.04 SSIM.
        sub_x, sub_y = _chroma_step(facts.pix_fmt)
        x, y = (facts.width - w) // 2, (facts.height - h) // 2
        source_box = [x - x % sub_x, y - y % sub_y, w, h]
    elif r.fit in ("pad", "blur"):
        cw, ch = r.content_width, r.content_height
        content_box = [(r.width - cw) // 2, (r.height - ch) // 2, cw, ch]
    moving = None
    if r.fit == "smart" and getattr(r, "camera", None) is not None:
        # The window moves: its path (output time, position in source pixels) goes with the
        # edit, and source_box is where it starts, so the comparison follows the same crop.
        path = r.camera
        chroma = list(_chroma_step(facts.pix_fmt))
        moving = {"axis": path.axis, "keys": [[t, p] for t, p in path.keys], "chroma": chroma}
        source_box = window_box(moving, path.keys[0][0], path.size, (facts.width, facts.height))
    edit = {
        "start_s": r.start_s,
        "duration_s": r.duration_s,
        "hold_s": r.hold_s,
        "fit": r.fit,
        "source_box": source_box,
        "content_box": content_box,
        "fps": None if r.fps == facts.fps_fraction else {"from": facts.fps_fraction, "to": r.fps},
        "audio": r.audio.action,
        "loudness_lufs": r.audio.loudness_lufs,
    }
    if moving is not None:
        edit["path"] = moving
    return edit


def window_box(path: dict, t: float, size, source) -> list[int]:
    """The smart crop's source box at output time ``t``: the window of ``size`` at the path's
    position on its axis (straight lines between keys, the later key at a cut, as the crop
    expression of media/render.py), centred on the other, each corner put on the chroma grid as
    ffmpeg's crop puts it (vf_crop.c rounds x and y to the nearest int with lrint, then clears
    the bits below the chroma step): 2 px off on a pan costs 0.05 SSIM."""
    keys = path["keys"]
    pos = keys[-1][1]
    if t <= keys[0][0]:
        pos = keys[0][1]
    else:
        for (ta, pa), (tb, pb) in itertools.pairwise(keys):
            if ta <= t < tb:
                pos = pa + (pb - pa) * (t - ta) / (tb - ta)
                break
    (w, h), (sw, sh) = size, source
    sub_x, sub_y = path.get("chroma") or (1, 1)
    x = min(max(0, round(pos)), sw - w) if path["axis"] == "x" else round((sw - w) / 2)
    y = min(max(0, round(pos)), sh - h) if path["axis"] == "y" else round((sh - h) / 2)
    return [x - x % sub_x, y - y % sub_y, w, h]


def photo_edit(box, place, canvas, background, size) -> dict:
    """A photo's fit: ``box`` (left, top, right, bottom) of the upright source of ``size``
    scaled into ``place`` (left, top, width, height) of ``canvas``; ``place`` None for a photo
    copied as it is."""
    source_box = [box[0], box[1], box[2] - box[0], box[3] - box[1]]
    if place is None:
        return {"fit": "none", "source_box": source_box, "content_box": source_box}
    if tuple(box) != (0, 0, *size):
        fit = "crop"
    elif tuple(place) != (0, 0, *canvas):
        fit = "blur" if background == "blur" else "pad"
    else:
        fit = "none"
    return {"fit": fit, "source_box": source_box, "content_box": list(place)}


def cover_edit(step, size: tuple[int, int]) -> dict:
    """A cover: the picture (an image, or video frames at ``times``) fitted as media/covers.py
    fits it, and whether text was drawn over it."""
    op = step.op
    fitted = op.photo  # the fit the plan chose and media/covers.py applies
    box = _followed_cover(step, fitted) if fitted.follow_faces else fitted.box
    edit = photo_edit(box, fitted.place, fitted.canvas, fitted.background, size)
    edit["times"] = list(op.times)
    edit["text"] = bool(op.text and op.font)
    return edit


def _followed(source: Path, op, scale: float = 1.0) -> tuple[int, int, int, int]:
    """A fit smart photo's box as rendering slid it over the faces (media/images.py): the
    plan holds the centred box, the faces are seen only in the picture."""
    return kept_box(open_photo(source, scale).image, op)


def _followed_cover(step, fitted) -> tuple[int, int, int, int]:
    """A fit smart cover's box, from the picture media/covers.py fits (the same frame: the
    decoded frames are remembered for the post being written)."""
    op = step.op
    if op.kind == "image":
        return kept_box(open_photo(step.source).image, fitted)
    picture = decode_frames(step.source, op.times, op.rotation, best=op.kind == "auto")[0]
    return kept_box(picture, fitted)


def _chroma_step(pix_fmt: str) -> tuple[int, int]:
    """How many pixels a chroma sample spans across and down in ``pix_fmt``."""
    if "420" in pix_fmt or pix_fmt in ("nv12", "nv21", "p010le"):
        return 2, 2
    if "422" in pix_fmt or "411" in pix_fmt:
        return (4 if "411" in pix_fmt else 2), 1
    return 1, 1
