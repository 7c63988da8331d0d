"""How fast, and in how little memory, hostile inputs are refused; and what the checks cost good input.

    python benchmarks/hostile_inputs.py [--rows 100000]

Each hostile case runs ``repost export`` (or ``migrate``) in a child process and prints its exit
code, wall and CPU seconds and peak memory (max RSS of the child), beside the same for a good
one-photo post: the refusals should cost no more than a normal start. Then the CPU time of
loading a small post.yaml with and without the alias and depth walk, and of SQLite's quick
check on a migration state of ``--rows`` bundles (the check run on every migrate).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from repost import inputs
from repost.migrate.state import State, check_usable

GOOD_POST = "title: Cats\ncaption: Evening with the cats. #cats\nhashtags: [cats, sunset]\nmedia: [a.jpg]\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\nmedia: [a.jpg]\n"


def post(root: Path, name: str, text: str | bytes) -> Path:
    from PIL import Image

    folder = root / name
    folder.mkdir()
    Image.new("RGB", (300, 400), "teal").save(folder / "a.jpg")
    data = text.encode() if isinstance(text, str) else text
    (folder / "post.yaml").write_bytes(data)
    return folder


def child(args: list[str]) -> tuple[int, float, float, float]:
    """(exit code, wall s, CPU s, peak RSS MB) of ``python -m repost ARGS`` in a fresh child."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "cmd = [sys.executable, '-m', 'repost', *sys.argv[1:]]\n"
        "rc = subprocess.run(cmd, capture_output=True).returncode\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(rc, time.monotonic() - t, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    rc, wall, cpu, rss = out.stdout.split()
    return int(rc), float(wall), float(cpu), float(rss)


def cpu_per_call(fn, n: int) -> float:
    start = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(n):
        fn()
    end = resource.getrusage(resource.RUSAGE_SELF)
    return ((end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = str(root / "out")
        to = ["--to", "tiktok", "--out", out]
        cases = {
            "good one-photo post": ["export", str(post(root, "good", GOOD_POST)), *to],
            "YAML alias bomb (9x9)": ["export", str(post(root, "bomb", alias_bomb())), *to],
            "60 MB post.yaml": [
                "export", str(post(root, "big", b"caption: " + b"x" * 60_000_000 + b"\n")), "--to", "tiktok",
                "--out", out,
            ],
            "JSON-style YAML 900 deep": [
                "export", str(post(root, "deep", "[" * 900 + "]" * 900)), "--to", "tiktok", "--out", out,
            ],
            "export /dev/zero": ["export", "/dev/zero", "--to", "tiktok", "--out", out],
        }  # fmt: skip
        print(f"{'case':<28} {'exit':>4} {'wall s':>7} {'CPU s':>6} {'peak MB':>8}")
        for name, args in cases.items():
            if "/dev/zero" in args and not os.path.exists("/dev/zero"):
                continue
            rc, wall, cpu, rss = child(args)
            print(f"{name:<28} {rc:>4} {wall:>7.2f} {cpu:>6.2f} {rss:>8.0f}")

        file = root / "good" / "post.yaml"
        text = file.read_text()
        n = 3000
        plain = cpu_per_call(lambda: yaml.load(file.read_text(), Loader=inputs.SAFE_LOADER), n)
        checked = cpu_per_call(lambda: inputs.read_yaml(file, inputs.POST_YAML_MAX, "a post.yaml"), n)
        print(
            f"\npost.yaml of {len(text)} bytes: {plain * 1e6:.0f} us CPU plain,"
            f" {checked * 1e6:.0f} us bounded+checked"
        )

        db = root / "state.db"
        State.open(db).close()
        with sqlite3.connect(db) as conn:
            rows = ((f"post-{i:06d}", "tiktok", "done", "made", "x" * 64, "y" * 64) for i in range(opts.rows))
            conn.executemany(
                "INSERT INTO bundles (post, platform, status, outcome, inputs, fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        size = db.stat().st_size / 1e6
        with sqlite3.connect(db) as conn:
            t = time.process_time()
            check_usable(conn, db)
            print(
                f"state of {opts.rows:,} rows ({size:.0f} MB):"
                f" quick check {time.process_time() - t:.3f} s CPU"
            )


if __name__ == "__main__":
    main()
