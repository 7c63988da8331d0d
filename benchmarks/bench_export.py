"""repost export vs hand-written ffmpeg vs a plain moviepy script, on three 1080p clips to every
built-in platform (`--to all`): time, CPU time, peak memory, SSIM of the picture area and bytes;
then the trade of Shorts' aspect when other platforms of the run already make a 9:16 rendition.

    python benchmarks/bench_export.py [--seconds 12] [--skip-moviepy] [--content testsrc2|pan]

Clips (made with ffmpeg lavfi in a temporary folder, testsrc2 with light temporal noise like a
phone sensor's): a TikTok-native 9:16 clip, a 16:9 clip exported with --fit blur, and a 16:9
clip with 5.1 audio and the moov atom at the end. ``--content pan``: the same pattern seen by a
moving phone instead of a fixed camera (a slow pan across a testsrc2 twice the size, with a few
pixels of hand shake).

- repost: `python -m repost export A B C --to all --fit blur` in a child process; its peak memory
  is the largest sum of RSS over its process tree (repost and its ffmpeg children), sampled from
  /proc every 20 ms, beside getrusage's largest single child. CPU time is user+sys of repost and
  every child it waited for (wait4), the figure a loaded machine disturbs least.
- hand-written ffmpeg with the least work, for the same platforms and the same outputs: a
  stream-copy remux where the source fits, one libx264 veryfast CRF 21 encode per distinct
  rendition as repost plans them (each decoding the source), one frame per source cropped to each
  cover shape (9:16, 3:4), files copied into every platform's folder. CPU time is user+sys of
  the ffmpeg children.
- plain moviepy: one re-encode per platform (resize and centre crop, libx264 veryfast CRF 21).
- Shorts' aspect: Shorts accepts 9:16 to 1:1. With `reframe_to: preferred` (profiles/shorts.yaml)
  a 16:9 clip goes to 9:16, the rendition TikTok and Reels already make, so Shorts costs no encode;
  with `nearest` it would get its own 1:1. The hand-written 1:1 encode of each 16:9 clip is timed
  here, beside both frames' picture sizes (--fit blur, and --fit crop's share of the source).

Goals: repost <= 1.15x hand-written; moviepy >= 10x repost; SSIM >= 0.95; bytes <= 1.5x;
peak memory < 400 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from content import CONTENTS, picture

from repost.media.ffmpeg import find_ffmpeg
from repost.media.probe import probe_media
from repost.plan.options import PlanOptions
from repost.plan.rendition import plan_conform, plan_geometry
from repost.platforms.profiles import load_profiles, select_profiles

# What `--to all` means: every built-in platform, so both sides make the same bundles.
PLATFORMS = tuple(p.id for p in select_profiles(load_profiles(), "all"))
FF = ("-hide_banner", "-loglevel", "error", "-y")


def ffmpeg(*args) -> None:
    subprocess.run([find_ffmpeg(), *FF, *map(str, args)], check=True)


def make_clips(folder: Path, seconds: float, content: str = "testsrc2") -> dict[str, Path]:
    def clip(name, size, layout, faststart):
        path = folder / "src" / name / "clip.mp4"
        path.parent.mkdir(parents=True)
        source, vf = picture(content, size, seconds)
        ffmpeg(
            "-f", "lavfi", "-i", source,
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-vf", vf, "-af", f"aformat=channel_layouts={layout}",
            # capped like a phone's recording (~16 Mbps at 1080p30), under Reels' 25 Mbps
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-maxrate", "16M", "-bufsize", "32M",
            "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-use_editlist", "0",
            *(["-movflags", "+faststart"] if faststart else []), path,
        )  # fmt: skip
        (path.parent / "post.yaml").write_text("caption: bench\nmedia: [clip.mp4]\n", encoding="utf-8")
        return path

    return {
        "native": clip("native", "1080x1920", "stereo", True),
        "wide": clip("wide", "1920x1080", "stereo", True),
        "wide51": clip("wide51", "1920x1080", "5.1", False),
    }


class TreeMemory:
    """Peak of the summed RSS of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.done = pid, 0, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done:
            self.peak = max(self.peak, sum(_rss(p) for p in _tree(self.pid)))
            time.sleep(0.02)

    def stop(self) -> int:
        self.done = True
        self.thread.join()
        return self.peak


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children_cpu() -> float:
    """User+sys seconds of every child process this one has waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_repost(clips: dict[str, Path], out: Path, norms: str = "on") -> tuple[float, float, int, int]:
    """Wall time, CPU time (user+sys of repost and its waited-for children), peak RSS summed
    over the process tree, and the largest single process's RSS (wait4's rusage)."""
    cmd = [sys.executable, "-m", "repost", "export", *(p.parent for p in clips.values())]
    cmd += ["--to", "all", "--out", str(out), "--fit", "blur", "--norms", norms]
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        memory = TreeMemory(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = memory.stop()
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"repost failed: {err.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, peak, usage.ru_maxrss * 1024


def hand_plans(clips: dict[str, Path], profiles=None):
    """(clip name, platforms, rendition) for every distinct re-encode, as repost plans them, so
    the hand-written commands make the same frames and sizes."""
    profiles = profiles or load_profiles()
    distinct: dict[tuple, tuple] = {}
    for name, path in clips.items():
        facts = probe_media(path)
        for pid in PLATFORMS:
            r = plan_conform(facts, profiles[pid], PlanOptions(fit="blur")).rendition
            if r is not None:
                key = (name, r.width, r.height)
                distinct.setdefault(key, (name, [], r, facts))[1].append(pid)
    return list(distinct.values())


def encode(src: Path, dest: Path, r, downmix: bool) -> None:
    """The hand-written blur-fit encode of one rendition."""
    w, h, cw = r.width, r.height, r.content_width
    graph = (f"[0:v]split[a][b];[a]scale={w // 8}:{h // 8}:force_original_aspect_ratio=increase,"
             f"crop={w // 8}:{h // 8},gblur=sigma=10,scale={w}:{h}[bg];[b]scale={cw}:-2[fg];"
             "[bg][fg]overlay=(W-w)/2:(H-h)/2")  # fmt: skip
    audio = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"] if downmix else ["-c:a", "copy"]
    if r.hold_s:
        graph += f",tpad=stop_mode=clone:stop_duration={r.hold_s}"
    ffmpeg("-i", src, "-filter_complex", graph, "-c:v", "libx264", "-preset", "veryfast",
           "-crf", "21", "-pix_fmt", "yuv420p", *audio, "-movflags", "+faststart", dest)  # fmt: skip


def cover_shapes() -> list[tuple[int, int]]:
    """The distinct cover shapes of the platforms that take a cover image (9:16 and 3:4)."""
    profiles = load_profiles()
    aspects = {profiles[pid].cover.aspect for pid in PLATFORMS if profiles[pid].cover.custom_image}
    return sorted(tuple(map(int, a.split(":"))) for a in aspects)


def make_covers(src: Path, stem: Path, shapes) -> None:
    """One frame, centre-cropped to each cover shape at 1080 wide, in one ffmpeg run."""
    at = min(3.0, probe_media(src).duration_s / 4)
    graph, outs = f"[0:v]split={len(shapes)}" + "".join(f"[c{i}]" for i in range(len(shapes))), []
    for i, (w, h) in enumerate(shapes):
        graph += f";[c{i}]crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})',scale=1080:{1080 * h // w}[o{i}]"
        outs += [
            "-map",
            f"[o{i}]",
            "-frames:v",
            "1",
            "-q:v",
            "2",
            "-pix_fmt",
            "yuvj420p",
            f"{stem}-cover-{w}x{h}.jpg",
        ]
    ffmpeg("-ss", at, "-i", src, "-filter_complex", graph, *outs)


def run_hand(clips: dict[str, Path], out: Path) -> tuple[float, float, dict]:
    out.mkdir(parents=True)
    t0, cpu0 = time.perf_counter(), children_cpu()
    made = {}
    native = out / "native.mp4"
    ffmpeg("-i", clips["native"], "-c", "copy", "-movflags", "+faststart", native)
    for pid in PLATFORMS:
        shutil.copyfile(native, _bundle(out, "native", pid))
    shapes = cover_shapes()
    for name, path in clips.items():
        make_covers(path, out / name, shapes)
    for name, pids, r, _facts in hand_plans(clips):
        dest = out / f"{name}-{r.width}x{r.height}.mp4"
        encode(clips[name], dest, r, downmix=name == "wide51")
        for pid in pids:
            shutil.copyfile(dest, _bundle(out, name, pid))
        made[(name, tuple(pids))] = (dest, r)
    return time.perf_counter() - t0, children_cpu() - cpu0, made


def shorts_trade(clips: dict[str, Path], out: Path) -> list[dict]:
    """For each clip Shorts reframes: its frame and picture as planned (shared 9:16) and as
    `reframe_to: nearest` would plan it, and the time of the hand-written encode that costs."""
    profiles = load_profiles()
    shorts = profiles["shorts"]
    nearest = dataclasses.replace(shorts, video=dataclasses.replace(shorts.video, reframe_to="nearest"))
    rows = []
    for name, path in clips.items():
        facts = probe_media(path)
        mine = plan_conform(facts, shorts, PlanOptions(fit="blur")).rendition
        own = plan_conform(facts, nearest, PlanOptions(fit="blur")).rendition
        if mine is None or own is None or (own.width, own.height) == (mine.width, mine.height):
            continue
        dest = out / f"{name}-shorts-own-{own.width}x{own.height}.mp4"
        t0, cpu0 = time.perf_counter(), children_cpu()
        encode(path, dest, own, downmix=name == "wide51")
        crops = [plan_geometry(facts.width, facts.height, p.video, "crop")[:2] for p in (shorts, nearest)]
        rows.append({
            "clip": name, "shared": mine, "own": own, "seconds": time.perf_counter() - t0,
            "cpu": children_cpu() - cpu0, "bytes": dest.stat().st_size,
            "crop_share": [cw * ch / (facts.width * facts.height) for cw, ch in crops],
        })  # fmt: skip
    return rows


def _bundle(out: Path, name: str, pid: str) -> Path:
    folder = out / name / pid
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "01.mp4"


MOVIEPY_SCRIPT = r"""
import sys
from moviepy import VideoFileClip
src, dest, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
clip = VideoFileClip(src)
scale = max(w / clip.w, h / clip.h)
clip = clip.resized(scale)
clip = clip.cropped(x_center=clip.w / 2, y_center=clip.h / 2, width=w, height=h)
clip.write_videofile(dest, codec="libx264", preset="veryfast", audio_codec="aac", logger=None,
                     ffmpeg_params=["-crf", "21", "-pix_fmt", "yuv420p"])
"""


def run_moviepy(clips: dict[str, Path], out: Path) -> float:
    profiles = load_profiles()
    t0 = time.perf_counter()
    for name, path in clips.items():
        facts = probe_media(path)
        for pid in PLATFORMS:
            r = plan_conform(facts, profiles[pid], PlanOptions(fit="crop")).rendition
            w, h = (r.width, r.height) if r else (facts.width, facts.height)
            dest = out / f"{name}-{pid}.mp4"
            subprocess.run(
                [sys.executable, "-c", MOVIEPY_SCRIPT, str(path), str(dest), str(w), str(h)], check=True
            )
    return time.perf_counter() - t0


def ssim_picture(a: Path, b: Path, r) -> float:
    """SSIM of the source picture inside the frame (the blurred surround left out); timestamps
    start at zero on both sides, as repost's files carry no edit list."""
    x, y = (r.width - r.content_width) // 2, (r.height - r.content_height) // 2
    crop = f"crop={r.content_width}:{r.content_height}:{x}:{y},setpts=PTS-STARTPTS"
    proc = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(a), "-i", str(b), "-lavfi",
         f"[0:v]{crop}[a];[1:v]{crop}[b];[a][b]ssim", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(re.findall(r"All:([0-9.]+)", proc.stderr)[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--content", choices=CONTENTS, default="testsrc2",
                    help="pan: a hand-held phone panning across the pattern")  # fmt: skip
    ap.add_argument("--norms", choices=("on", "off"), default="on",
                    help="off: repost without the norms (no watermark check, no OCR)")  # fmt: skip
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clips = make_clips(tmp, args.seconds, args.content)
        hand_time, hand_cpu, made = run_hand(clips, tmp / "hand")
        repost_time, repost_cpu, peak, child_max = run_repost(clips, tmp / "repost", args.norms)
        ssims, repost_bytes, hand_bytes = [], 0, 0
        for (name, pids), (hand_file, r) in made.items():
            mine = tmp / "repost" / name / pids[0] / "01.mp4"
            ssims.append(ssim_picture(mine, hand_file, r))
            repost_bytes += mine.stat().st_size
            hand_bytes += hand_file.stat().st_size
        trade = shorts_trade(clips, tmp / "hand")
        moviepy_time = None if args.skip_moviepy else run_moviepy(clips, tmp / "hand")
    print(f"clips: 3 x {args.seconds:g} s 1080p30 {args.content} -> {', '.join(PLATFORMS)}"
          f" (--to all), both sides; repost's norms {args.norms}")  # fmt: skip
    print(f"hand-written ffmpeg : {hand_time:7.2f} s, CPU {hand_cpu:7.2f} s"
          f" ({len(made)} encodes + 1 remux + {3 * len(cover_shapes())} covers)")  # fmt: skip
    print(f"repost export       : {repost_time:7.2f} s, CPU {repost_cpu:7.2f} s"
          f"  ratio {repost_time / hand_time:.2f}x wall, {repost_cpu / hand_cpu:.2f}x CPU"
          " (goal <= 1.15x)")  # fmt: skip
    for (name, pids), (_f, r) in made.items():
        print(f"    {name:7} {r.width}x{r.height} -> {', '.join(pids)}")
    if moviepy_time is not None:
        print(f"plain moviepy       : {moviepy_time:7.2f} s  {moviepy_time / repost_time:.1f}x repost's time"
              f" (goal >= 10x), {moviepy_time / hand_time:.1f}x hand-written")  # fmt: skip
    print(f"peak memory         : {peak / 1e6:.0f} MB repost + ffmpeg children (/proc tree sum);"
          f" largest single process {child_max / 1e6:.0f} MB (goal < 400 MB)")  # fmt: skip
    print(f"SSIM picture area   : min {min(ssims):.4f} over {len(ssims)} re-encodes (goal >= 0.95)")
    print(f"bytes               : {repost_bytes / hand_bytes:.2f}x hand-written (goal <= 1.5x)")
    print_trade(trade, hand_time, hand_cpu)


def print_trade(trade: list[dict], hand_time: float, hand_cpu: float) -> None:
    if not trade:
        return
    extra = sum(t["seconds"] for t in trade)
    extra_cpu = sum(t["cpu"] for t in trade)
    print("Shorts' aspect for a 16:9 clip (accepted: 9:16 to 1:1; TikTok and Reels make 9:16):")
    for t in trade:
        s, o = t["shared"], t["own"]
        print(f"    {t['clip']:7} 9:16, shared: {s.width}x{s.height}, picture"
              f" {s.content_width}x{s.content_height}, 0 s extra")  # fmt: skip
        print(f"            1:1, its own: {o.width}x{o.height}, picture {o.content_width}x{o.content_height},"
              f" {t['seconds']:.2f} s (CPU {t['cpu']:.2f} s), {t['bytes'] / 1e6:.1f} MB")  # fmt: skip
        print(f"            --fit crop keeps {t['crop_share'][0]:.0%} of the source at 9:16,"
              f" {t['crop_share'][1]:.0%} at 1:1")  # fmt: skip
    print(f"    own 1:1 would add {extra:.2f} s ({extra / hand_time:.0%} of the hand-written run),"
          f" CPU {extra_cpu:.2f} s ({extra_cpu / hand_cpu:.0%}); the 16:9 picture is as wide in both"
          " frames, and only 9:16 fills the Shorts player")  # fmt: skip


if __name__ == "__main__":
    main()
