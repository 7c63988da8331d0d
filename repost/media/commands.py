"""ffmpeg argument lists, built as plain data (pure): the planner shows them, media/ runs them."""

from __future__ import annotations

from repost.media.ffmpeg import safe_path


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
    # faststart: moov before mdat, so a player (and Instagram's ingest) needs no seek to the end.
    args += ["-movflags", "+faststart"]
    if drop_edit_list:
        # Instagram wants "no edit lists"; ffmpeg writes one by default for B-frame delay.
        args += ["-use_editlist", "0"]
    args += ["-f", "mp4", "-y", safe_path(dest)]
    return tuple(args)
