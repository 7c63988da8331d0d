"""Benchmark: a TikTok-native backlog that needs no encode, migrated to RedNote, Reels and Lemon8,
against the copy limit (copying the same files once plus decoding one frame of each).

    python benchmarks/bench_copy_limit.py [--posts 24] [--seconds 10] [--size 1080x1920] [-j 1] [--repeat 1]
                                          [--norms off] [--content testsrc2|pan]

The backlog: post folders, each with its own copy of a 9:16 H.264 High / AAC 48 kHz stereo 30 fps
clip (testsrc2 with light sensor-like noise, a keyframe every 2 s as phone apps write them, moov
first, no edit list), the case after the January 2025 move. ``--content pan``: the same pattern
seen by a moving phone instead of a fixed camera (a slow pan across a testsrc2 twice the size,
with a few pixels of hand shake), where nothing stays put in a corner. ``--dry-run`` is checked
first: every video step must be a stream copy (no encode), or the benchmark stops.

Figures printed:
  - the copy limit: each source copied once (shutil.copyfile) and one frame of it decoded (PyAV);
  - the whole run in process (``migrate()`` as the CLI calls it, -j N), and its ratio to the limit
    (goal <= 1.5x); the CLI's fixed start-up (``python -m repost --version``) and the loading of
    the libraries the run imports on first use (PyAV, NumPy, OpenCV, Pillow) are printed apart,
    as neither grows with the backlog (the copy limit's own PyAV is loaded before its clock too);
  - where a run's CPU time goes (a second, -j 1 run into a fresh folder with timers on the
    stages, the probes and loudness the first run cached forgotten): probing, the decode shared
    by the watermark scan, tesseract and the cover pick, the scan's statistics, tesseract,
    loudness, remuxing (by ffmpeg, or in process), covers, hashing, copying or linking, and the
    rest (planning, texts, manifests).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from content import CONTENTS, picture

from repost.media.ffmpeg import find_ffmpeg

TO = "rednote,reels,lemon8"


def make_backlog(root: Path, posts: int, seconds: float, size: str, content: str = "testsrc2") -> Path:
    src = root / f"backlog-{content}"
    if src.is_dir():
        return src
    master = root / f"master-{content}.mp4"
    source, vf = picture(content, size, seconds)
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", source,
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-vf", vf, "-ac", "2",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-maxrate", "8M", "-bufsize", "16M",
         "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "60",
         "-c:a", "aac", "-b:a", "128k", "-shortest", "-use_editlist", "0", "-movflags", "+faststart",
         str(master)],
        check=True,
    )  # fmt: skip
    for i in range(posts):
        post = src / f"post-{i:04d}"
        post.mkdir(parents=True)
        shutil.copyfile(master, post / "clip.mp4")  # a file of its own: no cache may share it
        (post / "post.yaml").write_text(
            f"title: Clip {i}\ncaption: Day {i} of the move 🐱 #cats #fyp\n"
            f"created: 2024-01-{1 + i % 28:02d}T12:00:00Z\nmedia: [clip.mp4]\n",
            encoding="utf-8",
        )
    return src


def check_stream_copy(src: Path, out: Path) -> int:
    """Every video step of the plan is a copy or an ffmpeg stream copy; returns the step count."""
    proc = subprocess.run(
        [sys.executable, "-m", "repost", "export", *sorted(src.iterdir()), "--to", TO, "--out", out,
         "--dry-run", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    doc = json.loads(proc.stdout)
    steps = [s for p in doc["plans"] for s in p["steps"] if s["role"] == "video"]
    encodes = [s for s in steps if s["action"] == "ffmpeg" and "-c:v" in s["command"]
               and s["command"][s["command"].index("-c:v") + 1] != "copy"]  # fmt: skip
    if not steps or encodes or not all(p["ok"] for p in doc["plans"]):
        sys.exit(f"the backlog is not stream-copy only: {json.dumps(encodes or doc['plans'][:1])[:800]}")
    return len(steps)


def cpu_now() -> float:
    """User+sys seconds of this process (every thread) and of the children it waited for."""
    mine, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime


def copy_limit(src: Path, scratch: Path) -> tuple[float, float]:
    """(wall, CPU) seconds to copy each file once and decode one frame of each."""
    import av

    scratch.mkdir()
    start, cpu = time.perf_counter(), cpu_now()
    for i, clip in enumerate(sorted(src.glob("*/clip.mp4"))):
        shutil.copyfile(clip, scratch / f"{i}.mp4")
        with av.open(str(clip)) as c:
            next(c.decode(video=0)).to_image()
    took = (time.perf_counter() - start, cpu_now() - cpu)
    shutil.rmtree(scratch)
    return took


def load_libraries() -> float:
    """CPU seconds to import what the run loads on first use: a fixed cost, kept off both clocks."""
    cpu = cpu_now()
    import av  # noqa: F401
    import cv2  # noqa: F401
    import numpy  # noqa: F401
    from PIL import Image

    Image.init()  # Pillow's format plugins (JPEG) load on first save
    return cpu_now() - cpu


def forget_measurements() -> None:
    """Empty the caches the earlier runs filled in this process (probes, loudness), so each
    timed run runs as a fresh one; a version of repost without one skips it."""
    import importlib

    for module, name in (("repost.media.probe", "clear_probe_cache"),
                         ("repost.media.loudness", "clear_loudness_cache")):  # fmt: skip
        clear = getattr(importlib.import_module(module), name, None)
        if clear is not None:
            clear()


def run_migrate(src: Path, out: Path, jobs: int, norms: bool = True) -> tuple[float, float]:
    """(wall, CPU) seconds of migrating the backlog in this process."""
    from repost.migrate.run import MigrateOptions, migrate
    from repost.plan.options import PlanOptions
    from repost.platforms.profiles import load_profiles

    profiles = load_profiles()
    start, cpu = time.perf_counter(), cpu_now()
    options = MigrateOptions(out=out, to=TO, jobs=jobs, plan=PlanOptions(norms=norms))
    summary = migrate(src, profiles, options)
    took = (time.perf_counter() - start, cpu_now() - cpu)
    if summary.failed or summary.made != 3 * summary.posts:
        sys.exit(f"migrate failed: {summary.to_dict()}")
    return took


@contextmanager
def stage_timers():
    """Wrap the stages' functions with CPU timers (a -j 1 run: the stages run one after another
    in one worker thread, so the CPU the process and its children spend meanwhile is theirs).
    A stage called inside another is counted apart, not twice. Functions a version of repost
    lacks are left out (the same script times the code before and after a change)."""
    import repost.bundle.build as bundle
    import repost.media.covers as covers
    import repost.media.files as files
    import repost.media.loudness as loudness
    import repost.media.ocr as ocr
    import repost.media.probe as probe
    import repost.media.qr as qr
    import repost.media.watermark as watermark

    # The QR search remembers pictures by content: the timed run's covers come out byte for byte
    # as the first run's, and would not be searched at all.
    getattr(qr, "_SEEN", {}).clear()
    spent: dict[str, float] = defaultdict(float)
    local = threading.local()
    patches = [
        (probe, "_probe_uncached", "probe"),
        (watermark, "sample_video", "analysis decode (scan, OCR frames, cover)"),
        (watermark, "find_watermark", "watermark scan (decode + statistics)"),
        (watermark, "judge_samples", "watermark statistics"),
        (ocr, "read_words", "tesseract (OCR of the corners)"),
        (covers, "decode_frames", "cover frame choice (decode, score)"),
        (loudness, "measure_loudness", "loudness (manifest)"),
        (covers, "render_photo", "cover fitting (crop, blur, resize)"),
        (covers, "encode_jpeg", "cover JPEG"),
        # bundle/norms.py calls find_qr_codes by its own name: the search itself is timed here
        (qr, "_search", "QR check of covers (norms)"),
        (files, "run_ffmpeg", "remux (ffmpeg -c copy)"),
        (files, "remux_in_process", "remux (in process, PyAV)"),
        (files, "remux_all_in_process", "remux (in process, PyAV)"),
        (files, "sha256_of", "hashing"),
        (bundle, "sha256_of", "hashing"),
        (shutil, "copyfile", "copying"),
        (os, "fsync", "fsync (bundles made durable)"),
    ]
    try:
        import repost.media.linking as linking

        patches.append((linking, "_reflink", "reflink attempts"))
    except ImportError:
        pass
    try:  # the sound metered in process, on its own or while a remux reads the file
        from repost.media.bs1770 import Meter

        patches += [(Meter, name, "loudness (manifest)") for name in ("feed", "take", "result")]
    except ImportError:
        pass
    saved = []
    for module, name, label in patches:
        fn = getattr(module, name, None)
        if fn is None:
            continue
        saved.append((module, name, fn))

        def timed(*a, _fn=fn, _label=label, **k):
            stack = local.__dict__.setdefault("stack", [])
            stack.append(0.0)  # CPU of the stages called inside this one
            t = cpu_now()
            try:
                return _fn(*a, **k)
            finally:
                took = cpu_now() - t
                inner = stack.pop()
                spent[_label] += took - inner
                if stack:
                    stack[-1] += took

        setattr(module, name, timed)
    try:
        yield spent
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="1080x1920")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the best is kept")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--norms", choices=("on", "off"), default="on",
                        help="off: as --norms off (no watermark scan, no OCR)")  # fmt: skip
    parser.add_argument("--content", choices=CONTENTS, default="testsrc2",
                        help="pan: a hand-held phone panning across the pattern")  # fmt: skip
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="repost-copylimit-"))
    root.mkdir(parents=True, exist_ok=True)
    src = make_backlog(root, args.posts, args.seconds, args.size, args.content)
    mb = sum(p.stat().st_size for p in src.glob("*/clip.mp4")) / 1e6
    steps = check_stream_copy(src, root / "dry")
    print(f"backlog: {args.posts} posts, {mb:.0f} MB, {args.size} {args.seconds:g} s {args.content};"
          f" to {TO}; {steps} video steps, all stream copies (--dry-run)")  # fmt: skip
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "repost", "--version"], check=True, capture_output=True)
    startup = time.perf_counter() - start
    libraries = load_libraries()
    copy_limit(src, root / "warm")  # once to warm the page cache, as the runs find it
    limits, runs = [], []
    for _ in range(args.repeat):  # a loaded machine: the best of a few runs of each
        limits.append(copy_limit(src, root / "scratch"))
        shutil.rmtree(root / "out", ignore_errors=True)
        forget_measurements()  # each run as a fresh one, not reading what the one before measured
        runs.append(run_migrate(src, root / "out", args.jobs, args.norms == "on"))
    limit, took = min(w for w, _ in limits), min(w for w, _ in runs)
    limit_cpu, took_cpu = min(c for _, c in limits), min(c for _, c in runs)
    shutil.rmtree(root / "out-stages", ignore_errors=True)
    forget_measurements()
    with stage_timers() as spent:
        _, staged = run_migrate(src, root / "out-stages", 1, args.norms == "on")
    what = "copy each file once + decode one frame each"
    print(f"copy limit          : {limit:6.2f} s, CPU {limit_cpu:6.2f} s ({what})")
    print(f"repost migrate -j {args.jobs} : {took:6.2f} s, CPU {took_cpu:6.2f} s in process ="
          f" {took / limit:.2f}x the copy limit's wall time, {took_cpu / limit_cpu:.2f}x its CPU time"
          f" (goal <= 1.5x); CLI start-up {startup:.2f} s and libraries' loading {libraries:.2f} s"
          f" CPU apart; best of {args.repeat};"
          f" norms {args.norms}")  # fmt: skip
    print(f"where a -j 1 run's CPU ({staged:.2f} s) goes:")
    for label, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<36} {s:6.2f} s  {100 * s / staged:4.0f}%")
    rest = staged - sum(spent.values())
    print(f"  {'the rest (plan, texts, manifests...)':<36} {rest:6.2f} s  {100 * rest / staged:4.0f}%")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
