"""Making a bundle's media files from plan steps, and describing them for the manifest."""

from __future__ import annotations

import hashlib
from pathlib import Path

from repost.media.ffmpeg import run_ffmpeg, safe_path
from repost.media.linking import original_of, place_file, sha256_known
from repost.media.probe import probe_media
from repost.media.render import shared_decode_args


def make_file(step, dest: Path, *, threads: int | None = None, progress=None) -> None:
    """Carry out one plan step, writing ``dest``.

    ``threads`` caps ffmpeg's codec and filter threads (encodes running side by side share the
    cores); ``progress`` gets the fraction done of an ffmpeg step.
    """
    if step.action == "ffmpeg":
        # The plan writes to the bundle-relative name; here it goes to the real (temporary) path.
        rel = safe_path(step.dest)
        args = [str(dest) if a == rel else a for a in step.ffmpeg_args]
        if threads:
            # Output options, so just before "-y <dest>"; -filter_threads is global.
            args[-2:-2] = ["-threads", str(threads)]
            args[:0] = ["-filter_threads", str(threads)]
        run_ffmpeg(args, where=step.source, progress=progress, duration_s=step.duration_s)
    elif step.action == "copy":
        place_file(step.source, dest, hardlink=False)  # the user's own file: never hard-linked
    elif step.action == "photo":
        from repost.media.images import make_photo

        make_photo(step, dest)
    elif step.action == "slideshow":
        from repost.media.slideshow import make_slideshow

        make_slideshow(step, dest)
    elif step.action == "cover":
        from repost.media.covers import make_cover

        make_cover(step, dest)
    else:  # pragma: no cover - the planner makes only the actions above
        raise ValueError(f"unknown step action {step.action!r}")


def make_shared(steps, dests: list[Path], *, threads: int | None = None, progress=None) -> None:
    """Several conform steps of one source, made by one ffmpeg run that decodes it once."""
    facts = probe_media(steps[0].source)
    items = [(step.rendition, str(dest)) for step, dest in zip(steps, dests, strict=True)]
    args = list(shared_decode_args(facts, items, threads))
    if threads:
        args[:0] = ["-filter_threads", str(threads)]
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
