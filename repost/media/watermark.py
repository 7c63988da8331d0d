"""Another platform's watermark in a video: a mark that stays put in a corner, or jumps corners part-way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repost.errors import MediaError

# Frames sampled across the video (evenly), small and grey: a mark persists over all of them.
SAMPLES = 24
WIDTH_PX = 256
# Corner bands, as shares of the frame: TikTok puts its logo and @handle in a corner, about a
# third of the width and a sixth of the height, and moves it to another corner part-way.
BAND_W, BAND_H = 0.4, 0.22
# An edge "persists" when Canny finds it in this share of a stretch's frames; the picture
# "changes" where the grey level's deviation over the stretch is above MOVING_STD (0-255).
EDGE_PERSISTS = 0.85
MOVING_STD = 20.0
# A band holds a mark where persistent edges with changing picture beside them cover this
# share of it. One that stays put the whole video counts only where the picture changes in
# MOVING_SHARE of the band: a mark is thin strokes over moving content, while a scene's own
# static parts (testsrc2's blocks, a wall) sit in a band that mostly stays
# (tests/media/test_watermark.py: testsrc2, subtitles, marked clips).
MARK_EDGE_SHARE = 0.01
MOVING_SHARE = 0.6
# The shape that left one corner is looked for in the other (normalised cross-correlation of
# the median pictures): a mark is the same strokes wherever it goes.
SAME_SHAPE = 0.6
SEARCH = (0.5, 0.5)  # the shape is looked for in the corner's quarter, not only its band
# Where the video is cut in two to look for a jump (shares of the samples): a mark moved
# anywhere in the middle half is persistent on both sides of one of them.
JUMP_SPLITS = (0.5, 0.33, 0.67, 0.25, 0.75)
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


@dataclass(frozen=True)
class Watermark:
    """What was found: the corners (per half of the video) and the evidence, in words."""

    corners: tuple[str, ...]
    moved: bool  # in one corner, then another (TikTok's habit)
    evidence: str


def find_watermark(path: Path, duration_s: float, rotation: int = 0) -> Watermark | None:
    """A mark in a corner band: one that leaves a corner part-way and reappears, the same
    shape, in another (TikTok's habit), or one that stays put over the whole video while the
    picture behind it changes. A static scene is never taken for a mark: its edges stay too,
    but nothing moves behind them and nothing jumps."""
    import numpy as np

    greys = _sample(path, duration_s, rotation, np)
    if len(greys) < 6:
        return None
    for split in JUMP_SPLITS:  # the moment of the jump is not known: try a few
        at = round(len(greys) * split)
        jump = _jump(_stats(greys[:at], np), _stats(greys[at:], np), np)
        if jump:
            return Watermark(jump, True, f"a mark that jumps corners part-way ({' then '.join(jump)})")
    whole = _stats(greys, np)
    still = [
        c
        for c in CORNERS
        if _share(whole.staying, c) >= MARK_EDGE_SHARE and _share(whole.moving, c) >= MOVING_SHARE
    ]
    if still:
        return Watermark(
            tuple(still), False, f"a mark that stays put ({', '.join(still)}) while the picture changes"
        )
    return None


@dataclass(frozen=True)
class _Stats:
    median: object  # the temporal median picture
    persists: object  # edge in most frames
    staying: object  # persistent edge whose grey level hardly changes
    moving: object  # grey level that changes a lot


def _stats(greys: list, np) -> _Stats:
    import cv2

    stack = np.stack(greys)
    edges = np.stack([cv2.Canny(g.astype(np.uint8), 60, 160) > 0 for g in greys])
    persists = edges.mean(axis=0) >= EDGE_PERSISTS
    std = stack.std(axis=0)
    moving = std > MOVING_STD
    # A mark's strokes are edges that persist with changing picture right beside them
    # (within a pixel); a static scene's edges have static surroundings.
    near = cv2.dilate(moving.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return _Stats(np.median(stack, axis=0), persists, persists & near, moving)


def _band(shape, corner: str, size: tuple[float, float] = (BAND_W, BAND_H)) -> tuple[slice, slice]:
    h, w = shape
    bw, bh = int(w * size[0]), int(h * size[1])
    rows = slice(0, bh) if corner.startswith("top") else slice(h - bh, h)
    cols = slice(0, bw) if corner.endswith("left") else slice(w - bw, w)
    return rows, cols


def _share(mask, corner: str) -> float:
    return float(mask[_band(mask.shape, corner)].mean())


def _jump(first: _Stats, second: _Stats, np) -> tuple[str, ...]:
    """(from, to) where staying edges leave one corner at mid-video and the same shape
    appears in another; () where none does."""
    import cv2

    # The jump is the evidence here, so any edge that persists on one side only counts,
    # whether or not the picture beside it moves (a mark over a still scene jumps too).
    left = first.persists & ~second.persists
    came = second.persists & ~first.persists
    for a in CORNERS:
        if _share(left, a) < MARK_EDGE_SHARE:
            continue
        ys, xs = np.nonzero(left[_band(left.shape, a)])
        band = first.median[_band(left.shape, a)]
        template = band[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
        if min(template.shape) < 4:
            continue
        for b in CORNERS:
            if b == a or _share(came, b) < MARK_EDGE_SHARE:
                continue
            target = second.median[_band(came.shape, b, SEARCH)].astype(np.float32)
            if template.shape[0] > target.shape[0] or template.shape[1] > target.shape[1]:
                continue
            score = float(cv2.matchTemplate(target, template, cv2.TM_CCOEFF_NORMED).max())
            if score >= SAME_SHAPE:
                return (a, b)
    return ()


def _sample(path: Path, duration_s: float, rotation: int, np) -> list:
    from repost.media.covers import decode_frames

    times = [duration_s * (i + 0.5) / SAMPLES for i in range(SAMPLES)]
    try:
        pictures = decode_frames(path, times, rotation)
    except MediaError:
        return []
    out = []
    for p in pictures:
        k = WIDTH_PX / p.width
        small = p.convert("L").resize((WIDTH_PX, max(8, round(p.height * k))))
        out.append(np.asarray(small, dtype=np.float32))
    return out


def metadata_watermark(post, path: Path) -> str | None:
    """Where the files say so: a yt-dlp info.json naming a watermarked format, or TikTok's
    tags in the MP4 (a 'vid:' comment, which the app writes into the videos it saves)."""
    source = post.source if isinstance(post.source, dict) else {}
    note = source.get("watermark")
    if isinstance(note, str) and note:
        return f"yt-dlp downloaded a watermarked format ({note})"
    import av

    try:
        with av.open(str(path)) as container:
            tags = {k.lower(): str(v) for k, v in container.metadata.items()}
    except (av.FFmpegError, OSError):
        return None
    comment = tags.get("comment", "")
    if comment.startswith("vid:"):
        return f"its MP4 tags are TikTok's (comment {comment[:24]!r})"
    return None


def find_watermarks(post, targets, facts: dict, norms: bool = True) -> dict:
    """{video path: evidence, in words} for the videos of ``post`` bound for a platform that
    penalises another platform's watermark (norms.yaml's watermark rules); each looked at once."""
    from repost.platforms.norms import watermark_rules

    if not norms:
        return {}
    wanted = [
        i.path
        for p in targets
        if watermark_rules(p.id)
        for i in post.for_platform(p.id).media
        if getattr(facts.get(i.path), "kind", None) == "video"
    ]
    found = {}
    for path in dict.fromkeys(wanted):
        f = facts[path]
        mark = find_watermark(path, f.duration_s, f.rotation)
        evidence = [metadata_watermark(post, path), mark.evidence if mark else None]
        if any(evidence):
            found[path] = tuple(e for e in evidence if e)
    return found
