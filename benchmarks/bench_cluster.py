"""Benchmark: a mixed backlog through `--cluster local:2` against `-j 2` on the same machine, and the
throughput model of docs/scaling.md for N workers.

    python benchmarks/bench_cluster.py [--posts 40] [--seconds 4] [--size 720x1280]

The backlog (post folders, each file its own copy): a third TikTok-native 9:16 clips (stream
copies), a third 16:9 clips (an encode for each 9:16 platform), a third two-photo posts; to
RedNote, Reels and Lemon8. Both runs are ``python -m repost migrate`` in a child process, into
fresh folders; the cluster's figure includes starting its two worker processes. The bundles
are compared (manifests equal but for their times). Goal: the cluster run at most 10% slower.

The model: a bundle costs ``c`` seconds of one worker's core (measured here: the -j 2 run's
wall time x 2 cores / bundles) and moves ``b`` bytes through storage (sources read, bundle
files written: measured from the output); storage gives ``B`` bytes/s (measured by copying the
backlog's files, so the page cache's figure on one machine: give a shared file system's own
with --storage-mbps). N workers with k cores each make at most min(N k / c, B / b) bundles a
second, plus the coordinator's own cost per bundle (state, triage), measured from a
nothing-to-do run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from repost.media.ffmpeg import find_ffmpeg

TO = "rednote,reels,lemon8"


def ffmpeg(*args) -> None:
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", *map(str, args)], check=True)


def make_backlog(root: Path, posts: int, seconds: float, size: str) -> Path:
    from PIL import Image

    src = root / "backlog"
    if src.is_dir():
        return src
    w, h = (int(v) for v in size.split("x"))
    masters = {}
    for name, (cw, ch) in (("native", (w, h)), ("wide", (h, w))):
        masters[name] = root / f"{name}.mp4"
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={cw}x{ch}:rate=30:duration={seconds}",
               "-f", "lavfi", "-i", f"sine=sample_rate=48000:duration={seconds}", "-ac", "2",
               "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "60",
               "-c:a", "aac", "-shortest", "-use_editlist", "0", "-movflags", "+faststart",
               masters[name])  # fmt: skip
    photo = root / "photo.jpg"
    Image.effect_noise((900, 1200), 40).convert("RGB").save(photo, quality=88)
    for i in range(posts):
        post = src / f"post-{i:03d}"
        post.mkdir(parents=True)
        kind = ("native", "wide", "photos")[i % 3]
        if kind == "photos":
            media = ["1.jpg", "2.jpg"]
            for m in media:
                shutil.copyfile(photo, post / m)
        else:
            media = ["clip.mp4"]
            shutil.copyfile(masters[kind], post / "clip.mp4")
        (post / "post.yaml").write_text(
            f"title: Post {i}\ncaption: Day {i} 🐱 #cats\nmedia: [{', '.join(media)}]\n", encoding="utf-8"
        )
    return src


def children_cpu() -> float:
    """User+sys seconds of the child processes waited for (the run and the workers it started)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def run_cli(src: Path, out: Path, *extra: str, fresh: bool = True) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``repost migrate`` (into an emptied ``out`` where ``fresh``)."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    start, cpu = time.perf_counter(), children_cpu()
    cmd = [sys.executable, "-m", "repost", "migrate", str(src), "--to", TO, "--out", str(out), "--json"]
    cmd += extra
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    took = (time.perf_counter() - start, children_cpu() - cpu)
    if proc.returncode != 0:
        tail = f"{proc.stderr[-1000:]} {proc.stdout[-1500:]}"
        sys.exit(f"migrate {' '.join(extra)} failed ({proc.returncode}): {tail}")
    summary = json.loads(proc.stdout)
    if summary["failed"]:
        sys.exit(f"bundles failed: {summary['failed'][:3]}")
    return took


def manifests(out: Path) -> dict:
    found = {}
    for path in sorted(out.glob("*/*/manifest.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.pop("created", None)
        found[str(path.relative_to(out))] = doc
    return found


def storage_bytes_per_s(src: Path, scratch: Path) -> float:
    files = sorted(p for p in src.rglob("*") if p.is_file())
    scratch.mkdir()
    for f in files:  # warm
        shutil.copyfile(f, scratch / f"w-{f.parent.name}-{f.name}")
    start = time.perf_counter()
    for f in files:
        shutil.copyfile(f, scratch / f"{f.parent.name}-{f.name}")
        with open(scratch / f"{f.parent.name}-{f.name}", "rb") as fh:
            os.fsync(fh.fileno())
    took = time.perf_counter() - start
    total = sum(f.stat().st_size for f in files)
    shutil.rmtree(scratch)
    return 2 * total / took  # each byte read once and written once


def model(cost_s: float, bundle_bytes: float, storage: float, coord_s: float, workers: int, cores: int):
    compute = workers * cores / cost_s
    io = storage / bundle_bytes
    coordinator = 1 / coord_s if coord_s > 0 else float("inf")
    return min(compute, io, coordinator), compute, io, coordinator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--size", default="720x1280")
    parser.add_argument("--cores", type=int, default=8, help="cores per worker in the model")
    parser.add_argument("--storage-mbps", type=float, help="the shared storage's MB/s (default: measured)")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each, alternating; the best of each is kept (load swings)")  # fmt: skip
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="repost-cluster-"))
    root.mkdir(parents=True, exist_ok=True)
    src = make_backlog(root, args.posts, args.seconds, args.size)
    locals_, clusters = [], []
    for _ in range(args.repeat):
        locals_.append(run_cli(src, root / "out-j2", "-j", "2"))
        clusters.append(run_cli(src, root / "out-cluster", "--cluster", "local:2"))
    local, cluster = min(w for w, _ in locals_), min(w for w, _ in clusters)
    local_cpu, cluster_cpu = min(c for _, c in locals_), min(c for _, c in clusters)
    same = manifests(root / "out-j2") == manifests(root / "out-cluster")
    bundles = len(manifests(root / "out-j2"))
    # Nothing to do: the coordinator's own cost.
    again, _ = run_cli(src, root / "out-j2", "-j", "2", fresh=False)
    print(f"backlog: {args.posts} posts ({bundles} bundles), {args.size} {args.seconds:g} s clips and photos")
    print(f"-j 2             : {local:7.1f} s, CPU {local_cpu:7.1f} s")
    slower = 100 * (cluster / local - 1)
    print(f"--cluster local:2: {cluster:7.1f} s, CPU {cluster_cpu:7.1f} s = {slower:+.0f}%"
          f" wall (goal <= +10%), {100 * (cluster_cpu / local_cpu - 1):+.0f}% CPU; best of {args.repeat};"
          f" bundles {'the same' if same else 'DIFFERENT'} (manifests but for times)")  # fmt: skip
    if args.repeat > 1:  # this machine's load swings: every run, and the medians' ratio
        sides = {"-j 2": locals_, "local:2": clusters}
        median = statistics.median(w for w, _ in clusters) / statistics.median(w for w, _ in locals_)
        each = {side: ", ".join(f"{w:.1f} ({c:.0f})" for w, c in runs) for side, runs in sides.items()}
        shown = "; ".join(f"{side} {runs}" for side, runs in each.items())
        print(f"each run's wall s (CPU s), in turn: {shown}; medians {100 * (median - 1):+.0f}% wall")
    cores_here = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cost = local * min(2, cores_here) / bundles
    out_bytes = sum(p.stat().st_size for p in (root / "out-j2").glob("*/*/*") if p.is_file())
    in_bytes = sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
    per_bundle = (out_bytes + in_bytes) / bundles
    storage = args.storage_mbps * 1e6 if args.storage_mbps else storage_bytes_per_s(src, root / "scratch")
    coord = again / bundles
    print(f"model inputs: c = {cost:.2f} core-s a bundle; b = {per_bundle / 1e6:.1f} MB a bundle; "
          f"B = {storage / 1e6:.0f} MB/s; coordinator {coord * 1000:.1f} ms a bundle; "
          f"{args.cores} cores a worker")  # fmt: skip
    for n in (10, 100):
        rate, compute, io, coordinator = model(cost, per_bundle, storage, coord, n, args.cores)
        bound = {compute: "cores", io: "storage", coordinator: "coordinator"}[rate]
        print(f"{n:>4} workers: {rate:7.1f} bundles/s = {rate * 3600:9,.0f} an hour ({bound}-bound; "
              f"cores {compute:.1f}/s, storage {io:.1f}/s, coordinator {coordinator:.1f}/s)")  # fmt: skip
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
