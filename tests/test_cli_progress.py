"""What export and migrate show as they run: on a terminal (a real pseudo-terminal, read back as
drawn) a line per step naming the post and its platforms, and a short result line per bundle as
soon as it is done; on a pipe, plain lines and nothing else."""

import fcntl
import itertools
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
import unicodedata

import pytest

COLUMNS = 100
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SPINNER = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏━")


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "repost", *map(str, args)]


def on_terminal(*args, timeout_s: float = 240) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal COLUMNS wide; returns
    its exit code and everything it drew."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(_command(*args), stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    drawn, deadline = b"", time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child is gone and the terminal closed
                    break
                if not chunk:
                    break
                drawn += chunk
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        proc.kill()
        os.close(master)
    return code, drawn.decode("utf-8", "replace")


def on_a_pipe(*args) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=240, check=False)


def frames(drawn: str) -> list[str]:
    """Every line the terminal showed at some moment, colour codes removed."""
    return [line for line in re.split(r"[\r\n]", ANSI.sub("", drawn)) if line.strip()]


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.fixture
def two_posts(write_post, clip_169, image_jpeg_34):
    """A landscape clip (encoded for each platform) and a photo post (a slideshow on Reels)."""
    walk = write_post("id: walk\ncaption: Dusk walk\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_169})
    photos = {"a.jpg": image_jpeg_34, "b.jpg": image_jpeg_34}
    tea = write_post("id: tea\ncaption: Tea\nmedia: [a.jpg, b.jpg]\n", media=photos)
    return walk, tea


def test_a_terminal_sees_each_step_named_and_short_result_lines(two_posts, tmp_path):
    walk, tea = two_posts
    code, drawn = on_terminal("export", walk, tea, "--to", "tiktok,rednote,reels", "--out", tmp_path / "out")
    assert code == 0, drawn
    shown = frames(drawn)
    # the steps, each naming the post and the platforms it is for, as they run
    encoding = [
        i for i, f in enumerate(shown) if re.search(r"walk → [a-z, ]*tiktok[a-z, ]*: encoding clip", f)
    ]
    assert encoding, shown
    assert any(re.search(r"tea → reels: writing slideshow", f) for f in shown), shown
    # a result line per bundle, each within the terminal's width, after that bundle's steps
    results = [f for f in shown if f.startswith(("✓ ", "✗ "))]
    assert {r.split(":")[0] for r in results} == {
        f"✓ {post} → {p}" for post in ("walk", "tea") for p in ("tiktok", "rednote", "reels")
    }
    assert all(
        cells(r) <= COLUMNS and re.match(r"✓ \w+ → \w+: made \(\d+ changes?(, \d+ warnings?)?\) in ", r)
        for r in results
    )  # one line, cut if need be (the end of its folder, never the outcome)
    first_result = shown.index(next(f for f in shown if f.startswith("✓ walk → ")))
    assert encoding[0] < first_result
    assert "2 posts → 6 bundles: 6 made, 0 up to date, 0 failed" in shown[-1]


def test_a_pipe_gets_plain_lines_and_warnings_once(two_posts, tmp_path):
    walk, _ = two_posts
    out = tmp_path / "out"
    made = on_a_pipe("export", walk, "--to", "tiktok,reels", "--out", out)
    assert made.returncode == 0, made.stderr
    for text in (made.stdout, made.stderr):
        assert "\x1b" not in text and "\r" not in text and not SPINNER & set(text)
    assert made.stderr == ""
    lines = made.stdout.splitlines()
    results = [line for line in lines if line.startswith("✓ ")]
    assert [r.split(":")[0] for r in results] == ["✓ walk → tiktok", "✓ walk → reels"]
    for r, platform in zip(results, ("tiktok", "reels"), strict=True):
        where = re.escape(str(out / "walk" / platform))
        assert re.fullmatch(rf"✓ walk → {platform}: made \(\d+ changes, \d+ warnings?\) in {where}", r), r
    # each made bundle's warnings under its line, as its manifest has them; one already printed
    # under the post's earlier bundle is counted, not repeated
    shown: list[str] = []
    for platform in ("tiktok", "reels"):
        at = lines.index(next(r for r in results if r.startswith(f"✓ walk → {platform}:")))
        under = list(itertools.takewhile(lambda line: line.startswith("    "), lines[at + 1 :]))
        written = json.loads((out / "walk" / platform / "manifest.json").read_text())["warnings"]
        new, repeated = [w for w in written if w not in shown], [w for w in written if w in shown]
        count = f"{len(repeated)} warning{'s' if len(repeated) > 1 else ''}"
        assert under == [f"    warning: {w}" for w in new] + (
            [f"    ({count} as for tiktok above)"] if repeated else []
        ), under
        shown += new
    results_of = ("tiktok", "reels")
    every = [json.loads((out / "walk" / p / "manifest.json").read_text())["warnings"] for p in results_of]
    assert shown and len(shown) < sum(map(len, every))  # the warnings both share are printed once
    assert lines[-1] == "1 post → 2 bundles: 2 made, 0 up to date, 0 failed"
    # a re-run: up to date, and the warnings shown when the bundles were made are not repeated
    again = on_a_pipe("export", walk, "--to", "tiktok,reels", "--out", out)
    assert not [line for line in again.stdout.splitlines() if line.startswith("    ")]
    assert all(
        re.search(r": up to date \(\d+ changes, \d+ warnings?\) in ", r)
        for r in again.stdout.splitlines()[:2]
    )
    # -v: every change and warning under its bundle
    verbose = on_a_pipe("export", walk, "--to", "tiktok", "--out", out, "-v")
    manifest = json.loads((out / "walk" / "tiktok" / "manifest.json").read_text())
    said = verbose.stdout.splitlines()
    assert [f"    change: {c}" for c in manifest["changes"]] == [
        x for x in said if x.startswith("    change: ")
    ]
    assert [f"    warning: {w}" for w in manifest["warnings"]] == [
        x for x in said if x.startswith("    warning: ")
    ]


def test_a_migration_on_a_terminal_counts_posts_and_names_each_bundle(write_post, clip_fits_all, tmp_path):
    for i in range(2):
        write_post(
            f"caption: Post {i}\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder=f"b/p{i}"
        )
    code, drawn = on_terminal("migrate", tmp_path / "b", "--to", "rednote,reels", "--out", tmp_path / "out")
    assert code == 0, drawn
    shown = frames(drawn)
    assert any(re.search(r"posts: 1/2 done, 0 failed", f) for f in shown), shown
    assert any(re.search(r"p1 → rednote, reels: reading 1 media file", f) for f in shown), shown
    results = [f for f in shown if f.startswith("✓ ")]
    assert sorted(r.split(":")[0] for r in results) == [
        f"✓ p{i} → {p}" for i in (0, 1) for p in ("rednote", "reels")
    ]
    assert all(cells(r) <= COLUMNS and r.endswith((")", "…")) for r in results)  # one line, cut if need be
    assert "2 posts → 4 bundles: 4 made, 0 up to date, 0 failed; 0 posts skipped" in shown


def test_json_stays_a_document_on_a_pipe(two_posts, tmp_path):
    walk, _ = two_posts
    result = on_a_pipe("export", walk, "--to", "tiktok", "--out", tmp_path / "out", "--json")
    doc = json.loads(result.stdout)  # nothing but the document on stdout
    assert set(doc) == {"ok", "errors", "bundles"} and doc["bundles"][0]["status"] == "made"
    assert result.stderr == ""


def test_the_board_shows_a_fraction_where_one_is_known_and_nothing_on_a_pipe():
    import io

    from repost.cli.progress import Board

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert Board(io.StringIO()).progress is None  # a pipe: nothing drawn
    tty = Tty()
    with Board(tty) as board, board.task("walk", ["tiktok", "reels"], "encoding clip.mp4") as progress:
        progress(0.5)
        board.progress.refresh()
        assert "walk → tiktok, reels: encoding clip.mp4" in tty.getvalue()
        assert " 50%" in tty.getvalue()
    assert not board.ids  # the step ended with the with
