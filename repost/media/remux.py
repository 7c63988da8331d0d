"""Stream copies into MP4 made in process, packet for packet as ``ffmpeg -c copy`` makes them.

Why: a stream copy is cheap work, but an ffmpeg process for it cost ~46 ms of CPU (its start
~20-25 ms) against ~13 ms here, and a TikTok-native backlog makes one for every post (two where
one platform keeps edit lists and another takes none): 14% of such a migration's CPU time
(benchmarks/bench_copy_limit.py). Here the same muxer (libavformat's mov muxer, through PyAV)
gets the same options (media/mp4.py) and the packets ffmpeg's command line would hand it:

- the first video and the first audio stream only, and no chapters (PyAV copies neither
  metadata nor chapters unless asked: ``-map_metadata -1 -map_chapters -1``);
- each stream's parameters copied, its side data with them (the display matrix stays);
- every timestamp moved by the input's start time, as ffmpeg does without ``-copyts``;
  a stream's packets before its first keyframe dropped, an audio packet's pts set to its dts
  (fftools/ffmpeg_mux.c, of_streamcopy).

A source this path does not cover exactly gets ffmpeg's command line instead (the caller runs
:func:`repost.media.commands.remux_args`): a container other than MP4/MOV (Matroska and MPEG-TS
packets may lack a dts, which ffmpeg estimates), codecs or tags other than H.264 (avc1), HEVC
and AAC, non-square pixels (ffmpeg sets the stream's aspect ratio, which PyAV cannot) and any
file libavformat refuses to read or write this way (ffmpeg then gives its own error and hint).

Compared with ``-fflags +bitexact`` on both sides (sources with and without edit lists, rotated,
HEVC, MOV with a timecode track, sound or none), the files came out byte for byte the same but
for one field: on a source with an edit list, the video's mdhd duration, one frame longer from
PyAV's libavformat 62 than from ffmpeg 9's 63 (every sample and the edit list the same).
"""

from __future__ import annotations

import logging
import math
from contextlib import ExitStack, contextmanager
from pathlib import Path

from repost.media.ffmpeg import OPEN_OPTIONS, safe_path
from repost.media.mp4 import remux_muxer_options
from repost.ops import Remux

log = logging.getLogger("repost.media")

# The demuxer PyAV names for MP4, MOV, M4V, 3GP (libavformat/mov.c).
MOV_DEMUXER = "mov,mp4,m4a,3gp,3g2,mj2"
# Codecs whose tag comes out as ffmpeg's command line writes it: ffmpeg keeps a source tag that
# the mp4 muxer knows for the codec, PyAV leaves the muxer's default (avc1, mp4a); HEVC is
# tagged hvc1 either way (remux_args asks for it).
_VIDEO_TAGS = {"h264": {"avc1"}, "hevc": {"hvc1", "hev1"}}
_AUDIO_TAGS = {"aac": {"mp4a"}}
_INT32_MAX = 2**31 - 1
_AV_TIME_BASE = 1_000_000


class _NotCovered(Exception):
    """The source needs ffmpeg's command line for an exact copy (the reason in words)."""


def remux_in_process(op: Remux, source: Path, dest: Path) -> bool:
    """Write ``dest`` as ``remux_args(op, source, dest)`` would; False (and nothing left at
    ``dest``) where this source needs ffmpeg's command line."""
    return remux_all_in_process(source, [(op, dest)])


def remux_all_in_process(source: Path, jobs: list[tuple[Remux, Path]], listen=None) -> bool:
    """Each (op, dest) of ``jobs`` made as remux_in_process would, from one reading of
    ``source`` (RedNote's and Reels' copies of a post differ only in the muxer's options);
    False, and none of the dests left, where the source needs ffmpeg's command line.

    ``listen``, called with the source's first sound stream, may return a listener whose
    ``feed`` gets each of its packets as read and whose ``done`` is called once the copies are
    made: the sound is metered on the way (media/loudness.py) instead of read again."""
    import av

    try:
        with av.open(safe_path(source), options=OPEN_OPTIONS, metadata_errors="ignore") as src:
            listener = _copy(src, jobs, listen)
        if listener is not None:
            listener.done()
    except _NotCovered as exc:
        log.debug("remux of %s by ffmpeg's command line: %s", source, exc)
    except (av.FFmpegError, OSError, ValueError) as exc:
        log.debug("remux of %s by ffmpeg's command line after PyAV's %s", source, exc)
    else:
        log.debug("remuxed %s in process (%d files), as its ffmpeg commands would", source, len(jobs))
        return True
    for _, dest in jobs:
        Path(dest).unlink(missing_ok=True)
    return False


def _copy(src, jobs: list[tuple[Remux, Path]], listen=None):
    if src.format.name != MOV_DEMUXER:
        raise _NotCovered(f"{src.format.name} is not MP4/MOV")
    if not src.streams.video:
        raise _NotCovered("no video stream")
    streams = [src.streams.video[0], *src.streams.audio[:1]]
    for stream in streams:
        _check_stream(stream)
    # Nothing is written until every stream passed its check.
    listener = listen(streams[1]) if listen is not None and len(streams) > 1 else None
    with ExitStack() as stack:
        outputs = [stack.enter_context(_output(streams, op, dest)) for op, dest in jobs]
        _copy_packets(src, streams, outputs, listener)
    return listener


@contextmanager
def _output(streams, op: Remux, dest: Path):
    """An MP4 being written with the muxer options of ``op`` and a copy of each of ``streams``:
    (the container, {source stream index: its copy})."""
    import av

    options = remux_muxer_options(op)
    timescale = _movie_timescale(streams)
    if timescale is not None:
        options["movie_timescale"] = str(timescale)
    with av.open(safe_path(dest), "w", format="mp4", options=options) as out:
        copies = {}
        for stream in streams:
            copy = out.add_stream_from_template(stream, opaque=True)
            if stream.type == "video" and op.codec == "hevc":
                copy.codec_context.codec_tag = "hvc1"  # as remux_args's -tag:v hvc1
            copies[stream.index] = copy
        yield out, copies


def _check_stream(stream) -> None:
    codec = stream.codec_context.name if stream.codec_context else None
    allowed = (_VIDEO_TAGS if stream.type == "video" else _AUDIO_TAGS).get(codec or "")
    if allowed is None or stream.codec_tag not in allowed:
        raise _NotCovered(f"{stream.type} {codec} tagged {stream.codec_tag!r}")
    if stream.type == "video":
        sar = stream.codec_context.sample_aspect_ratio
        if sar not in (None, 0, 1) or stream.sample_aspect_ratio != sar:
            raise _NotCovered(f"pixels of aspect {stream.sample_aspect_ratio}, not square")


def _copy_packets(src, streams, outputs, listener=None) -> None:
    # ffmpeg moves every timestamp by the input's start time (AV_TIME_BASE units), rescaled to
    # each packet's time base with rounding to nearest (av_rescale_q).
    start = src.start_time or 0
    started: set[int] = set()
    for packet in src.demux(streams):
        if packet.size == 0:  # a demuxer's end-of-stream flush packet
            continue
        index = packet.stream.index
        if listener is not None and packet.stream.type == "audio":
            listener.feed(packet)  # every packet, as the stream's decoder would get it
        if index not in started:
            if not packet.is_keyframe:
                continue
            started.add(index)
        if packet.dts is None or packet.pts is None:
            raise _NotCovered("a packet without a timestamp (ffmpeg estimates one)")
        tb, duration = packet.time_base, packet.duration
        shift = _rescale(start, tb.denominator, _AV_TIME_BASE * tb.numerator)
        dts = packet.dts - shift
        pts = dts if packet.stream.type == "audio" else packet.pts - shift
        for out, copies in outputs:
            # Muxing rescales the packet to its stream's time base in place, its duration too:
            # each output starts again from the source's timestamps and duration.
            packet.time_base, packet.dts, packet.pts, packet.duration = tb, dts, pts, duration
            packet.stream = copies[index]
            out.mux(packet)


def _rescale(x: int, num: int, den: int) -> int:
    """x * num / den rounded to the nearest, halves away from zero (av_rescale_q)."""
    q, r = divmod(abs(x) * num, den)
    q += 2 * r >= den
    return q if x >= 0 else -q


def _movie_timescale(streams) -> int | None:
    """A movie timescale every source timestamp is a whole number of, so an edit list (kept in
    the movie's units) holds a start of two frames exactly: with the muxer's default of 1,000, a
    picture starting at 1024/15360 s would start 0.65 ms early. None where that needs more than
    31 bits. As the ffmpeg 9 command line writes it: the least common multiple of the sources'
    time bases as they are (the mov muxer doubles a video track's own timescale up to 10,000,
    not this one); tests/media/test_remux.py compares it on every source there, an iPhone-style
    MOV in a 1/600 time base among them."""
    scales = [
        stream.codec_context.sample_rate if stream.type == "audio" else stream.time_base.denominator
        for stream in streams
    ]
    lcm = math.lcm(*[s for s in scales if s])
    return lcm if 0 < lcm <= _INT32_MAX else None
