"""Video files made once per run and shared by every bundle that needs the same one."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from repost.errors import MediaError
from repost.media.files import make_file, make_shared
from repost.media.linking import place_file
from repost.media.render import can_share_decode
from repost.ops import Remux


class Renditions:
    """Files made once per run and copied for every bundle that needs the same one.

    A rendition is keyed by its source and its operation (repost/ops.py), so platforms whose
    plans come out identical share one encode. ``prepare`` makes every distinct video encode
    up front, ``jobs`` at a time, with the cores shared between them. ``threads`` fixes each
    ffmpeg run's threads instead, for a caller running several Renditions side by side (migrate's
    posts in parallel).
    """

    def __init__(self, jobs: int = 1, progress=None, *, threads: int | None = None) -> None:
        self.made: dict[tuple, Path] = {}
        self.failed: dict[tuple, MediaError] = {}
        self.jobs = jobs
        self.threads = threads
        # progress(steps): a context manager yielding the callable an encode's fraction done goes to
        self.progress = progress
        self.lock = threading.Lock()

    @staticmethod
    def key(step) -> tuple:
        """Steps reading the same file by the same operation make the same file; covers too
        where only what does not show differs (Reels' safe area for a text it does not have)."""
        picture = getattr(step.op, "picture", None)
        return (str(step.source.resolve()), picture if picture is not None else step.op)

    def prepare(self, steps, work: Path) -> None:
        """Make each distinct video encode once, ``jobs`` runs at a time, into ``work``;
        encodes of one source share a decode (one ffmpeg run, see :func:`group_encodes`)."""
        groups = group_encodes(steps)
        if not groups:
            return
        work.mkdir(parents=True, exist_ok=True)
        threads = self.threads or threads_per_encode(min(self.jobs, len(groups)))

        def make_group(item) -> None:
            i, members = item
            keys = [self.key(step) for step in members]
            dests = [work / f"{i:03d}-{j}-{step.dest}" for j, step in enumerate(members)]
            try:
                with self.progress(members) if self.progress else nullcontext() as bar:
                    if len(members) == 1:
                        make_file(members[0], dests[0], threads=threads, progress=bar)
                    else:
                        make_shared(members, dests, threads=threads, progress=bar)
            except MediaError as exc:
                with self.lock:
                    self.failed.update(dict.fromkeys(keys, exc))
                return
            with self.lock:
                self.made.update(zip(keys, dests, strict=True))

        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            list(pool.map(make_group, enumerate(groups)))

    def make(self, step, dest: Path) -> str | None:
        """Make ``dest``; returns "reflink" or "hardlink" where it shares an earlier one's data."""
        key = self.key(step)
        with self.lock:
            failed = self.failed.get(key)
            earlier = self.made.get(key)
        if failed is not None:
            raise failed
        if earlier is not None and earlier.is_file():
            how = place_file(earlier, dest)  # media/linking.py: reflink, else copy (REPOST_LINK)
            return how if how != "copy" else None
        # A slideshow is the one video made here rather than in prepare(): its progress too.
        shown = self.progress is not None and step.action == "slideshow"
        with self.progress([step]) if shown else nullcontext() as bar:
            make_file(step, dest, threads=self.threads, progress=bar)
        with self.lock:
            self.made[key] = dest
        return None

    def moved(self, old: Path, new: Path) -> None:
        """A finished bundle was renamed from ``old`` to ``new``: follow its files."""
        with self.lock:
            for key, path in self.made.items():
                if path.is_relative_to(old):
                    self.made[key] = new / path.relative_to(old)


# One decode feeding several encoders saves ~15% CPU for two renditions of a 1080p clip
# (benchmarks/bench_decode_once.py), but each x264 encoder in the run holds its own ~20 frames
# in flight: two 1080x1920-class encoders in one ffmpeg peak at ~530 MB against ~330 MB for
# one (measured with ffmpeg 9, veryfast, 2 cores). To keep an export under its 400 MB memory
# goal, a shared run's outputs together make at most one 1080x1920 frame's worth of pixels.
SHARED_DECODE_MAX_PIXELS = 1080 * 1920


def group_encodes(steps) -> list[list]:
    """The distinct video steps of a run, grouped into ffmpeg runs: conforms of the same
    source and start share one decode while their frames fit SHARED_DECODE_MAX_PIXELS;
    remuxes of the same source share one reading of it (media/remux.py); anything else
    (silent-track renditions) runs alone. Keyed by the operation, so identical renditions
    appear once."""
    unique: dict[tuple, object] = {}
    for step in steps:
        if step.action == "ffmpeg" and step.role == "video":
            unique.setdefault(Renditions.key(step), step)
    groups: list[list] = []
    open_groups: dict[tuple, tuple[list, int]] = {}
    remuxes: dict[str, list] = {}
    for step in unique.values():
        if isinstance(step.op, Remux):
            source = str(step.source.resolve())
            if source not in remuxes:
                remuxes[source] = []
                groups.append(remuxes[source])
            remuxes[source].append(step)
            continue
        r = step.rendition
        if r is None or not can_share_decode(r):
            groups.append([step])
            continue
        pixels = r.width * r.height
        source = (str(step.source.resolve()), r.start_s)
        group, used = open_groups.get(source, (None, 0))
        if group is None or used + pixels > SHARED_DECODE_MAX_PIXELS:
            group, used = [], 0
            groups.append(group)
        group.append(step)
        open_groups[source] = (group, used + pixels)
    return groups


# x264's default is 1.5 threads per core and every thread keeps frames in flight: one
# 1080x1920 veryfast encode peaks at ~340 MB with 3 threads and ~315 MB with 2 (ffmpeg 9,
# measured). A cap keeps an encode's memory bounded on many-core machines, where -j N uses
# the other cores instead.
MAX_ENCODER_THREADS = 4


def threads_per_encode(parallel: int) -> int:
    """Threads for each of ``parallel`` ffmpeg runs: the cores split evenly, at least one
    each, at most MAX_ENCODER_THREADS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_ENCODER_THREADS, cores // max(1, parallel)))
