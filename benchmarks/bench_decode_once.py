"""Does one decode feeding several encodes pay? Two renditions of one 1080p clip, made by two
ffmpeg runs (each decodes) versus one run whose decoded frames are split to both encoders.

    python benchmarks/bench_decode_once.py [--seconds 8] [--repeat 2]

Prints wall and CPU seconds (user+sys of the ffmpeg children; CPU time is the steadier figure
on a shared machine) for both ways and the saving of the single decode.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from repost.media.ffmpeg import find_ffmpeg
from repost.media.probe import probe_media
from repost.media.render import audio_args, encoder_args, video_graph
from repost.ops import SourceVideo
from repost.plan.options import PlanOptions
from repost.plan.rendition import plan_conform
from repost.platforms.profiles import load_profiles


def make_source(folder: Path, seconds: float) -> Path:
    src = folder / "wide.mp4"
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-vf", "noise=alls=6:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
         "-c:a", "aac", "-shortest", str(src)],
        check=True,
    )  # fmt: skip
    return src


def renditions(src: Path):
    """The two distinct renditions repost plans for a 16:9 clip: 9:16 and 3:4, both blurred."""
    facts = probe_media(src)
    profiles = load_profiles()
    return facts, [plan_conform(facts, profiles[p], PlanOptions()).rendition for p in ("tiktok", "rednote")]


def separate_commands(facts, rs, folder: Path) -> list[list[str]]:
    cmds = []
    for i, r in enumerate(rs):
        cmds.append([
            find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(facts.path),
            "-filter_complex", video_graph(SourceVideo.of(facts), r), "-map", "[v]", *encoder_args(r),
            *audio_args(SourceVideo.of(facts), r), "-movflags", "+faststart", str(folder / f"sep{i}.mp4"),
        ])  # fmt: skip
    return cmds


def single_decode_command(facts, rs, folder: Path) -> list[list[str]]:
    """One ffmpeg run: the source decoded once, its frames split to every rendition's graph."""
    graphs = [f"[0:v]split={len(rs)}" + "".join(f"[s{i}]" for i in range(len(rs)))]
    graphs += [_relabel(video_graph(SourceVideo.of(facts), r), i) for i, r in enumerate(rs)]
    cmd = [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(facts.path)]
    cmd += ["-filter_complex", ";".join(graphs)]
    for i, r in enumerate(rs):
        cmd += ["-map", f"[v{i}]", *encoder_args(r), *audio_args(SourceVideo.of(facts), r)]
        cmd += ["-movflags", "+faststart", str(folder / f"one{i}.mp4")]
    return [cmd]


def _relabel(graph: str, i: int) -> str:
    for label in ("bgb", "bg", "fg", "v"):
        graph = graph.replace(f"[{label}]", f"[{label}{i}]")
    return graph.replace("[0:v]", f"[s{i}]", 1)


def timed(cmds: list[list[str]]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        facts, rs = renditions(make_source(folder, args.seconds))
        sep, one = separate_commands(facts, rs, folder), single_decode_command(facts, rs, folder)
        results = {"separate": [], "one decode": []}
        for _ in range(args.repeat):  # interleaved, so a busy spell hits both alike
            results["separate"].append(timed(sep))
            results["one decode"].append(timed(one))
    for name, runs in results.items():
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"{name:>11}: wall {wall:6.2f} s  cpu {cpu:6.2f} s  (best of {len(runs)})")
    sep_cpu = min(r[1] for r in results["separate"])
    one_cpu = min(r[1] for r in results["one decode"])
    print(
        f"one decode saves {100 * (1 - one_cpu / sep_cpu):.1f}% CPU for {len(rs)} renditions of a 1080p clip"
    )


if __name__ == "__main__":
    main()
