"""ffmpeg runs tied to repost: a SIGKILLed export leaves no encoder running, and no temp file."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repost.media import ffmpeg


def _children_writing_under(out: Path) -> list[int]:
    """Processes whose command line names a path under ``out`` (ffmpeg runs of that export)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if os.fsencode(out) in cmdline and b"ffmpeg" in cmdline:
            found.append(int(entry.name))
    return found


def _kill_mid_encode(cmd: list[str], out: Path) -> list[int]:
    """Start ``cmd``, SIGKILL it once an ffmpeg of it runs, and give the children a moment."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while not _children_writing_under(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None and _children_writing_under(out), "no encode started to kill"
    time.sleep(0.5)  # well into the encode
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    ends = time.monotonic() + 5
    while _children_writing_under(out) and time.monotonic() < ends:
        time.sleep(0.1)
    return _children_writing_under(out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux's")
@pytest.mark.timeout(180)
def test_a_killed_export_leaves_no_ffmpeg_encoding(media_factory, write_post, tmp_path):
    long_clip = media_factory(
        "long_169.mp4", size="1280x720", duration=20.0, extra_args=("-preset", "ultrafast")
    )
    post = write_post("caption: Long\nmedia: [clip.mp4]\n", media={"clip.mp4": long_clip})
    out = tmp_path / "out-killed-mid-encode"
    cmd = [sys.executable, "-m", "repost", "export", str(post), "--to", "reels", "--out", str(out)]
    left = _kill_mid_encode(cmd, out)
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # never leave one behind, even when the test fails
    assert left == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.timeout(180)
def test_a_killed_slideshow_leaves_no_ffmpeg_encoding(image_factory, write_post, tmp_path):
    # moviepy starts its own ffmpeg, fed frames through a pipe: repost's death closes the pipe,
    # and ffmpeg, at the end of its input, stops.
    photos = {f"{i}.jpg": image_factory("big_34.jpg", size=(1080, 1440)) for i in range(6)}
    post = write_post(f"caption: Photos\nmedia: [{', '.join(photos)}]\n", media=photos)
    out = tmp_path / "out-killed-mid-slideshow"
    cmd = [sys.executable, "-m", "repost", "export", str(post), "--to", "tiktok", "--out", str(out)]
    cmd += ["--as", "video", "--photo-seconds", "10"]
    left = _kill_mid_encode(cmd, out)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_the_child_is_tied_to_its_parent_on_linux():
    tie = ffmpeg.tied_to_parent()
    if not sys.platform.startswith("linux"):
        assert tie is None
        return
    assert tie is not None
    # The child reads its own parent-death signal back: PR_GET_PDEATHSIG (2) into an int.
    code = (
        "import ctypes, signal; v = ctypes.c_int(); "
        "ctypes.CDLL(None).prctl(2, ctypes.byref(v), 0, 0, 0); print(v.value)"
    )
    got = subprocess.run([sys.executable, "-c", code], preexec_fn=tie, capture_output=True, text=True)
    assert got.stdout.strip() == str(int(signal.SIGKILL))


def test_stderr_is_read_without_a_temporary_file(tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise AssertionError("a temporary file outside --out")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    seen = []
    with pytest.raises(ffmpeg.MediaError) as info:
        ffmpeg.run_ffmpeg(
            ["-f", "lavfi", "-i", "testsrc2=duration=0.2", "-c:v", "no_such_encoder", tmp_path / "x.mp4"],
            progress=seen.append,
            duration_s=0.2,
        )
    assert "Unknown encoder" in info.value.what or "no_such_encoder" in (info.value.stderr_tail or "")
