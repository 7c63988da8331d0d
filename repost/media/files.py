"""Making a bundle's media files from plan steps (their operations), and describing them for the manifest."""

from __future__ import annotations

import hashlib
from pathlib import Path

from repost.media.commands import ffmpeg_args
from repost.media.covers import make_cover
from repost.media.ffmpeg import run_ffmpeg
from repost.media.images import make_photo
from repost.media.linking import original_of, place_file, sha256_known
from repost.media.loudness import levels_on_the_way
from repost.media.probe import probe_media
from repost.media.remux import remux_all_in_process
from repost.media.render import shared_args
from repost.media.slideshow import make_slideshow
from repost.ops import Copy, CoverOp, PhotoOp, Remux, SlideshowOp


def make_file(step, dest: Path, *, threads: int | None = None, progress=None) -> None:
    """Carry out one plan step (its operation, repost/ops.py), writing ``dest``.

    ``threads`` caps ffmpeg's codec and filter threads (encodes running side by side share the
    cores); ``progress`` (a plain callable) gets the fraction done of a video being made. A
    stream copy is made in process where media/remux.py covers its source, else by ffmpeg.
    """
    op = step.op
    if isinstance(op, Remux):  # a group of one: in process where it can be, the sound metered
        make_shared([step], [dest], threads=threads, progress=progress)
        return
    args = ffmpeg_args(step, dest, threads=threads)
    if args is not None:
        run_ffmpeg(args, where=step.source, progress=progress, duration_s=step.duration_s)
    elif isinstance(op, Copy):
        place_file(step.source, dest, hardlink=False)  # the user's own file: never hard-linked
    elif isinstance(op, PhotoOp):
        make_photo(step, dest)
    elif isinstance(op, SlideshowOp):
        make_slideshow(step, dest, threads=threads, progress=progress)
    elif isinstance(op, CoverOp):
        make_cover(step, dest)
    else:  # pragma: no cover - ops.OPERATIONS is closed: the planner makes only these
        raise TypeError(f"unknown operation {type(op).__name__}")


def make_shared(steps, dests: list[Path], *, threads: int | None = None, progress=None) -> None:
    """Several conform steps of one source, made by one ffmpeg run that decodes it once; or
    several remuxes of one source, made from one reading of it (each by its own ffmpeg run
    where media/remux.py does not cover the source)."""
    items = [(step.op, dest) for step, dest in zip(steps, dests, strict=True)]
    if all(isinstance(op, Remux) for op, _ in items):
        # The source's sound is metered on the way (its manifest records it).
        if not remux_all_in_process(steps[0].source, items, levels_on_the_way(steps[0].source)):
            for step, dest in zip(steps, dests, strict=True):
                run_ffmpeg(
                    ffmpeg_args(step, dest, threads=threads), where=step.source, duration_s=step.duration_s
                )
        if progress is not None:
            progress(1.0)
        return
    args = shared_args(steps[0].source, items, threads=threads)
    longest = max((step.duration_s or 0.0) for step in steps) or None
    run_ffmpeg(args, where=steps[0].source, progress=progress, duration_s=longest)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def media_entry(path: Path, name: str, role: str) -> dict:
    """A manifest ``files`` entry: path, role, sha256, bytes and the probed media facts. A copy
    of a file made this run is neither probed nor hashed again (media/linking.py knows it)."""
    facts = probe_media(original_of(path))
    entry = {
        "path": name,
        "role": role,
        "sha256": sha256_known(path, sha256_of),
        "bytes": path.stat().st_size,
        "width": facts.width,
        "height": facts.height,
    }
    if facts.kind == "video":
        entry.update(
            duration_s=round(facts.duration_s, 3),
            fps=round(facts.fps, 3),
            codecs={"video": facts.codec, "audio": facts.audio.codec if facts.audio else None},
            pix_fmt=facts.pix_fmt,
        )
    else:
        entry.update(format=facts.format, mode=facts.mode)
    return entry
