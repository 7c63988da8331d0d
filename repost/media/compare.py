"""Measuring an output against its source: picture length, pictures compared (SSIM), opening frames."""

from __future__ import annotations

import bisect
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from repost.errors import MediaError
from repost.media.covers import reformatter
from repost.media.images import open_photo

# Pictures are compared in grey (luma carries what the eye sees of structure) and no larger than
# this on their long side: SSIM over a downscaled picture still drops for crops, shifts, black
# or foreign frames, and the check stays cheap on 1080x1920 outputs.
COMPARE_LONG_SIDE_PX = 480
# ...and at three quarters of the resolution both pictures have: the encoder's scaler and ours
# each soften fine detail a little, which at full size costs a 320x240 test pattern scaled to
# 360x270 0.03 SSIM (0.933 against 0.964 at 3/4) though nothing a viewer sees was lost.
COMPARE_SCALE = 0.75
# SSIM (Wang, Bovik, Sheikh, Simoncelli 2004): 8-bit dynamic range, its usual constants, and a
# 7x7 uniform window (scikit-image's default), computed from integral images.
_L, _K1, _K2, _WIN = 255.0, 0.01, 0.03, 7
# Opening frames are judged on small grey copies: a frame is black where 98% of its pixels are
# at most 40 of 255 (ffmpeg blackdetect's defaults, pic_th=0.98 and pix_th=0.10 over limited
# range); a frame is frozen while it differs from the first by at most 1 level on average
# (compression noise of a still picture stays well under that; motion is far above it).
_OPENING_WIDTH = 160
# Without a keyframe index (Matroska, WebM), times closer than this are reached by decoding on
# rather than seeking: a seek lands on the keyframe before, which may be 8 s or more back.
_SEEK_GAP_S = 4.0
# Frames are decoded in full from this far before a time sampled: more than the frames a
# decoder holds in flight (B-frame delay and frame threads), so a change of what it skips takes
# effect before the frames that matter.
_FAR_S = 0.5
_BLACK_LEVEL, _BLACK_SHARE, _FROZEN_DIFF = 40, 0.98, 1.0


@dataclass(frozen=True)
class Opening:
    """How long a video's opening stays black, and stays the same picture (seconds)."""

    black_s: float
    frozen_s: float


def video_length_s(path: str | os.PathLike[str]) -> float:
    """The main video stream's own length (seconds): first frame's start to last frame's end,
    from the packets. Not the container's duration, which a longer audio track or a late first
    frame lengthens, nor the track's, which a variable-rate MP4 can give short (3.8 s for a
    clip whose frames span 4.0 s, measured with ffmpeg 9's muxer)."""
    import av

    try:
        with av.open(os.fspath(path)) as container:
            stream = container.streams.video[0]
            packets = sorted((p.pts, p.duration or 0) for p in container.demux(stream) if p.pts is not None)
            if not packets:
                return float((stream.duration or 0) * (stream.time_base or 0))
            last = packets[-1][1] or (packets[-1][0] - packets[-2][0] if len(packets) > 1 else 0)
            return float((packets[-1][0] - packets[0][0] + last) * stream.time_base)
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise MediaError(f"cannot read the video stream ({exc})", where=path) from exc


def sample_frames(
    path: str | os.PathLike[str], times, rotation: int = 0, *, pick: str = "nearest", snap_s: float = 0.0
) -> list:
    """For each time (seconds from the video stream's start), frames as (own time, upright grey
    picture): ``pick`` "nearest" gives the nearest frame, "at_or_after" the first at or after
    the time (as media/covers.py picks a cover frame), "both" the frames either side of it (a
    re-timed frame is a copy of one of them). ``snap_s``: a time may move to the nearest
    keyframe within that many seconds (decoding that one frame, nothing before it). One pass
    forward, seeking wherever a keyframe lies between the last frame decoded and the next time."""
    import av

    found: dict[int, list] = {}
    try:
        with av.open(os.fspath(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start, base = stream.start_time or 0, stream.time_base
            keys = keyframe_times(stream)
            times = [_snap(t, keys, snap_s) for t in times] if snap_s and keys else list(times)
            decoder, before, after, last = None, None, None, None
            for i in sorted(range(len(times)), key=lambda k: times[k]):
                at = times[i]
                if decoder is None or _worth_seeking(keys, before, at):
                    container.seek(start + int(at / base), stream=stream, backward=True)
                    decoder, before, after, last = container.decode(stream), None, None, None
                if after is not None and after[0] <= at + 1e-3:
                    before, after = after, None
                while after is None:
                    # Far before the time, frames no other frame is predicted from are not
                    # decoded (nothing after them depends on them); near it, every frame is.
                    far = last is not None and last < at - _FAR_S
                    stream.codec_context.skip_frame = "NONREF" if far else "DEFAULT"
                    frame = next(decoder, None)
                    if frame is None:
                        break
                    if frame.pts is None:
                        continue
                    t = last = float((frame.pts - start) * base)
                    if t <= at + 1e-3:
                        before = (t, frame)
                    else:
                        after = (t, frame)
                chosen = _pick([f for f in (before, after) if f is not None], at, pick)
                # Through RGB, so video frames and JPEG covers get the same luma.
                found[i] = [(t, _upright(image_grey(f.to_image()), rotation)) for t, f in chosen]
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise MediaError(f"cannot decode frames to compare ({exc})", where=path) from exc
    return [found.get(i, []) for i in range(len(times))]


def same_pictures(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two files' main video streams carry the same coded pictures, packet for packet
    (a stream copy): their pictures are then the same without decoding either. Read, not
    decoded: a few hundredths of a second for a phone clip."""
    import av

    try:
        with av.open(os.fspath(a)) as one, av.open(os.fspath(b)) as two:
            sa, sb = one.streams.video[0], two.streams.video[0]
            ca, cb = sa.codec_context, sb.codec_context
            if (ca.name, ca.width, ca.height, ca.extradata) != (cb.name, cb.width, cb.height, cb.extradata):
                return False
            for pa, pb in itertools.zip_longest(one.demux(sa), two.demux(sb)):
                if pa is None or pb is None or pa.size != pb.size or bytes(pa) != bytes(pb):
                    return False
    except (av.FFmpegError, OSError, IndexError):
        return False
    return True


def keyframe_times(stream) -> list[float] | None:
    """When the keyframes the index lists are (seconds from the stream's start; MP4/MOV index
    every sample), or None where the container has no such index."""
    entries = getattr(stream, "index_entries", None)  # PyAV 15+
    if not entries or not stream.time_base:
        return None
    # The index holds decoding times: a stream with B-frames shows each frame a fixed delay
    # later, and its first (a keyframe) at the stream's start.
    first, base = entries[0].timestamp, stream.time_base
    keys = sorted(float((e.timestamp - first) * base) for e in entries if e.is_keyframe and not e.is_discard)
    return keys or None


def keyframes_of(path: str | os.PathLike[str]) -> list[float] | None:
    """``keyframe_times`` of the file's main video stream (None where unknown or unreadable)."""
    import av

    try:
        with av.open(os.fspath(path)) as container:
            return keyframe_times(container.streams.video[0])
    except (av.FFmpegError, OSError, IndexError):
        return None


def _snap(at: float, keys: list[float], within: float) -> float:
    near = min(keys, key=lambda k: abs(k - at))
    return near if abs(near - at) <= within else at


def snap_to_keyframes(times, keys: list[float] | None, within: float) -> tuple[list[float], list[bool]]:
    """Each time moved to the nearest of ``keys`` within ``within`` seconds; and which moved."""
    moved = [_snap(t, keys, within) if keys else t for t in times]
    return moved, [m != t for m, t in zip(moved, times, strict=True)]


def _worth_seeking(keys: list[float] | None, before, at: float) -> bool:
    """Seek rather than decode on: where a keyframe lies after the last frame decoded and at or
    before ``at`` (decoding from it is less work); without an index, across a long gap."""
    if before is None:
        return False
    if keys is None:
        return at - before[0] > _SEEK_GAP_S
    i = bisect.bisect_right(keys, at + 1e-3) - 1
    return i >= 0 and keys[i] > before[0] + 1e-3


def _pick(frames: list, at: float, pick: str) -> list:
    if pick == "both" or not frames:
        return frames
    if pick == "at_or_after":
        return [next((f for f in frames if f[0] >= at - 1e-3), frames[-1])]
    return [min(frames, key=lambda f: abs(f[0] - at))]


def _upright(grey, rotation: int):
    import numpy as np

    # The display matrix turns the picture counter-clockwise, as np.rot90 does for k > 0.
    return np.rot90(grey, k=(rotation // 90) % 4) if rotation else grey


def image_grey(picture):
    """A PIL picture as a grey numpy array (ITU-R 601 luma, as Pillow's "L")."""
    import numpy as np

    return np.asarray(picture.convert("L"))


def region(grey, box, size: tuple[int, int]):
    """The ``box`` (left, top, width, height) of a grey picture, resized to ``size``."""
    import numpy as np
    from PIL import Image

    x, y, w, h = (int(v) for v in box)
    part = Image.fromarray(np.ascontiguousarray(grey[y : y + h, x : x + w]))
    return np.asarray(part.resize(size, Image.Resampling.BILINEAR), dtype=np.float64)


def compare_size(content_box, source_box) -> tuple[int, int]:
    """The size an output's ``content_box`` and the ``source_box`` it was made from are compared
    at: the content box's shape at COMPARE_SCALE of the pixels both have (an upscale adds no
    detail to compare), and at most COMPARE_LONG_SIDE_PX on its long side."""
    _, _, w, h = content_box
    own = min(1.0, max(source_box[2] / max(w, 1), source_box[3] / max(h, 1)))
    k = min(COMPARE_SCALE * own, COMPARE_LONG_SIDE_PX / max(w, h, 1))
    return max(_WIN, round(w * k)), max(_WIN, round(h * k))


def ssim(a, b) -> float:
    """Mean structural similarity of two same-sized grey pictures (1.0: identical)."""
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    c1, c2 = (_K1 * _L) ** 2, (_K2 * _L) ** 2
    mu_a, mu_b = _box_mean(a), _box_mean(b)
    var_a = _box_mean(a * a) - mu_a**2
    var_b = _box_mean(b * b) - mu_b**2
    cov = _box_mean(a * b) - mu_a * mu_b
    n = _WIN * _WIN
    var_a, var_b, cov = (v * n / (n - 1) for v in (var_a, var_b, cov))  # sample (co)variances
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def _box_mean(x):
    """The mean over every full _WIN x _WIN window (valid positions only), by integral image."""
    import numpy as np

    s = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    w = _WIN
    total = s[w:, w:] - s[:-w, w:] - s[w:, :-w] + s[:-w, :-w]
    return total / (w * w)


def measure_opening(path: str | os.PathLike[str], start_s: float = 0.0, seconds: float = 2.0) -> Opening:
    """How long the picture stays black, and unchanged, from ``start_s`` (seconds from the video
    stream's start) over at most ``seconds``."""
    import av
    import numpy as np

    black_end = frozen_end = None
    first = None
    t = start_s
    try:
        with av.open(os.fspath(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            begin, base = stream.start_time or 0, stream.time_base
            if start_s:
                container.seek(begin + int(start_s / base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float((frame.pts - begin) * base)
                if t < start_s - 1e-3:
                    continue
                if t > start_s + seconds:
                    break
                height = max(2, round(frame.height * _OPENING_WIDTH / max(frame.width, 1)))
                small = reformatter("opening").reformat(
                    frame, width=_OPENING_WIDTH, height=height, format="gray", threads=1
                )
                grey = small.to_ndarray().astype(np.int16)
                first = grey if first is None else first
                if black_end is None and np.mean(grey <= _BLACK_LEVEL) < _BLACK_SHARE:
                    black_end = t
                if frozen_end is None and np.mean(np.abs(grey - first)) > _FROZEN_DIFF:
                    frozen_end = t
                if black_end is not None and frozen_end is not None:
                    break
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise MediaError(f"cannot decode the opening frames ({exc})", where=path) from exc
    end = t  # never left black (or unchanged): all of the opening that was read
    return Opening(
        round((end if black_end is None else black_end) - start_s, 3),
        round((end if frozen_end is None else frozen_end) - start_s, 3),
    )


def open_image_grey(path: Path):
    """A picture file, upright and in sRGB as repost reads photos, in grey."""
    return image_grey(open_photo(path).image)
