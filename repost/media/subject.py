"""Where the subject is in a video, measured once on a small sampled copy: shot cuts, faces, saliency."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from repost.errors import MediaError
from repost.media.faces import detector_name, find_faces
from repost.media.ffmpeg import OPEN_OPTIONS
from repost.media.remembered import checked_number, checked_text, file_key, recall

# Analysis size and rate: faces of a person filling a tenth of a 1080p frame are still ~30 px
# tall at 320 px wide, which YuNet finds; 4 samples a second follow a walk without a lag a
# viewer would see, and keep the decode a small share of the encode (benchmarks/bench_smart.py).
ANALYSIS_WIDTH_PX = 320
SAMPLES_PER_S = 4
# A cut: the mean absolute difference of two samples' 32-bin grey histograms (each summing to
# 1) above this. Within a shot a walk or a pan moves well under 0.25; a cut to another scene
# moves most of the mass (tests/media/test_subject.py).
CUT_HISTOGRAM_DISTANCE = 0.5
HISTOGRAM_BINS = 32
HISTOGRAM_WIDTH_PX = 64  # the histogram's copy: its shape does not matter, only its grey levels
LUMA_STRIDE = 16
# 8-bit planar YUV: the first plane is the grey picture itself.
LUMA_FORMATS = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12")
# Spectral residual saliency (Hou & Zhang, CVPR 2007) on a 64 px copy, as the paper does.
SALIENCY_SIZE_PX = 64
# The salient region counts as a subject only where its weight is this concentrated: the
# share of saliency mass inside the window around its centre vs an even spread.
SALIENCY_CONFIDENCE = 2.0


# Bounds of an analysis read back from a store, far past any video: AV1's largest frame side is
# 65,536 px, and a week is longer than any post.
MAX_SIDE_PX = 65_536
MAX_DURATION_S = 7 * 86_400.0


@dataclass(frozen=True)
class Sample:
    """One analysed frame: its time, the subject's box (x, y, w, h in source pixels) and how it
    was found ("faces", "saliency", or "" where nothing is confident)."""

    t: float
    box: tuple[float, float, float, float] | None
    by: str
    faces: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class SubjectTrack:
    """A video's subject over time: samples and the times of the cuts between shots."""

    width: int
    height: int
    duration_s: float
    samples: tuple[Sample, ...]
    cuts: tuple[float, ...]
    detector: str


def analyse_video(path: Path, facts) -> SubjectTrack:
    """Decode ``path`` once at a few frames a second, small, and find the subject in each."""
    import av
    import numpy as np

    step = 1 / SAMPLES_PER_S
    scale = min(1.0, ANALYSIS_WIDTH_PX / max(1, facts.width))
    samples, cuts, last_hist, next_t = [], [], None, 0.0
    try:
        with av.open(str(path), options=OPEN_OPTIONS) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            # Frames no other frame refers to (most B-frames) are not decoded: half the cost
            # of a 1080p decode, while I and P frames (encoders put a cut on one) still come
            # every frame or two (benchmarks/bench_smart.py).
            stream.codec_context.skip_frame = "NONREF"
            base, start = stream.time_base, stream.start_time or 0
            for frame in container.decode(stream):
                t = float((frame.pts - start) * base) if frame.pts is not None else next_t
                # Every frame's histogram (a tiny grey copy is cheap), so a cut is placed on
                # its frame, not up to a sample interval late.
                hist = _histogram(frame, np)
                cut = (
                    last_hist is not None
                    and float(np.abs(hist - last_hist).sum()) / 2 > CUT_HISTOGRAM_DISTANCE
                )
                last_hist = hist
                if cut:
                    cuts.append(round(t, 3))
                elif t + 1e-6 < next_t:
                    continue
                while next_t <= t + 1e-6:
                    next_t += step
                samples.append(_sample(t, _small_upright(frame, facts, scale, np), 1 / scale, np))
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise MediaError(f"cannot decode the video to find its subject ({exc})", where=path) from exc
    return SubjectTrack(
        facts.width, facts.height, facts.duration_s, tuple(samples), tuple(cuts), detector_name()
    )


def _small_upright(frame, facts, scale: float, np):
    import cv2

    w = max(2, round(frame.width * scale))
    h = max(2, round(frame.height * scale))
    # Bilinear is enough for a detector at this size and costs a fraction of swscale's bicubic.
    bgr = frame.to_ndarray(format="bgr24", width=w, height=h, interpolation="FAST_BILINEAR")
    # The display matrix turns the picture counter-clockwise (ffmpeg's -display_rotation).
    turns = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}
    return cv2.rotate(bgr, turns[facts.rotation]) if facts.rotation in turns else np.ascontiguousarray(bgr)


def _histogram(frame, np):
    """The grey histogram of every 16th pixel of the luma plane, read in place: no scaling, so
    looking at every frame costs little beside decoding it."""
    plane = frame.planes[0]
    if frame.format.name not in LUMA_FORMATS:
        grey = frame.to_ndarray(format="gray", width=HISTOGRAM_WIDTH_PX, height=HISTOGRAM_WIDTH_PX * 9 // 16)
    else:
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        grey = rows[::LUMA_STRIDE, : plane.width : LUMA_STRIDE]
    hist, _ = np.histogram(grey, bins=HISTOGRAM_BINS, range=(0, 256))
    return hist / max(1, hist.sum())


def _sample(t: float, bgr, up: float, np) -> Sample:
    faces = find_faces(bgr)
    if faces:
        boxes = tuple((f.x * up, f.y * up, f.w * up, f.h * up) for f in faces)
        return Sample(round(t, 3), boxes[0], "faces", boxes)
    box = salient_box(bgr, np)
    if box is None:
        return Sample(round(t, 3), None, "")
    return Sample(round(t, 3), tuple(v * up for v in box), "saliency")


def salient_box(bgr, np) -> tuple[float, float, float, float] | None:
    """The box around the spectral-residual saliency peak (Hou & Zhang 2007), or None where the
    saliency is spread (no region stands out)."""
    import cv2

    h, w = bgr.shape[:2]
    grey = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), (SALIENCY_SIZE_PX, SALIENCY_SIZE_PX))
    spectrum = np.fft.fft2(grey.astype(np.float32))
    log_amp = np.log(np.abs(spectrum) + 1e-6)
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    sal = cv2.GaussianBlur(sal, (9, 9), 2.5)
    total = float(sal.sum())
    if total <= 0:
        return None
    ys, xs = np.mgrid[0:SALIENCY_SIZE_PX, 0:SALIENCY_SIZE_PX]
    cx, cy = float((sal * xs).sum() / total), float((sal * ys).sum() / total)
    q = SALIENCY_SIZE_PX // 4  # a window a quarter of the picture each way
    x0, y0 = (
        int(max(0, min(SALIENCY_SIZE_PX - q, cx - q / 2))),
        int(max(0, min(SALIENCY_SIZE_PX - q, cy - q / 2))),
    )
    share = float(sal[y0 : y0 + q, x0 : x0 + q].sum()) / total
    if share < SALIENCY_CONFIDENCE * (q * q) / SALIENCY_SIZE_PX**2:
        return None
    kx, ky = w / SALIENCY_SIZE_PX, h / SALIENCY_SIZE_PX
    return (x0 * kx, y0 * ky, q * kx, q * ky)


def find_subjects(post, targets, facts: dict, fit: str | None) -> dict:
    """The SubjectTrack of each video some target frames with fit "smart" (--fit, post.yaml's
    fit for the post or the platform, or the profile's), each video analysed once."""
    wanted = []
    for profile in targets:
        fitted = post.for_platform(profile.id)
        rules = getattr(profile, "video", None)
        if (fit or fitted.fit or (rules.fit if rules else None)) == "smart":
            wanted += [i.path for i in fitted.media if getattr(facts.get(i.path), "kind", None) == "video"]
    return {path: _remembered_analysis(path, facts[path]) for path in dict.fromkeys(wanted)}


def _remembered_analysis(path: Path, facts) -> SubjectTrack:
    # Kept between runs (media/remembered.py): a re-run, or an export after a dry run, plans
    # the same crop path without decoding the video again.
    key = ("subjects", *file_key(path), SAMPLES_PER_S, ANALYSIS_WIDTH_PX, detector_name())
    return recall(key, lambda: analyse_video(path, facts), dataclasses.asdict, _track_from)


def _track_from(data: dict) -> SubjectTrack:
    """An analysis read back from a store, checked as input (ValueError, TypeError, KeyError):
    the crop windows are computed from these numbers, so each is finite and within the frame
    or the clip (NaN or 1e300 would become the crop of every encode of the file)."""
    width, height = (int(checked_number(data[k], 1, MAX_SIDE_PX)) for k in ("width", "height"))
    duration = checked_number(data["duration_s"], 0, MAX_DURATION_S)

    def box(b):
        if b is None:
            return None
        if not isinstance(b, list) or len(b) != 4:
            raise ValueError("not a box")
        limit = max(width, height)
        return tuple(checked_number(v, -limit, 2 * limit) for v in b)

    samples = tuple(
        Sample(checked_number(s["t"], 0, duration), box(s["box"]), checked_text(s["by"]),
               tuple(box(f) for f in s["faces"]))
        for s in data["samples"]
    )  # fmt: skip
    cuts = tuple(checked_number(c, 0, duration) for c in data["cuts"])
    return SubjectTrack(width, height, duration, samples, cuts, checked_text(data["detector"]))
