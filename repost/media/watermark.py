"""Another platform's watermark in a video: a mark that stays put in a corner, or jumps corners part-way."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from repost.media.corner_ink import band as _band
from repost.media.corner_ink import edge_maps, ink_corners
from repost.media.covers import reformatter, remember_pick
from repost.media.ffmpeg import OPEN_OPTIONS
from repost.media.ocr import CORNERS, ocr_watermark, reading_times, remembered_ocr
from repost.media.remembered import checked_text, file_key, known, recall
from repost.media.sampling import Sampled, Wanted, sample_video

# Frames sampled across the video (evenly), small and grey: a mark persists over all of them.
SAMPLES = 24
WIDTH_PX = 256
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
# Every mark judge_samples finds persists through a stretch that starts with the video: up to a
# split (the corner a jumping mark leaves) or the whole of it (one that stays put). So after each
# CHECKS samples it is known whether any corner band can still hold one; where none can, the
# rest of the video need not be decoded, nor read by tesseract: nothing can be found.
OPENING = round(SAMPLES * min(JUMP_SPLITS))
CHECKS = tuple(range(OPENING, SAMPLES, OPENING))

NOTE_MAX = 80  # characters of a format's name quoted in a warning


@dataclass(frozen=True)
class Watermark:
    """What was found: the corners (per half of the video) and the evidence, in words."""

    corners: tuple[str, ...]
    moved: bool  # in one corner, then another (TikTok's habit)
    evidence: str


def find_watermark(path: Path, duration_s: float, rotation: int = 0) -> Watermark | None:
    """A mark in a corner band of the video at ``path`` (see ``judge_samples``)."""
    return judge_samples(sample_greys(path, duration_s, rotation))


def picture_evidence(path: Path, duration_s: float, rotation: int = 0) -> list[str]:
    """What the picture of the video at ``path`` shows of a mark, in words: the scan's finding
    and tesseract's (where installed, on the corners that could hold one), from one decode, as
    export looks (validate's check of a bundle's videos)."""
    look = _Look(SimpleNamespace(path=path, duration_s=duration_s, rotation=rotation), ())
    mark = judge_samples(look.greys())
    read = ocr_watermark(path, duration_s, rotation, look.pictures, look.ink_corners)
    return [e for e in (mark and mark.evidence, read) if e]


def judge_samples(greys: list) -> Watermark | None:
    """A mark in a corner band of the samples: one that leaves a corner part-way and reappears,
    the same shape, in another (TikTok's habit), or one that stays put over the whole video
    while the picture behind it changes. A static scene is never taken for a mark: its edges
    stay too, but nothing moves behind them and nothing jumps."""
    import numpy as np

    if len(greys) < 6:
        return None
    frames, count = _Frames(greys, np), len(greys)
    for split in JUMP_SPLITS:  # the moment of the jump is not known: try a few
        at = round(count * split)
        jump = _jump(frames.stats(0, at, np), frames.stats(at, count, np), np)
        if jump:
            return Watermark(jump, True, f"a mark that jumps corners part-way ({' then '.join(jump)})")
    whole = frames.stats(0, count, np)
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


class _Frames:
    """The sampled frames, with their sums up to each split (and the end): the statistics of
    the stretches judged (the halves around each split tried, and the whole) come from two
    subtractions instead of going over the frames again. Each frame's edges are found once."""

    def __init__(self, greys: list, np) -> None:

        self.stack = np.stack(greys)  # uint8, (samples, height, width)
        ends = {round(len(greys) * s) for s in JUMP_SPLITS} | {len(greys)}
        self.edges = _prefix_sums(edge_maps(greys), ends, np)
        # Whole numbers, summed exactly in 32 bits (24 samples of 255 squared is under 2 million):
        # the same figures as in floating point, in half the memory and time.
        self.sums = _prefix_sums(self.stack, ends, np)
        self.squares = _prefix_sums(self.stack, ends, np, squared=True)

    def stats(self, start: int, end: int, np) -> _Stats:
        import cv2

        n = end - start
        persists = (self.edges[end] - self.edges[start]) >= EDGE_PERSISTS * n
        mean = (self.sums[end] - self.sums[start]) / n
        var = (self.squares[end] - self.squares[start]) / n - mean * mean
        moving = var > MOVING_STD * MOVING_STD  # the grey level's deviation over the stretch
        # A mark's strokes are edges that persist with changing picture right beside them
        # (within a pixel); a static scene's edges have static surroundings.
        near = cv2.dilate(moving.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        return _Stats(self.stack[start:end], persists, persists & near, moving)


def _prefix_sums(frames, ends, np, squared: bool = False) -> dict:
    """{n: the sum of frames[:n] (squared first)} for 0 and each of ``ends``, in 32 bits, chunk by
    chunk between them: each frame is added once (a running sum over every frame costs twice)."""
    out, total, last = {0: 0}, 0, 0
    for end in sorted(set(ends) - {0}):
        chunk = frames[last:end]
        if squared:
            chunk = chunk.astype(np.int32)
            chunk = chunk * chunk
        total = total + chunk.sum(axis=0, dtype=np.int32)
        out[end], last = total, end
    return out


@dataclass(frozen=True)
class _Stats:
    frames: object  # the stretch's grey frames (the temporal median is taken where needed)
    persists: object  # edge in most frames
    staying: object  # persistent edge whose grey level hardly changes
    moving: object  # grey level that changes a lot

    def median(self, rows: slice, cols: slice, np):
        """The temporal median picture of one region (only the regions compared need it)."""
        return np.median(self.frames[:, rows, cols], axis=0)


def _needed(n: int) -> int:
    """How many of ``n`` frames an edge is in to persist (as _Frames.stats decides it)."""
    return next(k for k in range(n + 1) if k >= EDGE_PERSISTS * n)


def no_mark_possible(greys: list) -> bool:
    """Whether the first samples (of SAMPLES) already rule out every mark judge_samples could
    find: an edge persists through a stretch of L samples from the start where it is in at least
    _needed(L) of them, so after n samples it still may where it is in at least _needed(L)
    minus the L - n not seen yet; where such edges cover under MARK_EDGE_SHARE of every corner
    band for every stretch, nothing can be found. Exact, not a guess: where it says so, the
    judgement of all the samples finds nothing (tests/media/test_watermark.py). (A stream that
    ends before its last sample time gives fewer samples, and shorter stretches, than assumed.)"""
    import numpy as np

    if not greys:
        return False
    lengths = {round(SAMPLES * s) for s in JUMP_SPLITS} | {SAMPLES}
    edges = _prefix_sums(edge_maps(greys), {min(len(greys), n) for n in lengths}, np)
    possible = np.zeros(greys[0].shape, bool)
    for length in lengths:
        seen = min(len(greys), length)
        possible |= edges[seen] >= _needed(length) - (length - seen)
    return all(_share(possible, c) < MARK_EDGE_SHARE for c in CORNERS)


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
        rows, cols = _band(left.shape, a)
        ys, xs = np.nonzero(left[rows, cols])
        box = (slice(rows.start + ys.min(), rows.start + ys.max() + 1),
               slice(cols.start + xs.min(), cols.start + xs.max() + 1))  # fmt: skip
        template = first.median(*box, np).astype(np.float32)
        if min(template.shape) < 4:
            continue
        for b in CORNERS:
            if b == a or _share(came, b) < MARK_EDGE_SHARE:
                continue
            target = second.median(*_band(came.shape, b, SEARCH), np).astype(np.float32)
            if template.shape[0] > target.shape[0] or template.shape[1] > target.shape[1]:
                continue
            score = float(cv2.matchTemplate(target, template, cv2.TM_CCOEFF_NORMED).max())
            if score >= SAME_SHAPE:
                return (a, b)
    return ()


def sample_times(duration_s: float) -> list[float]:
    """When the SAMPLES grey frames are taken: spread evenly over the video."""
    return [duration_s * (i + 0.5) / SAMPLES for i in range(SAMPLES)]


def grey_maker(rotation: int):
    """The function making a sample of a decoded frame (small, grey, upright)."""
    import numpy as np

    return functools.partial(_small_grey, rotation=rotation, np=np)


def sample_greys(path: Path, duration_s: float, rotation: int = 0) -> list:
    """SAMPLES small grey frames spread evenly over the video (uint8, upright, WIDTH_PX wide);
    [] for a video that cannot be decoded (probing and the encode say what is wrong with it)."""
    import av

    wanted = Wanted(grey_maker(rotation), sample_times(duration_s), rotation=rotation,
                    rule_out=no_mark_possible, rule_out_at=CHECKS)  # fmt: skip
    try:
        sampled = sample_video(path, wanted)
    except (av.FFmpegError, OSError, IndexError):
        return []
    return [] if sampled.ruled_out else sampled.greys


def _small_grey(frame, rotation: int, np):
    # Scaled and turned grey by swscale: no full-size RGB picture is made.
    turned = rotation in (90, 270)
    k = WIDTH_PX / (frame.height if turned else frame.width)
    width, height = max(8, round(frame.width * k)), max(8, round(frame.height * k))
    small = reformatter("sample").reformat(frame, width=width, height=height, format="gray", threads=1)
    grey = small.to_ndarray()
    # The display matrix turns the picture counter-clockwise, as np.rot90 does for k > 0.
    return np.ascontiguousarray(np.rot90(grey, k=rotation // 90)) if rotation else grey


def _remembered_scan(path: Path, duration_s: float, rotation: int, scan: bool, greys) -> Watermark | None:
    """The scan's finding, kept between runs (media/remembered.py): an up-to-date re-run decodes
    nothing again. ``scan`` False (a dry run): only what an earlier run found. ``greys()``
    gives the samples (from the pass shared with the other analyses)."""
    key = ("watermark", *file_key(path), duration_s, rotation, SAMPLES)
    if not scan:
        return known(key, _mark_from)
    return recall(key, lambda: judge_samples(greys()), _mark_data, _mark_from)


def _mark_data(mark: Watermark | None) -> dict | None:
    if mark is None:
        return None
    return {"corners": list(mark.corners), "moved": mark.moved, "evidence": mark.evidence}


def _mark_from(data: dict | None) -> Watermark | None:
    if data is None:
        return None
    corners = tuple(data["corners"])
    if not corners or not set(corners) <= set(CORNERS) or not isinstance(data["moved"], bool):
        raise ValueError("not a watermark record")
    return Watermark(corners, data["moved"], checked_text(data["evidence"]))


def metadata_watermark(post, path: Path) -> str | None:
    """Where the files say so: a yt-dlp info.json naming a watermarked format, or TikTok's
    tags in the MP4 (a 'vid:' comment, which the app writes into the videos it saves)."""
    source = post.source if isinstance(post.source, dict) else {}
    note = source.get("watermark")
    if isinstance(note, str) and note:
        # From an info.json or a post.yaml (up to 64 MB): a format's name is a few words, and
        # the warning goes into every bundle's manifest and onto the terminal.
        note = "".join(c if c.isprintable() else " " for c in note[: NOTE_MAX + 1])
        note = note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…"
        return f"yt-dlp downloaded a watermarked format ({note})"
    import av

    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            tags = {k.lower(): str(v) for k, v in container.metadata.items()}
    except (av.FFmpegError, OSError):
        return None
    comment = tags.get("comment", "")
    if comment.startswith("vid:"):
        return f"its MP4 tags are TikTok's (comment {comment[:24]!r})"
    return None


def find_watermarks(post, targets, facts: dict, norms: bool = True, *, scan: bool = True, covers=None):
    """{video path: evidence, in words} for the videos of ``post`` bound for ``targets``, the
    platforms that penalise another platform's watermark (norms.yaml's watermark rules: the
    caller picks them, media/ reads no norms); each video looked at once.
    ``scan`` False (a dry run: the plan's steps do not depend on it): the files' tags, and what
    an earlier run's scan of the pictures found, but no decoding. ``covers`` ({path: candidate
    times}): the automatic cover picks the same decode makes, so the cover decodes nothing."""
    if not norms:
        return {}
    wanted = [
        i.path
        for p in targets
        for i in post.for_platform(p.id).media
        if getattr(facts.get(i.path), "kind", None) == "video"
    ]
    found = {}
    for path in dict.fromkeys(wanted):
        f = facts[path]
        look = _Look(f, (covers or {}).get(path, ()))  # decoded at the first question, once
        mark = _remembered_scan(path, f.duration_s, f.rotation, scan, look.greys)
        # Where tesseract is installed; only the corners that could hold a mark's words.
        read = remembered_ocr(path, f.duration_s, f.rotation, scan, look.pictures, look.ink_corners)
        evidence = [metadata_watermark(post, path), mark.evidence if mark else None, read]
        if any(evidence):
            found[path] = tuple(e for e in evidence if e)
    return found


class _Look:
    """One decode of a video (media/sampling.py), made when the first analysis asks and shared
    by the others: the scan's samples, the frames tesseract reads, the automatic cover."""

    def __init__(self, facts, cover_times) -> None:
        self.facts, self.cover_times, self.sampled = facts, tuple(cover_times), None

    def _sample(self) -> Sampled:
        import av

        if self.sampled is not None:
            return self.sampled
        f = self.facts
        wanted = Wanted(grey_maker(f.rotation), sample_times(f.duration_s), reading_times(f.duration_s),
                        self.cover_times, f.rotation, no_mark_possible, CHECKS)  # fmt: skip
        try:
            self.sampled = sample_video(f.path, wanted)
        except (av.FFmpegError, OSError, IndexError):
            self.sampled = Sampled()  # unreadable: probing and the encode say what is wrong
        if self.sampled.cover is not None:
            remember_pick(f.path, self.cover_times, f.rotation, *self.sampled.cover)
        return self.sampled

    def greys(self) -> list:
        # Ruled out by its opening: no mark can be found, and none is looked for.
        sampled = self._sample()
        return [] if sampled.ruled_out else sampled.greys

    def ink_corners(self, frames: list) -> list[tuple[str, ...]]:
        return ink_corners(self.greys(), frames)

    def pictures(self) -> list:
        """The frames tesseract reads: none where the opening rules out every mark (a mark is
        in its corner from the start: the scan and tesseract look for the same thing)."""
        sampled = self._sample()
        return [] if sampled.ruled_out else sampled.pictures
