"""What `repost validate --against-source` costs against plain `validate`, per bundle, and so for a
1,000-bundle backlog.

    python benchmarks/bench_fidelity.py [--seconds 15] [--repeat 2]

Representative bundles (sources made with ffmpeg lavfi and Pillow in a temporary folder):
a phone's 9:16 1080x1920 clip (stream-copied for TikTok and RedNote), a 16:9 1920x1080 clip
(re-encoded with a blurred background for both), and a post of three 12 MP photos. Each bundle
is validated in this process with the probe cache cleared before each run, plain and then with
the source checks; seconds are wall time (the best of --repeat runs) and CPU time (this process
and its ffmpeg children). The breakdown says which check costs what.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' media makers


from repost.cli.main import main as repost_main  # noqa: E402
from repost.media.probe import clear_probe_cache  # noqa: E402
from repost.platforms.profiles import load_profiles  # noqa: E402
from repost.validate import fidelity  # noqa: E402
from repost.validate.bundle import find_bundles, validate_paths  # noqa: E402
from tests.media.sample_media import make_image, make_video  # noqa: E402

PLATFORMS = "tiktok,rednote"
BACKLOG = 1000
CHECKS = ("check_duration", "check_pictures", "check_loudness", "check_opening", "check_picture_file")


def make_posts(folder: Path, seconds: float) -> list[Path]:
    posts = []
    for name, size in (("phone-916", "1080x1920"), ("wide-169", "1920x1080")):
        post = folder / "src" / name
        post.mkdir(parents=True)
        noise = ("-vf", "noise=alls=6:allf=t", "-use_editlist", "0")  # a sensor's grain, as bench_export
        make_video(post / "clip.mp4", size=size, duration=seconds, sample_rate=48000, extra_args=noise)
        (post / "post.yaml").write_text("caption: bench\nmedia: [clip.mp4]\n", encoding="utf-8")
        posts.append(post)
    post = folder / "src" / "photos"
    post.mkdir(parents=True)
    for i in range(3):
        make_image(post / f"p{i}.jpg", size=(4032, 3024))
    (post / "post.yaml").write_text("caption: bench\nmedia: [p0.jpg, p1.jpg, p2.jpg]\n", encoding="utf-8")
    posts.append(post)
    return posts


def export(posts: list[Path], out: Path) -> list[Path]:
    try:
        repost_main(["export", *map(str, posts), "--to", PLATFORMS, "--out", str(out)])
    except SystemExit as done:
        if done.code:
            raise
    return find_bundles(out)


def cpu_now() -> float:
    mine, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, repeat: int) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that run)."""
    best = None
    for _ in range(repeat):
        clear_probe_cache()
        cpu, wall = cpu_now(), time.perf_counter()
        fn()
        took = (time.perf_counter() - wall, cpu_now() - cpu)
        best = took if best is None or took[0] < best[0] else best
    return best


def with_breakdown() -> dict[str, float]:
    """Wrap each check of repost.validate.fidelity to add up its wall time."""
    spent = dict.fromkeys(CHECKS, 0.0)
    for name in CHECKS:
        original = getattr(fidelity, name)

        @functools.wraps(original)
        def wrapper(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] += time.perf_counter() - start

        setattr(fidelity, name, wrapper)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the two clips")
    parser.add_argument("--repeat", type=int, default=2, help="runs per bundle; the best is kept")
    args = parser.parse_args()
    profiles = load_profiles()
    spent = with_breakdown()
    with tempfile.TemporaryDirectory() as tmp:
        bundles = export(make_posts(Path(tmp), args.seconds), Path(tmp) / "out")
        rows = []
        for bundle in bundles:
            plain = timed(lambda b=bundle: validate_paths([b], profiles), args.repeat)
            before = dict(spent)

            def full(b=bundle):
                reports = validate_paths([b], profiles)
                fidelity.add_source_checks(reports)
                bad = [f.message for r in reports for f in r.findings if f.severity == "error"]
                assert not bad, bad  # a clean bundle: the checks must not false-alarm

            against = timed(full, args.repeat)
            share = {k: (spent[k] - before[k]) / args.repeat for k in CHECKS}
            rows.append((f"{bundle.parent.name}/{bundle.name}", plain, against, share))
    print(f"clips {args.seconds:g} s; best of {args.repeat}; wall s (CPU s) per bundle")
    print(f"{'bundle':<22} {'validate':>15} {'--against-source':>18}   breakdown (wall s)")
    for name, plain, against, share in rows:
        parts = ", ".join(f"{k.removeprefix('check_')} {v:.2f}" for k, v in share.items() if v)
        cells = f"{plain[0]:>6.2f} ({plain[1]:>5.2f}) {against[0]:>8.2f} ({against[1]:>6.2f})"
        print(f"{name:<22} {cells}   {parts}")
    n = len(rows)
    plain_mean = sum(r[1][0] for r in rows) / n
    against_mean = sum(r[2][0] for r in rows) / n
    print(f"mean per bundle: validate {plain_mean:.2f} s, --against-source {against_mean:.2f} s "
          f"({against_mean / plain_mean:.1f}x)")  # fmt: skip
    print(f"a {BACKLOG:,}-bundle backlog, one process: validate {plain_mean * BACKLOG / 60:.0f} min, "
          f"--against-source {against_mean * BACKLOG / 60:.0f} min")  # fmt: skip


if __name__ == "__main__":
    main()
