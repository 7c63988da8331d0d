"""Smart reframe and watermark warnings, measured (issue 17's "done means").

    python benchmarks/bench_smart.py [--size 1920x1080] [--seconds 6]

Prints, for a walking subject, a cut and two faces (a real face photo moved across a 16:9
frame, tests/media/smart_clips.py): the share of sampled frames whose face boxes lie inside
the crop window, smart vs centre crop; the camera path's reversals within a shot and its
largest step against its speed limit; the cost of analysis + smart encode against the plain
centre-crop encode of the same clip (CPU seconds, the steadier figure on a shared machine,
and wall seconds); and the watermark check's hits on marked clips and false alarms on clean
ones (tests/media/watermark_clips.py).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' clip makers

from repost.media.faces import detector_name
from repost.media.ffmpeg import find_ffmpeg
from repost.media.ocr import find_tesseract, languages, ocr_watermark
from repost.media.probe import probe_media
from repost.media.render import conform_args
from repost.media.subject import analyse_video
from repost.media.watermark import find_watermark
from repost.ops import Conform, SourceVideo
from repost.plan.camera import plan_camera, position_at
from repost.plan.options import PlanOptions
from repost.plan.rendition import centre_crop, plan_conform
from repost.plan.smart import plan_smart
from repost.platforms.profiles import load_profiles
from tests.media import smart_clips, watermark_clips


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measured(fn):
    c, w = cpu(), time.perf_counter()
    value = fn()
    return value, cpu() - c, time.perf_counter() - w


def upscale(clip, size: str, folder: Path):
    """The clip at ``size`` (a real source is 1080p, not 360p), with its face boxes scaled."""
    w, h = (int(v) for v in size.split("x"))
    k = w / smart_clips.WIDTH
    dest = folder / f"{clip.path.stem}-{size}.mp4"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(clip.path),
                    "-vf", f"scale={w}:{h}", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
                    str(dest)], check=True)  # fmt: skip
    boxes = clip.face_boxes
    return smart_clips.Clip(
        dest, clip.duration_s, clip.cuts, lambda t: [tuple(v * k for v in b) for b in boxes(t)]
    )


def path_figures(path) -> tuple[int, float]:
    """(direction reversals within a shot, largest speed in px/s)."""
    reversals, fastest = 0, 0.0
    for shot in path.shots:
        keys = [(t, p) for t, p in path.keys if shot.start_s - 1e-6 <= t <= shot.end_s + 1e-6]
        speeds = [(pb - pa) / (tb - ta) for (ta, pa), (tb, pb) in itertools.pairwise(keys) if tb > ta]
        signs = [v > 0 for v in speeds if abs(v) > 1e-6]
        reversals += sum(a != b for a, b in itertools.pairwise(signs))
        fastest = max([fastest, *map(abs, speeds)])
    return reversals, fastest


def encode(facts, r, dest: Path) -> None:
    args = conform_args(Conform(r, SourceVideo.of(facts)), facts.path, dest)
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", *args], check=True)


def bench_clip(name: str, clip, profile, folder: Path) -> None:
    facts = probe_media(clip.path)
    crop = centre_crop(facts.width, facts.height, 9 / 16)
    plain = plan_conform(facts, profile, PlanOptions(fit="crop")).rendition
    _, plain_cpu, plain_wall = measured(lambda: encode(facts, plain, folder / f"{name}-centre.mp4"))
    track, a_cpu, a_wall = measured(lambda: analyse_video(clip.path, facts))
    smart = plan_smart(facts, profile, PlanOptions(), {}, track, 0.0, None).rendition
    _, s_cpu, s_wall = measured(lambda: encode(facts, smart, folder / f"{name}-smart.mp4"))
    path = plan_camera(track, crop)
    inside = clip.inside_share(lambda t: position_at(path, t), crop[0])
    centre = clip.inside_share(lambda t: (facts.width - crop[0]) / 2, crop[0])
    reversals, fastest = path_figures(path)
    print(
        f"{name:5s} faces inside: smart {inside:6.1%}  centre {centre:6.1%} | shots {len(path.shots)}"
        f" ({', '.join(s.motion for s in path.shots)}), reversals in a shot {reversals},"
        f" max step {fastest:6.1f} px/s vs limit {path.limit_px_per_s:.1f}"
    )
    print(
        f"      cost: analysis {a_cpu:5.2f} s CPU ({a_wall:.2f} s wall) + smart encode {s_cpu:5.2f} s"
        f" ({s_wall:.2f}) vs centre-crop encode {plain_cpu:5.2f} s ({plain_wall:.2f}):"
        f" ratio {(a_cpu + s_cpu) / plain_cpu:.2f}x CPU, {(a_wall + s_wall) / plain_wall:.2f}x wall"
    )


def bench_watermarks(folder: Path) -> None:
    marked = [
        watermark_clips.marked_clip(folder, "pan"),
        watermark_clips.marked_clip(folder, "pan", jump_at=2.5),
        watermark_clips.marked_clip(folder, "testsrc2"),
        watermark_clips.marked_clip(folder, "testsrc2", jump_at=5.5),
        watermark_clips.marked_clip(folder, "pan", jump_at=None),
    ]
    clean = [
        watermark_clips.clean_clip(folder, "pan"),
        watermark_clips.clean_clip(folder, "testsrc2"),
        watermark_clips.subtitled_clip(folder),
        smart_clips.walking_clip(folder).path,
    ]
    hits = [p.name for p in marked if find_watermark(p, probe_media(p).duration_s)]
    alarms = [p.name for p in clean if find_watermark(p, probe_media(p).duration_s)]
    print(
        f"watermarks: found on {len(hits)}/{len(marked)} marked clips;"
        f" false alarms on {len(alarms)}/{len(clean)} clean ones"
    )
    for p in marked:
        print(f"      {'hit ' if p.name in hits else 'MISS'} {p.name}")
    for p in clean:
        print(f"      {'ALARM' if p.name in alarms else 'clean'} {p.name}")
    bench_ocr(marked, clean)


def bench_ocr(marked: list[Path], clean: list[Path]) -> None:
    """The optional OCR of the corner bands (media/ocr.py), where tesseract is installed."""
    binary = find_tesseract()
    if binary is None:
        print("ocr: tesseract not installed (optional), not measured")
        return
    start, wall = cpu(), time.perf_counter()
    hits = [p.name for p in marked if ocr_watermark(p, probe_media(p).duration_s)]
    alarms = [p.name for p in clean if ocr_watermark(p, probe_media(p).duration_s)]
    n = len(marked) + len(clean)
    print(
        f"ocr ({languages(binary)}): read a mark on {len(hits)}/{len(marked)} marked clips;"
        f" false alarms on {len(alarms)}/{len(clean)} clean ones;"
        f" {(cpu() - start) / n:.2f} s CPU ({(time.perf_counter() - wall) / n:.2f} wall) a clip"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1920x1080", help="source size the clips are scaled to")
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args()
    profile = load_profiles()["tiktok"]
    print(f"face detector: {detector_name()}; clips {args.size}, {args.seconds:g} s; target TikTok 9:16")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        makers = {
            "walk": smart_clips.walking_clip,
            "cut": smart_clips.cut_clip,
            "two": smart_clips.two_faces_clip,
        }
        for name, make in makers.items():
            bench_clip(name, upscale(make(folder, args.seconds), args.size, folder), profile, folder)
        bench_watermarks(folder)


if __name__ == "__main__":
    main()
