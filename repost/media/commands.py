"""ffmpeg argument lists of the video operations, built as plain data (pure), for a run and for
``--dry-run`` alike."""

from __future__ import annotations

from repost.media.ffmpeg import safe_path
from repost.ops import Conform, Remux

# MP4 without edit lists (Instagram I1 asks for none) whose picture and sound still start
# together. A B-frame stream's first frame is shown after it is decoded: ffmpeg would write an
# edit list for that delay, and with -use_editlist 0 alone the delay moves the whole picture
# later instead (a 30 fps -bf 3 stream started 67 ms after its sound). +negative_cts_offsets
# writes version-1 ctts boxes, whose negative offsets let the first frame be shown at time 0
# with no edit list (ffmpeg docs, mov muxer, movflags). faststart: moov before mdat, so a
# player (and Instagram's ingest) needs no seek to the end.
#
# AAC priming: an AAC track opens with 1,024 samples of encoder delay (21 ms at 48 kHz) that
# an edit list would hide. Without one they are played: copied or re-encoded, the sound comes
# 21-23 ms after the picture. That is sound lagging, well inside EBU R37's tolerance (sound at
# most 60 ms after the picture, 40 ms before) and under BT.1359's detectability (125 ms lag).
MP4_NO_EDIT_LIST = ("-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0")


def remux_args(op: Remux, source, dest, *, threads: int | None = None) -> tuple[str, ...]:
    """Stream-copy the first video and audio stream of ``source`` into an MP4 ``dest`` with the
    moov atom first.

    Container metadata goes (phones write location and device names there); the display matrix
    is stream side data and stays, so the picture keeps its orientation.
    """
    opts = ["-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-dn", "-sn"]
    opts += ["-map_metadata", "-1", "-map_chapters", "-1"]
    if op.codec == "hevc":
        # Apple players and Instagram want HEVC tagged hvc1, not ffmpeg's default hev1.
        opts += ["-tag:v", "hvc1"]
    # With edit lists allowed, ffmpeg's own edit list keeps the two streams together.
    opts += list(MP4_NO_EDIT_LIST) if op.drop_edit_list else ["-movflags", "+faststart"]
    return (*global_args(threads), "-i", safe_path(source), *output([*opts, "-f", "mp4"], dest, threads))


def global_args(threads: int | None) -> list[str]:
    """Options for the whole run: ``threads`` caps the filter graph's threads too."""
    return ["-filter_threads", str(threads)] if threads else []


def output(opts: list[str], dest, threads: int | None = None) -> list[str]:
    """One output: its options, the encoder threads where capped, then its path."""
    return [*opts, *(["-threads", str(threads)] if threads else []), "-y", safe_path(dest)]


def ffmpeg_args(step, dest, *, threads: int | None = None) -> tuple[str, ...] | None:
    """The arguments after ``ffmpeg`` that carry out ``step`` into ``dest`` (None for a step
    made without ffmpeg's command line): at run time into the real path, for ``--dry-run``
    into the bundle-relative name."""
    from repost.media.render import conform_args

    if isinstance(step.op, Remux):
        return remux_args(step.op, step.source, dest, threads=threads)
    if isinstance(step.op, Conform):
        return conform_args(step.op, step.source, dest, threads=threads)
    return None
