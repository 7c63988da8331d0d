"""Making cover.jpg: from an image or a video frame (the best of a few, when automatic), fitted to
the platform's cover shape, with optional text."""

from __future__ import annotations

import bisect
import functools
import re
import threading
from pathlib import Path

from repost.errors import MediaError
from repost.media.ffmpeg import OPEN_OPTIONS
from repost.media.images import encode_jpeg, open_photo, render_photo
from repost.ops import PhotoOp
from repost.platforms.model import aspect_value

# A frame whose mean luma is outside this range is black or blown out; below this standard
# deviation it is flat (a title card's plain fill, the middle of a fade to black).
_DARKEST, _BRIGHTEST, _FLATTEST = 24.0, 235.0, 10.0
_SEEK_GAP_S = 4.0  # candidates closer than this are reached by decoding on, not seeking
KEYFRAME_TRIES = 3  # keyframes decoded at most before the full pick takes over
_SCORE_WIDTH = 256  # frames are scored on a small grey copy: fast, and noise matters less
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")


def make_cover(step, dest: Path) -> None:
    """Carry out a ``cover`` step (a CoverOp): the picture fitted as the plan fitted it at its
    probed size (render_photo scales the box to a picture decoded at another)."""
    op = step.op
    if op.kind == "image":
        picture, scaled = open_photo(step.source).image, None
    else:
        picture = decode_frames(step.source, op.times, op.rotation, best=op.kind == "auto")[0]
        scaled = _scaled_for(step.source, op)
    fitted = render_photo(picture, op.photo, scaled)
    if op.text and op.font:
        fitted = draw_text(fitted, op.text, op.font, op.safe_aspect)
    whole = PhotoOp(fitted.size, (0, 0, *fitted.size), (0, 0, *fitted.size))
    # A cover is a few hundred kB beside a video of megabytes, and the platform re-encodes it:
    # the Huffman pass would double the time to encode it to save a few percent of its bytes.
    dest.write_bytes(encode_jpeg(fitted, whole, optimize=False))


# The frame of a source scaled for one cover, kept for the next platform's cover of another
# shape that places the same scaled picture (render_photo's memo): a 1080p Lanczos scaling
# each. Keyed like the decoded frames; the current post's sources only.
_scaled: dict[tuple, dict] = {}
_SCALED_MAX = 2


def _scaled_for(path: Path, op) -> dict | None:
    try:
        key = _frames_key(path, op.times, op.rotation, op.kind == "auto")
    except OSError:
        return None
    with _chosen_lock:
        memo = _scaled.pop(key, None) or {}
        _scaled[key] = memo  # the most recent last
        _keep_last(_scaled, _SCALED_MAX)
    return memo


def _frames_key(path: Path, times, rotation: int, best: bool) -> tuple:
    """What the frames decode_frames gives for these arguments depend on: the file as it is now
    (its modification time and size), the times, the rotation and the pick. OSError where the
    file cannot be read."""
    stat = Path(path).stat()
    return (str(path), stat.st_mtime_ns, stat.st_size, tuple(times), rotation, best)


def _keep_last(memo: dict, most: int) -> None:
    """Drop the oldest entries of ``memo`` (insertion order) beyond ``most``; under _chosen_lock."""
    while len(memo) > most:
        memo.pop(next(iter(memo)))


def decode_frames(path: Path, times, rotation: int = 0, *, best: bool = False) -> list:
    """The first frame at or after each time, as upright RGB pictures (PyAV); with ``best``
    only the best-scoring one."""
    # Every platform of a post asks for the same candidates of the same source (only the cover's
    # shape differs): decoding them once, not once per platform, saves a decode of most of the
    # clip per extra platform (about 4 s of CPU for 12 s of 1080p, benchmarks/bench_export.py).
    # The copies keep a caller that draws on a picture from changing the remembered one.
    try:
        key = _frames_key(path, times, rotation, best)
    except OSError as exc:
        raise MediaError(f"cannot decode a cover frame ({exc})", where=path) from exc
    with _chosen_lock:
        picked = _picked.get(key)
    pictures, when = picked if picked is not None else _decode_frames_once(key)
    with _chosen_lock:
        _chosen[key] = when[0] if when else None
        _keep_last(_chosen, _CHOSEN_MAX)
    return [p.copy() for p in pictures]


# The time of the frame each automatic pick chose (seconds from the video stream's start), for
# the manifest: `validate --against-source` compares the cover with that one frame, no search.
_chosen: dict[tuple, float | None] = {}
_CHOSEN_MAX = 256
_chosen_lock = threading.Lock()


# Automatic picks made by the analysis pass that decodes a source for its watermark scan too
# (media/sampling.py): the cover is then made without decoding the source again. A few posts'
# (export plans every post before writing any; each picture is a frame at full size).
_picked: dict[tuple, tuple] = {}
_PICKED_MAX = 8


def remember_pick(path: Path, times, rotation: int, picture, when: float | None) -> None:
    """The automatic pick at ``times`` of ``path`` is ``picture`` (upright), shown at ``when``
    s: what ``decode_frames(path, times, rotation, best=True)`` would decode, so it does not."""
    try:
        key = _frames_key(path, times, rotation, True)
    except OSError:
        return
    with _chosen_lock:
        _picked[key] = ((picture,), (when,))
        _keep_last(_picked, _PICKED_MAX)


def chosen_time(path: Path, times, rotation: int = 0) -> float | None:
    """When the frame of the last automatic cover made from ``path`` at ``times`` is (seconds
    from the video stream's start), or None where none was made in this process."""
    try:
        key = _frames_key(path, times, rotation, True)
    except OSError:
        return None
    with _chosen_lock:
        return _chosen.get(key)


@functools.lru_cache(maxsize=2)  # the current post's source; bundles are made post by post
def _decode_frames_once(key) -> tuple:
    path, _mtime, _size, times, rotation, best = key
    return _decode_frames(Path(path), times, rotation, best=best)


def _decode_frames(path: Path, times, rotation: int = 0, *, best: bool = False) -> tuple[tuple, tuple]:
    """(pictures, their times in seconds from the stream's start)."""
    import av

    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            stream = container.streams.video[0]
            frames = [f for f in [keyframe_pick(container, stream, sorted(times))] if f] if best else []
            if not frames and not stream.codec_context.is_open:
                # Many frames to decode: threads shorten the wait. One keyframe is cheaper
                # without (a frame-threaded decoder sets up a context per thread first).
                stream.thread_type = "AUTO"
            if not frames and best:
                frames = _reference_frames_at(container, stream, sorted(times))
            if not frames:
                frames = _frames_at(container, stream, sorted(times))
            if best and len(frames) > 1:
                frames = [frames[pick_best(small_score_grey(f) for f in frames)]]
            pictures = [picture_of(f) for f in frames]
            start = stream.start_time or 0
            when = tuple(
                round(float((f.pts - start) * stream.time_base), 6) if f.pts is not None else None
                for f in frames
            )
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise MediaError(f"cannot decode a cover frame ({exc})", where=path) from exc
    if not pictures:
        raise MediaError("no video frame to make a cover from", where=path)
    # The display matrix turns the picture counter-clockwise (as ffmpeg's -display_rotation).
    return tuple(p.rotate(rotation, expand=True) if rotation else p for p in pictures), when


def keyframe_pick(container, stream, times: list[float]):
    """The cover frame of an automatic pick, decoding one frame where the index allows: of the
    keyframes at or before each candidate time, the one with the largest packet (an intra frame's
    size grows with detail and contrast: black, flat and faded frames compress to little) that
    scores as a cover. None when the index has fewer than two such keyframes (a short clip with
    one keyframe): the caller then decodes every candidate as before."""
    entries = getattr(stream, "index_entries", None)  # PyAV 15+, MP4/MOV: every sample's entry
    if not entries or not stream.time_base:
        return None
    keys = [(e.timestamp, e.size) for e in entries if e.is_keyframe and not e.is_discard]
    tries = keyframe_tries(stream, keys, times)
    if not tries:
        return None
    shown = keyframe_pts(container, stream, max(tries) + 1)
    for k in tries:
        frame = _keyframe_at(container, stream, shown[k]) if k < len(shown) else None
        if frame is not None and score_grey(small_score_grey(frame)) > 0:
            return frame
    return None


def keyframe_tries(stream, keys: list[tuple[int, int]], times) -> list[int]:
    """Which keyframes (positions in ``keys``: (index time, packet size) of each) an automatic
    pick tries, in order: of those at or before each candidate time, the largest packets first,
    at most KEYFRAME_TRIES; [] where fewer than two are distinct (the full pick decides)."""
    stamps, start = [ts for ts, _ in keys], stream.start_time or 0
    chosen = dict.fromkeys(  # in the candidates' order: a tie goes to the earlier
        max(0, bisect.bisect_right(stamps, start + int(at / stream.time_base)) - 1) for at in sorted(times)
    )
    if not keys or len(chosen) < 2:
        return []
    return sorted(chosen, key=lambda k: -keys[k][1])[:KEYFRAME_TRIES]


def keyframe_pts(container, stream, count: int) -> list[int]:
    """The presentation times of the first ``count`` keyframes, in the index's order, read
    from their packets (none decoded; the index holds decoding times only, and a decoded
    frame's decoding time is not its packet's under frame threading). Seeks back to the start."""
    shown = []
    for packet in container.demux(stream):
        if packet.is_keyframe and packet.pts is not None:
            shown.append(packet.pts)
            if len(shown) >= count:
                break
    container.seek(stream.start_time or 0, stream=stream, backward=True)
    return shown


def _keyframe_at(container, stream, pts: int):
    """The keyframe shown at ``pts``, decoded from its packet alone; None where there is no such
    packet or the decoder gives no frame of it. Sought (a seek lands on it, or on a keyframe
    before), then the decoder is drained: a decoder that reorders frames holds a keyframe back
    until the frames after it are decoded (with the others skipped, the next keyframe, a
    second decode). A keyframe is decoded from nothing but its own packet, so it comes out
    exactly as in a full decode."""
    container.seek(pts, stream=stream, backward=True)  # also resets the drained decoder
    for packet in container.demux(stream):
        if packet.pts is None or not packet.is_keyframe:
            continue
        if packet.pts > pts:
            return None
        if packet.pts == pts:
            frames = [*stream.decode(packet), *stream.decode(None)]
            return next((f for f in frames if f.pts == pts), None)
    return None


def _reference_frames_at(container, stream, times: list[float]) -> list:
    """For an automatic pick, the first frame at or after each time that another frame is
    predicted from: frames none is predicted from (most B-frames, about a third of an x264
    clip) are not decoded at all, and those that are come out exactly as in a full decode
    (nothing they depend on was skipped). [] where the decoder gives no frame so (a codec that
    marks none as a reference): the caller decodes every frame."""
    stream.codec_context.skip_frame = "NONREF"
    try:
        return _frames_at(container, stream, times)
    finally:
        stream.codec_context.skip_frame = "DEFAULT"


def _frames_at(container, stream, times: list[float]) -> list:
    """Decode forward through the times, seeking only across long gaps (a seek lands on the
    keyframe before, and short clips often have one keyframe: decoding on is cheaper)."""
    base, start = stream.time_base, stream.start_time or 0
    pictures, frames, last = [], None, None
    for at in times:
        if frames is None or (last is not None and at - float((last.pts - start) * base) > _SEEK_GAP_S):
            container.seek(start + int(at / base), stream=stream, backward=True)
            frames = container.decode(stream)
        if last is not None and last.pts is not None and (last.pts - start) * base >= at - 1e-3:
            pictures.append(last)
            continue
        for frame in frames:
            last = frame
            if frame.pts is None or (frame.pts - start) * base >= at - 1e-3:
                break
        if last is not None:
            pictures.append(last)
    return pictures


def small_score_grey(frame):
    # Scaled and turned grey by swscale, before any RGB picture is made: scoring stays cheap.
    height = max(2, round(frame.height * _SCORE_WIDTH / frame.width))
    grey = reformatter("grey").reformat(frame, width=_SCORE_WIDTH, height=height, format="gray", threads=1)
    return grey.to_ndarray()


def picture_of(frame):
    """A decoded frame as an RGB picture (PIL): the pixels of PyAV's ``to_image()``, for a
    tenth of its CPU (it sets up a converter for each frame and copies the rows twice more)."""
    from PIL import Image

    return Image.fromarray(reformatter("rgb").reformat(frame, format="rgb24", threads=1).to_ndarray())


# Each frame's own reformatter (frame.reformat) sets up a new swscale context and its pool of
# threads, which costs more than converting one 720x1280 frame; one per thread and purpose is
# reused while the frames' size and format stay the same (a backlog's clips mostly share them).
# One thread each: a context kept alive with a pool of idle threads in it hangs a later fork
# of ffmpeg (subprocess) from another thread.
_reformatters = threading.local()


def reformatter(purpose: str):
    """This thread's swscale converter for ``purpose`` (a name: one per use, as sizes differ)."""
    from av.video.reformatter import VideoReformatter

    made = getattr(_reformatters, purpose, None)
    if made is None:
        made = VideoReformatter()
        setattr(_reformatters, purpose, made)
    return made


def score_frame(picture) -> float:
    """How good a cover a picture (PIL) makes; see ``score_grey``."""
    from PIL import Image

    w, h = picture.size
    size = (_SCORE_WIDTH, max(2, round(h * _SCORE_WIDTH / w)))
    return score_grey(picture.convert("L").resize(size, Image.Resampling.BOX))


def score_grey(grey) -> float:
    """Sharp and contrasty scores high; black, white or flat (mid-fade, plain cards) scores 0."""
    import numpy as np

    grey = np.asarray(grey, dtype=np.float32)
    mean, spread = float(grey.mean()), float(grey.std())
    if not _DARKEST <= mean <= _BRIGHTEST or spread < _FLATTEST:
        return 0.0
    # Variance of the Laplacian: the usual sharpness measure (blur and fades lower it).
    lap = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float(lap.var()) * min(spread, 64.0) / 64.0


def pick_best(greys) -> int:
    """The index of the best-scoring grey picture (the earliest on a tie)."""
    scores = [score_grey(g) for g in greys]
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def draw_text(picture, text: str, font_path: Path, safe_aspect: str | None):
    """Text in the lower part of the safe area (the 3:4 grid crop of a 9:16 Reels cover), white
    with a dark outline, so it reads on any picture."""
    from PIL import ImageDraw, ImageFont

    w, h = picture.size
    left, top, right, bottom = 0, 0, w, h
    if safe_aspect:
        target = aspect_value(safe_aspect)
        if w / h < target:  # taller than the safe shape: the grid shows the middle band
            sh = round(w / target)
            top, bottom = (h - sh) // 2, (h + sh) // 2
        else:
            sw = round(h * target)
            left, right = (w - sw) // 2, (w + sw) // 2
    box_w = (right - left) * 0.86
    size = max(12, (right - left) // 11)
    while True:
        font = ImageFont.truetype(str(font_path), size)
        lines = _wrap(text, font, box_w)
        if len(lines) <= 3 or size <= 12:
            break
        size = int(size * 0.85)
    out = picture.copy()
    draw = ImageDraw.Draw(out)
    spacing = size // 4
    block = "\n".join(lines)
    bbox = draw.multiline_textbbox((0, 0), block, font=font, spacing=spacing, align="center")
    x = left + ((right - left) - (bbox[2] - bbox[0])) / 2 - bbox[0]
    y = bottom - (bottom - top) * 0.08 - (bbox[3] - bbox[1]) - bbox[1]
    stroke = max(2, size // 14)
    draw.multiline_text((x, y), block, font=font, fill="white", spacing=spacing, align="center",
                        stroke_width=stroke, stroke_fill=(20, 20, 20))  # fmt: skip
    return out


def _wrap(text: str, font, width: float) -> list[str]:
    """Greedy wrap: CJK breaks between any two characters, other scripts between words."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for token in _TOKENS.findall(para):
            if line and font.getlength((line + token).rstrip()) > width:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        lines.append(line.rstrip())
    return [line for line in lines if line] or [text]
