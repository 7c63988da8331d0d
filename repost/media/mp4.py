"""What every MP4 repost writes with ffmpeg shares: the edit-list choice, the thread caps, the output."""

from __future__ import annotations

from repost.media.ffmpeg import safe_path

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
# With edit lists allowed, ffmpeg's own edit list keeps the two streams together.
MP4_EDIT_LIST = ("-movflags", "+faststart")


def remux_muxer_options(op) -> dict[str, str]:
    """The mov muxer's options of a stream copy (an ops.Remux), as ``{name: value}``: what
    commands.remux_args passes on ffmpeg's command line and media/remux.py to PyAV."""
    flags = MP4_NO_EDIT_LIST if op.drop_edit_list else MP4_EDIT_LIST
    return {flags[i].lstrip("-"): flags[i + 1] for i in range(0, len(flags), 2)}


def global_args(threads: int | None) -> list[str]:
    """Options for the whole run: ``threads`` caps the filter graph's threads too."""
    return ["-filter_threads", str(threads)] if threads else []


def output(opts: list[str], dest, threads: int | None = None) -> list[str]:
    """One output: its options, the encoder threads where capped, then its path."""
    return [*opts, *(["-threads", str(threads)] if threads else []), "-y", safe_path(dest)]
