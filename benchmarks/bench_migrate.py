"""Benchmark: `repost migrate` over a 1,000-post backlog with nothing to do, and its memory.

Builds backlogs of N photo posts (post folders; photos hard-linked to one small JPEG, so the first
run costs Pillow probes and copies, not ffmpeg), migrates them once to two platforms, then:
  - times a second run, which has nothing to do, as a user runs it (``python -m repost``);
  - takes that run's peak RSS, and the Python heap peak (tracemalloc) of a nothing-to-do run in
    process, at each N, to show memory does not grow with the backlog. The heap peak jitters by
    about 1 MiB whatever N: CPython rebuilds its interned-strings table (path parts are interned).
With ``--source tiktok`` the backlog is a TikTok export instead (user_data_tiktok.json, one
signed-looking link per post, served from 127.0.0.1 for the first run's downloads): the export's
JSON is read whole on every run, so its heap peak follows the export file's size (about 2.5 KB
a post here), while everything repost holds of its own stays flat.
Run: python benchmarks/bench_migrate.py [--sizes 250,1000,2000] [--source posts|tiktok] [--keep DIR]
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


def serve_photo(photo: Path) -> str:
    """A loopback server giving ``photo`` for any path (the links' query, a "signature", ignored)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = photo.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def make_tiktok_export(root: Path, n: int, base: str) -> Path:
    import json

    folder = root / f"tiktok-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    videos = [
        {"Date": f"2024-01-01 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}",
         "Link": f"{base}/obj/{i}.image?x-expires=1735689600&x-signature=s{i}",
         "Title": f"Backlog post {i} 🐱 #cats", "WhoCanView": "Everyone", "Likes": "3"}
        for i in range(n)
    ]  # fmt: skip
    doc = {"Post": {"Posts": {"VideoList": videos}}, "Your Activity": {"Watch History": {"VideoList": None}}}
    (folder / "user_data_tiktok.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


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
    from repost.migrate.run import MigrateOptions, migrate
    from repost.platforms.profiles import load_profiles

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
    parser.add_argument("--source", choices=["posts", "tiktok"], default="posts")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="repost-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"backlogs in {root}; platforms {TO}; source {args.source}")
    base = None
    for n in (int(s) for s in args.sizes.split(",")):
        if args.source == "tiktok":
            make_backlog(root, 0)  # the photo the server gives
            base = base or serve_photo(root / "photo.jpg")
            src, out = make_tiktok_export(root, n, base), root / f"out-tiktok-{n}"
        else:
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
