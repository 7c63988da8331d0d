"""One decode of a video for every analysis that looks at its pictures: the watermark scan's small
grey samples, the frames tesseract reads, and the automatic cover's candidates. Each of them used
to decode the source on its own (three decodes of most of a one-keyframe clip); they now share a
pass (benchmarks/bench_copy_limit.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from repost.media.covers import (
    keyframe_pick,
    keyframe_pts,
    keyframe_tries,
    picture_of,
    score_grey,
    small_score_grey,
)
from repost.media.ffmpeg import OPEN_OPTIONS


@dataclass
class Sampled:
    """What one pass found. ``cover`` is (upright picture, its time in seconds from the video
    stream's start) of the automatic cover pick, exactly as media/covers.py would choose and
    decode it; None where the pass did not decide it (covers.py then decodes for itself)."""

    greys: list = field(default_factory=list)  # the small grey samples, in time order
    pictures: list = field(default_factory=list)  # upright RGB pictures (PIL) at the reading times
    cover: tuple | None = None
    ruled_out: bool = False  # ``Wanted.rule_out`` said so: greys and pictures stop short


@dataclass(frozen=True)
class Wanted:
    """What to take from the pass: ``grey`` makes a small grey sample of a frame; times in seconds.
    ``rule_out`` True, asked with the greys taken so far at each count in ``rule_out_at``:
    nothing the greys and pictures are for can be there, so no more of them are taken (the
    pass goes on only as far as the cover needs)."""

    grey: Callable | None = None
    grey_times: Sequence[float] = ()
    picture_times: Sequence[float] = ()
    cover_times: Sequence[float] = ()
    rotation: int = 0
    rule_out: Callable[[list], bool] | None = None
    rule_out_at: Sequence[int] = ()


def sample_video(path: Path, wanted: Wanted) -> Sampled:
    """Decode ``path`` once for what ``wanted`` asks. Where the index has a distinct keyframe for
    every grey sample (a phone clip of a minute or more), keyframes alone; else one pass forward
    decoding only the frames others are predicted from (a third of an x264 clip is skipped). The
    cover must be exactly the frame a full decode gives: where it is picked among keyframes
    (covers.keyframe_pick, a few of them decoded on their own), the pass after it skips the
    deblocking filter (its small grey samples and tesseract's white ink do not need it: a third
    less decoding on 720x1280 H.264); else the pass decodes fully, and picks the cover too."""
    import av

    with av.open(str(path), options=OPEN_OPTIONS) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        keys = _keyframes(stream)
        out = _at_keyframes(container, stream, keys, wanted) if keys else None
    if out is not None:
        return out
    cover = _keyframe_cover(path, wanted) if wanted.cover_times and keys else None
    with av.open(str(path), options=OPEN_OPTIONS) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        out = _forward(container, stream, replace(wanted, cover_times=()) if cover else wanted)
    out.cover = cover or out.cover
    return out


def _keyframe_cover(path: Path, wanted: Wanted) -> tuple | None:
    """The automatic cover as covers.py picks it among keyframes (the same call, on a container
    of its own); None where it picks by decoding every candidate instead."""
    import av

    with av.open(str(path), options=OPEN_OPTIONS) as container:
        stream = container.streams.video[0]
        frame = keyframe_pick(container, stream, sorted(wanted.cover_times))
        return _cover(frame, stream, wanted.rotation) if frame is not None else None


def _keyframes(stream) -> list[tuple[float, int, int]] | None:
    """(time from the first entry s, decoding time, packet size) of each keyframe in the index,
    in order; None without an index (PyAV 15+, MP4/MOV)."""
    entries = getattr(stream, "index_entries", None)
    if not entries or not stream.time_base:
        return None
    first, base = entries[0].timestamp, float(stream.time_base)
    return [
        ((e.timestamp - first) * base, e.timestamp, e.size)
        for e in entries
        if e.is_keyframe and not e.is_discard
    ]


def _nearest(keys, times) -> list[int]:
    return [min(range(len(keys)), key=lambda k, t=t: abs(keys[k][0] - t)) for t in times]


def _cover_keys(container, stream, keys, times) -> dict[int, int]:
    """{presentation time: position} of the keyframes covers.keyframe_pick tries, in its order;
    {} where it would not pick from keyframes."""
    tries = keyframe_tries(stream, [(ts, size) for _, ts, size in keys or []], times) if times else []
    shown = keyframe_pts(container, stream, max(tries) + 1) if tries else []
    return {shown[k]: k for k in tries} if len(shown) > max(tries, default=-1) else {}


def _at_keyframes(container, stream, keys, wanted: Wanted) -> Sampled | None:
    """Everything from keyframes alone, or None where the greys need frames between them."""
    greys = _nearest(keys, wanted.grey_times)
    if len(set(greys)) < len(greys):
        return None
    pictures = _nearest(keys, wanted.picture_times)
    tries = _cover_keys(container, stream, keys, wanted.cover_times)
    need = {*greys, *pictures, *tries.values()}
    found: dict[int, object] = {}
    stream.codec_context.skip_frame = "NONKEY"  # nothing between keyframes is decoded
    for k, frame in enumerate(container.decode(stream)):
        if k in need:
            found[k] = frame
        if len(found) == len(need):
            break
    if len(found) < len(need):
        return None
    out = Sampled([wanted.grey(found[k]) for k in greys])
    # (The last check rules out the most: what an earlier one rules out, it does too.)
    last = max(wanted.rule_out_at, default=0)
    out.ruled_out = wanted.rule_out is not None and last > 0 and wanted.rule_out(out.greys[:last])
    out.pictures = [] if out.ruled_out else [_upright(found[k], wanted.rotation) for k in pictures]
    # The k-th keyframe decoded is the k-th listed (as the greys assume); the cover checks it
    # by presentation time too, as a wrong frame would be a wrong cover.
    if all(found[k].pts == pts for pts, k in tries.items()):
        best = _first_scoring([found[k] for k in tries.values()])
        out.cover = _cover(best, stream, wanted.rotation) if best is not None else None
    return out


def _forward(container, stream, wanted: Wanted) -> Sampled:
    """One pass from the start: the first decoded frame at or after each time (a frame none is
    predicted from is skipped, so a sample may come a few hundredths of a second later; the
    cover's candidates are the same frames as covers.py's own reference-frame pass, which it
    makes where its pick among keyframes finds none)."""
    stream.codec_context.skip_frame = "NONREF"
    if not wanted.cover_times:
        # No cover from this pass: nor is the deblocking filter run (block edges do not show
        # in 256-pixel grey samples, nor move white strokes across WHITE; together a third
        # less decoding, on 720x1280 H.264).
        stream.codec_context.options = {"skip_loop_filter": "all"}
    pick = _BestPick(sorted(wanted.cover_times))
    base, start = float(stream.time_base), stream.start_time or 0
    greys, pictures = _Taken(wanted.grey_times), _Taken(wanted.picture_times)
    out, checks = Sampled(), list(wanted.rule_out_at if wanted.rule_out else ())
    for frame in container.decode(stream):
        if frame.pts is None:
            continue
        t = (frame.pts - start) * base
        out.greys += greys.take(t, frame, wanted.grey)
        # The rest of the greys and pictures may be for nothing: asked at each check.
        if checks and len(out.greys) >= checks[0] and wanted.rule_out(out.greys[: checks.pop(0)]):
            out.ruled_out, out.pictures, checks = True, [], []
            greys.i, pictures.i = len(greys.times), len(pictures.times)
        out.pictures += pictures.take(t, frame, lambda f: _upright(f, wanted.rotation))
        pick.see(t, frame)
        if greys.done and pictures.done and pick.done:
            break
    chosen = pick.chosen()
    out.cover = _cover(chosen, stream, wanted.rotation) if chosen is not None else None
    return out


class _Taken:
    """Which of ``times`` a frame at ``t`` is the first at or after (close times: one frame)."""

    def __init__(self, times: Sequence[float]) -> None:
        self.times, self.i = list(times), 0

    @property
    def done(self) -> bool:
        return self.i >= len(self.times)

    def take(self, t: float, frame, make) -> list:
        made, out = None, []
        while self.i < len(self.times) and t >= self.times[self.i] - 1e-3:
            made = make(frame) if made is None else made
            out.append(made)
            self.i += 1
        return out


class _BestPick:
    """covers.py's full pick: the first frame at or after each candidate time, the best-scoring
    one kept (the earliest on a tie)."""

    def __init__(self, times: list[float]) -> None:
        self.times, self.best, self.score = _Taken(times), None, -1.0

    @property
    def done(self) -> bool:
        return self.times.done

    def see(self, t: float, frame) -> None:
        if self.times.take(t, frame, lambda f: f):
            score = score_grey(small_score_grey(frame))
            if score > self.score:
                self.best, self.score = frame, score

    def chosen(self):
        return self.best


def _first_scoring(frames):
    return next((f for f in frames if score_grey(small_score_grey(f)) > 0), None)


def _upright(frame, rotation: int):
    picture = picture_of(frame)  # the pixels of to_image(), for a tenth of its CPU
    # The display matrix turns the picture counter-clockwise (as ffmpeg's -display_rotation).
    return picture.rotate(rotation, expand=True) if rotation else picture


def _cover(frame, stream, rotation: int) -> tuple:
    start = stream.start_time or 0
    when = round(float((frame.pts - start) * stream.time_base), 6) if frame.pts is not None else None
    return _upright(frame, rotation), when
