"""ffmpeg argument lists, built as plain data (pure): the planner shows them, media/ runs them."""

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


def remux_args(facts, dest: str, *, drop_edit_list: bool) -> tuple[str, ...]:
    """Stream-copy the first video and audio stream into MP4 with the moov atom first.

    Container metadata goes (phones write location and device names there); the display matrix
    is stream side data and stays, so the picture keeps its orientation.
    """
    args = [
        "-i",
        safe_path(facts.path),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-c",
        "copy",
        "-dn",
        "-sn",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
    ]
    if facts.codec == "hevc":
        # Apple players and Instagram want HEVC tagged hvc1, not ffmpeg's default hev1.
        args += ["-tag:v", "hvc1"]
    # With edit lists allowed, ffmpeg's own edit list keeps the two streams together.
    args += list(MP4_NO_EDIT_LIST) if drop_edit_list else ["-movflags", "+faststart"]
    args += ["-f", "mp4", "-y", safe_path(dest)]
    return tuple(args)
