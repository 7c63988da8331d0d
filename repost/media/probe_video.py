"""Exact facts about a video (PyAV): container, main video stream, first audio stream, for the probe."""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from repost.errors import MediaError
from repost.media.atoms import read_mp4_layout
from repost.media.ffmpeg import OPEN_OPTIONS
from repost.ops import HDR_TRANSFERS

NOT_MEDIA_HINT = "repost reads videos (MP4, MOV, WebM, MKV...) and images (JPEG, PNG, HEIC...)"
MAX_TIMESTAMPS = 3000  # enough to tell CFR from VFR; a minute at 50 fps
MAX_PACKETS_FOR_FIRST_FRAME = 64
_ATTACHED_PIC = 0x0400  # AV_DISPOSITION_ATTACHED_PIC: cover art, not video
# PyAV gives colour properties as the AVCOL_* integers (ITU-T H.273 code points); these are the
# names ffmpeg itself prints, so reports and profiles read like ffprobe. None marks "unspecified"
# (2) and "reserved" (0, except for matrix coefficients where 0 is RGB); other codes come out as
# their number.
_PRIMARIES = {0: None, 1: "bt709", 2: None, 4: "bt470m", 5: "bt470bg", 6: "smpte170m",
              7: "smpte240m", 8: "film", 9: "bt2020", 10: "smpte428", 11: "smpte431",
              12: "smpte432", 22: "ebu3213"}  # fmt: skip
_TRANSFERS = {0: None, 1: "bt709", 2: None, 4: "gamma22", 5: "gamma28", 6: "smpte170m",
              7: "smpte240m", 8: "linear", 11: "iec61966-2-4", 13: "iec61966-2-1",
              14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"}  # fmt: skip
_SPACES = {0: "gbr", 1: "bt709", 2: None, 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
           8: "ycgco", 9: "bt2020nc", 10: "bt2020c", 14: "ictcp"}  # fmt: skip
_RANGES = {0: None, 1: "tv", 2: "pc"}


@dataclass(frozen=True)
class AudioFacts:
    """The first audio stream of a video."""

    codec: str  # "aac", "mp3", "opus", ...
    profile: str | None  # "LC", "HE-AAC", ...
    channels: int
    layout: str | None  # "stereo", "5.1", ...
    sample_rate_hz: int
    bitrate_bps: int | None
    start_s: float | None = None  # when its first sample plays (see VideoFacts.start_s)


@dataclass(frozen=True)
class VideoFacts:
    """A video file: its container, its main video stream and its first audio stream."""

    path: Path
    bytes: int
    container: str  # "mp4" | "mov" | "3gp" | "webm" | "matroska" | "avi" | ...
    duration_s: float
    bitrate_bps: int | None  # overall
    codec: str  # "h264", "hevc", "vp9", ...
    profile: str | None  # "High", "Main 10", ...
    pix_fmt: str  # "yuv420p", "yuv420p10le", ... ("unknown" when ffmpeg cannot tell)
    bit_depth: int  # 0 when the pixel format is unknown
    width: int  # as displayed: rotation applied
    height: int
    coded_width: int
    coded_height: int
    rotation: int  # 0/90/180/270, counter-clockwise as ffmpeg's -display_rotation
    fps: float
    fps_fraction: str  # "30000/1001"
    vfr: bool
    frame_count: int | None
    color_primaries: str | None
    color_transfer: str | None
    color_space: str | None
    color_range: str | None
    audio: AudioFacts | None
    moov_first: bool | None  # None when not MP4/MOV
    edit_list: bool | None  # None when not MP4/MOV
    kind: str = "video"
    # When the first frame is shown, in seconds: the stream's start time as the demuxer gives
    # it (edit lists and AAC priming accounted for), else the first timestamp; None if unknown.
    start_s: float | None = None

    @property
    def hdr(self) -> bool:
        return self.color_transfer in HDR_TRANSFERS

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: path as a string, audio as a nested dict (or None)."""
        data = dataclasses.asdict(self)
        data["path"] = str(self.path)
        return data


def probe_video(path: Path, size: int, head: bytes) -> VideoFacts:
    """Facts about a video file through PyAV; ``head`` is its first bytes (the container's name)."""
    import av

    try:
        container = av.open(str(path), options=OPEN_OPTIONS, metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError) as exc:
        layout = read_mp4_layout(path)
        if layout is not None and layout.cut_short:  # moov at the end, and the end is gone
            raise _cut_short(path) from exc
        raise MediaError(
            f"not a video or image file ({getattr(exc, 'strerror', None) or exc})",
            where=path,
            hint=NOT_MEDIA_HINT,
        ) from exc
    try:
        with container:
            return _video_facts(container, path, size, head)
    except (av.FFmpegError, ValueError, struct.error) as exc:
        raise MediaError(
            f"cannot read video ({getattr(exc, 'strerror', None) or exc})",
            where=path,
            hint="the file may be damaged or incomplete; try re-downloading or re-exporting it",
        ) from exc


def _video_facts(container: Any, path: Path, size: int, head: bytes) -> VideoFacts:
    stream = _main_video_stream(container)
    if stream is None:
        # ffmpeg opens some text files too (as lyrics or subtitles): say what it found.
        found = "audio only" if container.streams.audio else f"read as {container.format.name}"
        raise MediaError(f"not a video or image file ({found})", where=path, hint=NOT_MEDIA_HINT)
    cc = stream.codec_context
    if cc is None:
        # A stream ffmpeg can demux but has no decoder for: an SVG (read as svg_pipe) is one.
        found = f"read as {container.format.name}, with no decoder"
        raise MediaError(f"not a video or image file ({found})", where=path, hint=NOT_MEDIA_HINT)
    if not cc.width or not cc.height:
        # ffmpeg's image2 demuxer "opens" arbitrary bytes named .jpg as MJPEG with no picture.
        raise MediaError(f"no picture in it (read as {container.format.name}, 0x0)", where=path,
                         hint="the file is damaged or not a media file")  # fmt: skip
    layout = read_mp4_layout(path) if container.format.name.startswith("mov") else None
    if layout is not None and layout.cut_short:
        raise _cut_short(path)
    boxed = layout.video_rotation if layout is not None else None
    # PyAV truncates the rotation to an int, as int() does.
    known = None if boxed is None else _normalise_rotation(int(boxed))
    times, complete, rotation = _scan_video(container, stream, known)
    vfr = _is_vfr(times)
    rate = _frame_rate(stream, times, vfr)
    swap = rotation in (90, 270)
    pix_fmt = cc.pix_fmt or "unknown"
    return VideoFacts(
        path=path,
        bytes=size,
        container=_container_name(container.format.name, layout, head),
        duration_s=_duration(container, stream, times),
        bitrate_bps=container.bit_rate or None,
        codec=cc.name,
        profile=cc.profile or None,
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt),
        width=cc.height if swap else cc.width,
        height=cc.width if swap else cc.height,
        coded_width=cc.width,
        coded_height=cc.height,
        rotation=rotation,
        fps=float(rate),
        fps_fraction=f"{rate.numerator}/{rate.denominator}",
        vfr=vfr,
        frame_count=stream.frames or (len(times) if complete else None),
        color_primaries=_color_name(_PRIMARIES, cc.color_primaries),
        color_transfer=_color_name(_TRANSFERS, cc.color_trc),
        color_space=_color_name(_SPACES, cc.colorspace),
        color_range=_color_name(_RANGES, cc.color_range),
        audio=_audio_facts(container),
        moov_first=layout.moov_first if layout else None,
        edit_list=layout.edit_list if layout else None,
        start_s=_start_s(stream, times),
    )


def _start_s(stream: Any, times: list[int] | None = None) -> float | None:
    if not stream.time_base:
        return None
    if stream.start_time is not None:
        return round(float(stream.start_time * stream.time_base), 6)
    return round(float(min(times) * stream.time_base), 6) if times else None


def _cut_short(path: Path) -> MediaError:
    # Players and ffmpeg take such a file quietly as a shorter video (or none): say what it is.
    return MediaError("the file is cut short: it ends inside its media data", where=path,
                      hint="an unfinished download or copy? fetch or copy it again")  # fmt: skip


def _main_video_stream(container: Any) -> Any:
    # Cover art in MP4/MKV/MP3 is a one-picture "video" stream marked attached_pic: not video.
    videos = (s for s in container.streams.video if not int(s.disposition) & _ATTACHED_PIC)
    return next(videos, None)


def _scan_video(container: Any, stream: Any, rotation: int | None = None) -> tuple[list[int], bool, int]:
    """Timestamps of up to MAX_TIMESTAMPS frames (and whether that is all of them), plus the
    display rotation: ``rotation`` where the boxes gave it, else that of the first decoded frame.

    MP4/MOV carry every sample's time in their index and their display matrix in tkhd, so no
    media data is read for them; other containers are demuxed (packets only) and their first
    frame decoded: PyAV 18 exposes the display matrix on frames, not on streams.
    """
    times = _index_times(container, stream)
    complete = times is not None and len(times) < MAX_TIMESTAMPS
    collect = times is None
    times = times or []
    if rotation is not None and not collect:
        return times, complete, rotation
    for count, packet in enumerate(container.demux(stream)):
        if collect and len(times) < MAX_TIMESTAMPS:
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is not None and packet.size:
                times.append(ts)
        if rotation is None:
            rotation = _first_frame_rotation(stream, packet, count)
        if rotation is not None and (not collect or len(times) >= MAX_TIMESTAMPS):
            break
    else:
        complete = complete or collect  # demuxed to the end: every frame was seen
    return times, complete, rotation or 0


def _index_times(container: Any, stream: Any) -> list[int] | None:
    # Only the mov demuxer indexes every sample; Matroska's cues hold keyframes only.
    if not container.format.name.startswith("mov"):
        return None
    entries = getattr(stream, "index_entries", None)  # PyAV 15+
    if entries is None or len(entries) < 2 or len(entries) < (stream.frames or 0):
        return None
    head = entries[: MAX_TIMESTAMPS + 64]
    return [e.timestamp for e in head if not e.is_discard][:MAX_TIMESTAMPS]


def _first_frame_rotation(stream: Any, packet: Any, count: int) -> int | None:
    import av

    try:
        frames = stream.decode(packet)
    except av.FFmpegError:
        return 0  # no decoder or a broken first packet: rotation unknown, assume none
    if frames:
        return _normalise_rotation(getattr(frames[0], "rotation", 0))  # PyAV 13+
    return 0 if count >= MAX_PACKETS_FOR_FIRST_FRAME else None


def _normalise_rotation(degrees: float) -> int:
    # av_display_rotation_get gives [-180, 180], counter-clockwise, truncated to int by PyAV
    # (89.99 -> 89): snap to the nearest quarter turn. A phone's "rotate=90" tag (clockwise)
    # comes out as 270 here.
    return (round(degrees / 90) * 90) % 360


def _is_vfr(times: list[int]) -> bool:
    """Variable frame rate: more than a couple of frame intervals (and over 1% of them) differ
    from the median by more than one tick of rounding and more than 5%.

    A lone long first interval is normal in CFR files (audio priming moved into the video
    track when edit lists are off), so a few outliers do not count.
    """
    ts = sorted(set(times))
    if len(ts) < 4:
        return False
    intervals = [b - a for a, b in itertools.pairwise(ts)]
    median = statistics.median(intervals)
    tolerance = max(1.0, 0.05 * median)
    irregular = sum(1 for d in intervals if abs(d - median) > tolerance)
    return irregular > max(2, len(intervals) // 100)


def _frame_rate(stream: Any, times: list[int], vfr: bool) -> Fraction:
    """Average frame rate; for CFR the exact nominal rate closest to what the timestamps show.

    A CFR file's average_rate can be off (30 fps reading 29.37 when the first frame is
    stretched over audio priming), so for CFR the candidate matching the median interval wins.
    """
    candidates = [Fraction(r) for r in (stream.average_rate, stream.guessed_rate) if r]
    ts = sorted(set(times))
    if vfr or len(ts) < 2 or not stream.time_base:
        return candidates[0] if candidates else Fraction(0)
    interval = statistics.median(b - a for a, b in itertools.pairwise(ts))
    measured = 1 / (Fraction(interval) * Fraction(stream.time_base))
    close = [c for c in candidates if abs(c - measured) <= measured / 50]
    if close:
        return min(close, key=lambda c: abs(c - measured))
    return measured.limit_denominator(1001)


def _duration(container: Any, stream: Any, times: list[int]) -> float:
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if len(times) > 1 and stream.time_base:
        return float((max(times) - min(times)) * stream.time_base)
    return 0.0


def _container_name(format_name: str, layout: Any, head: bytes) -> str:
    names = format_name.split(",")
    if "mov" in names:
        brand = layout.major_brand if layout else None
        if brand is None or brand == "qt  ":
            return "mov"  # QuickTime: "qt  " brand, or old files with no ftyp at all
        return "3gp" if brand.startswith("3g") else "mp4"
    if "matroska" in names:
        # WebM is Matroska with DocType "webm" in the EBML header at the start of the file.
        return "webm" if b"webm" in head else "matroska"
    return names[0]


def _bit_depth(pix_fmt: str) -> int:
    import av

    try:
        return max(c.bits for c in av.VideoFormat(pix_fmt).components)
    except (ValueError, av.FFmpegError):
        return 0


def _color_name(table: dict[int, str | None], value: Any) -> str | None:
    if value is None:
        return None
    code = int(value)
    return table.get(code, str(code))


def _audio_facts(container: Any) -> AudioFacts | None:
    if not container.streams.audio:
        return None
    stream = container.streams.audio[0]
    cc = stream.codec_context
    if cc is None:  # a codec ffmpeg can demux but not decode: it could not be transcoded either
        raise ValueError("its audio is in a codec ffmpeg has no decoder for")
    layout = cc.layout  # PyAV 18: always set, from ch_layout
    return AudioFacts(
        codec=cc.name,
        profile=cc.profile or None,
        channels=layout.nb_channels,
        layout=layout.name or None,
        sample_rate_hz=cc.sample_rate,
        bitrate_bps=cc.bit_rate or None,
        start_s=_start_s(stream),
    )
