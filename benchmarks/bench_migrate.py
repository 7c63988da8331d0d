"""Benchmark: `repost migrate` over a 1,000-post backlog with nothing to do, and its memory.

Builds backlogs of N photo posts (post folders; photos hard-linked to one small JPEG, so the first
run costs Pillow probes and copies, not ffmpeg), migrates them once to two platforms, then:
  - times a second run, which has nothing to do, as a user runs it (``python -m repost``);
  - takes that run's peak RSS, and the Python heap peak (tracemalloc) of a nothing-to-do run in
    process, at each N, to show memory does not grow with the backlog. The heap peak jitters by
    about 1 MiB whatever N: CPython rebuilds its interned-strings table (path parts are interned).
Run: python benchmarks/bench_migrate.py [--sizes 250,1000,2000] [--keep DIR]
Goal: the nothing-to-do run over 1,000 posts under 3 s; the heap peak flat across sizes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

TO = "rednote,lemon8"


def make_backlog(root: Path, n: int) -> Path:
    from PIL import Image

    src = root / f"backlog-{n}"
    if src.is_dir():  # kept from an earlier run (--keep)
        return src
    src.mkdir(parents=True)
    photo = root / "photo.jpg"
    if not photo.exists():
        Image.new("RGB", (600, 800), (40, 120, 200)).save(photo, quality=85)
    for i in range(n):
        post = src / f"post-{i:05d}"
        post.mkdir()
        os.link(photo, post / "01.jpg")
        (post / "post.yaml").write_text(
            f"title: Post {i}\ncaption: Backlog post {i} 🐱 #cats\ncreated: 2024-01-01T12:00:00Z\n"
            "media: [01.jpg]\n",
            encoding="utf-8",
        )
    return src


def run_cli(src: Path, out: Path, *extra: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one ``python -m repost migrate`` run."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "repost", "migrate", str(src), "--to", TO, "--out", str(out), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"migrate failed ({code}): {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return took, usage.ru_maxrss  # KiB on Linux


def heap_peak(src: Path, out: Path) -> int:
    from repost.migrate import MigrateOptions, migrate
    from repost.profiles import load_profiles

    profiles = load_profiles()
    # One untraced pass first: Python interns every path part it meets once per process (a
    # one-off step of the interned-strings table), which is not memory the migration holds.
    migrate(src, profiles, MigrateOptions(out=out, to=TO, jobs=2))
    tracemalloc.start()
    summary = migrate(src, profiles, MigrateOptions(out=out, to=TO, jobs=2))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.made == 0 and not summary.failed, summary.to_dict()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000,2000")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="repost-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"backlogs in {root}; platforms {TO}")
    for n in (int(s) for s in args.sizes.split(",")):
        src, out = make_backlog(root, n), root / f"out-{n}"
        first, _ = run_cli(src, out, "-j", "2")
        again, rss = run_cli(src, out, "-j", "2")
        peak = heap_peak(src, out)
        print(
            f"{n:>6} posts: first run {first:6.1f} s ({2 * n} bundles); nothing to do {again:5.2f} s "
            f"(wall, python -m repost), peak RSS {rss / 1024:5.1f} MiB, "
            f"Python heap peak {peak / 1024:,.0f} KiB"
        )


if __name__ == "__main__":
    main()
