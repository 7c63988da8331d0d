"""Benchmark: `repost migrate` over a 1,000-post backlog with nothing to do, and its memory.

Builds backlogs of N photo posts (post folders; photos hard-linked to one small JPEG, so the first
run costs Pillow probes and copies, not ffmpeg), migrates them once to two platforms, then:
  - times a second run, which has nothing to do, as a user runs it (``python -m repost``);
  - measures the Python heap peak (tracemalloc) of a nothing-to-do run in process, at each N,
    to show memory does not grow with the backlog.
Run: python benchmarks/bench_migrate.py [--sizes 250,1000] [--keep DIR]
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


def run_cli(src: Path, out: Path, *extra: str) -> float:
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "repost", "migrate", str(src), "--to", TO, "--out", str(out), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"migrate failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return took


def heap_peak(src: Path, out: Path) -> int:
    from repost.migrate import MigrateOptions, migrate
    from repost.profiles import load_profiles

    profiles = load_profiles()
    tracemalloc.start()
    summary = migrate(src, profiles, MigrateOptions(out=out, to=TO, jobs=2))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.made == 0 and not summary.failed, summary.to_dict()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="repost-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"backlogs in {root}; platforms {TO}")
    for n in (int(s) for s in args.sizes.split(",")):
        src, out = make_backlog(root, n), root / f"out-{n}"
        first = run_cli(src, out, "-j", "2")
        again = run_cli(src, out, "-j", "2")
        peak = heap_peak(src, out)
        print(
            f"{n:>6} posts: first run {first:6.1f} s ({2 * n} bundles); nothing to do {again:5.2f} s "
            f"(wall, python -m repost); heap peak of a nothing-to-do run {peak / 1024:,.0f} KiB"
        )


if __name__ == "__main__":
    main()
