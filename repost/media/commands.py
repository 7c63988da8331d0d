"""ffmpeg argument lists of the video operations, built as plain data (pure), for a run and for
``--dry-run`` alike."""

from __future__ import annotations

from repost.media.ffmpeg import safe_path
from repost.media.mp4 import global_args, output, remux_muxer_options
from repost.media.render import conform_args
from repost.ops import Conform, Remux


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
    for name, value in remux_muxer_options(op).items():
        opts += [f"-{name}", value]
    return (*global_args(threads), "-i", safe_path(source), *output([*opts, "-f", "mp4"], dest, threads))


def ffmpeg_args(step, dest, *, threads: int | None = None) -> tuple[str, ...] | None:
    """The arguments after ``ffmpeg`` that carry out ``step`` into ``dest`` (None for a step
    made without ffmpeg's command line): at run time into the real path, for ``--dry-run``
    into the bundle-relative name."""
    if isinstance(step.op, Remux):
        return remux_args(step.op, step.source, dest, threads=threads)
    if isinstance(step.op, Conform):
        return conform_args(step.op, step.source, dest, threads=threads)
    return None
