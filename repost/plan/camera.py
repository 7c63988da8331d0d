"""The smart-crop camera path (pure): per shot a still frame or one smooth pan that follows the subject."""

from __future__ import annotations

import itertools

from repost.ops import CameraPath, Shot

# AutoFlip's rule (Google MediaPipe, "autoflip" docs, motion stabilisation): a camera that
# stays put unless the subject moves more than a tenth of the crop's width, then pans in one
# direction only, since a camera hunting back and forth reads as jitter.
STILL_SHARE = 0.1
# The pan's speed limit, in crop widths per second: fast enough to follow a walk across a 16:9
# frame (~a crop width a second at 1080p), slow enough to read as a camera move, not a jump.
MAX_PAN_CROPS_PER_S = 1.5
# A shot is framed smart only where the subject was found in at least this share of its samples;
# else the profile's own fit is kept (a crop guessed around nothing cuts the wrong thing).
MIN_FOUND_SHARE = 0.5
# Keyframes off the straight line by less than this share of the crop's width are dropped
# (Ramer-Douglas-Peucker): the detector's jitter smoothed away, the ffmpeg expression short.
SIMPLIFY_SHARE = 0.02


def plan_camera(track, crop: tuple[int, int], start_s: float = 0.0, length_s: float | None = None):
    """The camera path for ``track`` (a media.subject.SubjectTrack) and a crop of ``crop`` source
    pixels, over ``start_s``..``start_s + length_s``; None where the subject is not confident
    enough in some shot (the caller falls back to the profile's fit)."""
    axis = "x" if crop[0] < track.width else "y"
    span = crop[0] if axis == "x" else crop[1]
    room = (track.width if axis == "x" else track.height) - span
    end = track.duration_s if length_s is None else start_s + length_s
    limit = MAX_PAN_CROPS_PER_S * span
    keys: list[tuple[float, float]] = []
    shots: list[Shot] = []
    bounds = [start_s, *[c for c in track.cuts if start_s < c < end], end]
    for a, b in itertools.pairwise(bounds):
        samples = [s for s in track.samples if a - 1e-6 <= s.t < b]
        found = [s for s in samples if s.box is not None]
        if not samples or len(found) < MIN_FOUND_SHARE * len(samples):
            return None
        found = _usual_group(found)
        times = [s.t - start_s for s in found]
        centres = [_centre(s, axis, span) for s in found]
        targets = [min(room, max(0.0, c - span / 2)) for c in centres]
        motion = "still" if max(centres) - min(centres) < STILL_SHARE * span else "pan"
        if motion == "still":
            pos = _still(targets)
            path = [(a - start_s, pos), (b - start_s, pos)]
        else:
            # 1% under the limit: the keys are rounded to 0.1 px, which must not cross it.
            path = _pan(times, targets, limit * 0.99, a - start_s, b - start_s)
        by = "faces" if sum(s.by == "faces" for s in found) * 2 >= len(found) else "saliency"
        shots.append(Shot(round(a, 3), round(b, 3), motion, by))
        keys += _simplify(path, SIMPLIFY_SHARE * span)
    keys = tuple((round(t, 3), round(p, 1)) for t, p in keys)
    return CameraPath(axis, crop, keys, tuple(shots), limit, track.detector)


def _usual_group(found: list) -> list:
    """The samples with the shot's usual number of faces (the median): one face missed for a
    moment must not swing the window off the other; no face-based samples: all of them."""
    counts = sorted(len(s.faces) for s in found)
    usual = counts[len(counts) // 2]
    kept = [s for s in found if len(s.faces) == usual]
    return kept if len(kept) >= 2 else found


def _centre(sample, axis: str, span: float) -> float:
    """The subject's centre on the axis: all faces together where they fit in the window, else
    the largest (the first)."""
    i = 0 if axis == "x" else 1
    boxes = sample.faces or (sample.box,)
    lo = min(b[i] for b in boxes)
    hi = max(b[i] + b[i + 2] for b in boxes)
    if hi - lo <= span:
        return (lo + hi) / 2
    first = boxes[0]
    return first[i] + first[i + 2] / 2


def _still(targets: list[float]) -> float:
    ordered = sorted(targets)
    return ordered[len(ordered) // 2]


def _pan(times, targets, limit: float, a: float, b: float) -> list[tuple[float, float]]:
    """One direction only (the overall movement's), anticipating the subject (the whole shot
    is known) and never faster than ``limit`` px/s."""
    forward = targets[-1] >= targets[0]
    pos = list(targets)
    # Monotone: the running extreme in the pan's direction (a step back is held instead).
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1]) if forward else min(pos[i], pos[i - 1])
    # Speed limit both ways: backward so the pan starts early enough, forward so it never
    # jumps; both keep the path monotone.
    for i in range(len(pos) - 2, -1, -1):
        gap = limit * (times[i + 1] - times[i])
        pos[i] = max(pos[i], pos[i + 1] - gap) if forward else min(pos[i], pos[i + 1] + gap)
    for i in range(1, len(pos)):
        gap = limit * (times[i] - times[i - 1])
        pos[i] = min(pos[i], pos[i - 1] + gap) if forward else max(pos[i], pos[i - 1] - gap)
    return [(a, pos[0]), *zip(times, pos, strict=True), (b, pos[-1])]


def _simplify(path: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    if len(path) <= 2:
        return path
    (t0, p0), (t1, p1) = path[0], path[-1]
    worst, at = 0.0, 0
    for i, (t, p) in enumerate(path[1:-1], start=1):
        line = p0 + (p1 - p0) * ((t - t0) / (t1 - t0) if t1 > t0 else 0.0)
        if abs(p - line) > worst:
            worst, at = abs(p - line), i
    if worst <= tolerance:
        return [path[0], path[-1]]
    return _simplify(path[: at + 1], tolerance)[:-1] + _simplify(path[at:], tolerance)


def position_at(path: CameraPath, t: float) -> float:
    """The window's position at output time ``t`` (as the ffmpeg expression computes it)."""
    keys = path.keys
    if t <= keys[0][0]:
        return keys[0][1]
    for (ta, pa), (tb, pb) in itertools.pairwise(keys):
        if ta <= t < tb:
            return pa + (pb - pa) * (t - ta) / (tb - ta)
    return keys[-1][1]


def describe_path(path: CameraPath) -> str:
    """The change in words: "... following the faces (2 shots: still, pan)"."""
    by = sorted({s.by for s in path.shots}, key=["faces", "saliency"].index)
    what = " and ".join("the faces" if b == "faces" else "the most salient region" for b in by)
    moves = ", ".join(s.motion for s in path.shots)
    n = len(path.shots)
    return f"following {what} ({n} shot{'s' * (n != 1)}: {moves})"


def path_record(path: CameraPath) -> dict:
    """The path for the manifest: the window, its keyframes and shots."""
    w, h = path.size
    return {
        "fit": "smart",
        "axis": path.axis,
        "window": {"width": w, "height": h},
        "keys": [{"t": t, path.axis: p} for t, p in path.keys],
        "shots": [
            {"start_s": s.start_s, "end_s": s.end_s, "motion": s.motion, "by": s.by} for s in path.shots
        ],
        "limit_px_per_s": round(path.limit_px_per_s, 1),
        "detector": path.detector,
    }
