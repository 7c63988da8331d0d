"""Slideshow frames: crossfades and the gentle zoom, on small synthetic pictures (no encode; the
one real Reels encode is in tests/test_photos.py)."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

from repost.media.slideshow import _frame_at
from repost.ops import PhotoOp, SlideshowOp
from repost.plan.slideshow import PAN_ZOOM
from repost.plan.step import Step


def _op(pan_zoom=False) -> SlideshowOp:
    photo = PhotoOp((40, 80), (0, 0, 40, 80), (0, 0, 40, 80))
    return SlideshowOp((), (photo, photo), (40, 80), 30.0, 2.0, 0.5, PAN_ZOOM if pan_zoom else 0.0)


def test_crossfade_blends_one_photo_into_the_next():
    black, white = np.zeros((80, 40, 3), np.uint8), np.full((80, 40, 3), 200, np.uint8)
    op = _op()
    assert op.duration_s == 3.5  # 2 + 2 - 0.5 of overlap
    assert _frame_at(0.5, [black, white], op).max() == 0
    assert abs(int(_frame_at(1.75, [black, white], op)[40, 20, 0]) - 100) <= 1  # half way
    assert _frame_at(2.6, [black, white], op).min() == 200


def test_gentle_zoom_grows_the_centre():
    picture = np.zeros((80, 40, 3), np.uint8)
    picture[:, 18:22] = 255  # a stripe 4 px wide down the middle
    op = _op(pan_zoom=True)
    start, end = _frame_at(0.0, [picture, picture], op), _frame_at(1.49, [picture, picture], op)
    width = [int((f[40, :, 0] > 128).sum()) for f in (start, end)]
    assert width[0] == 4 and width[1] >= 4 and not np.array_equal(start, end)


def _slideshow_step(image_factory, **changes):
    """A real two-photo slideshow step, as the planner makes it: 2.5 s at 180x320, silent."""
    photos = (image_factory("slide_a.jpg", size=(180, 320)), image_factory("slide_b.jpg", size=(180, 320)))
    fitted = PhotoOp((180, 320), (0, 0, 180, 320), (0, 0, 180, 320), source_size=(180, 320))
    op = SlideshowOp(photos, (fitted, fitted), (180, 320), 10.0, 1.5, 0.5, gop_frames=20, **changes)
    return Step(photos[0], "01.mp4", "video", op, op.duration_s)


def test_a_slideshow_is_encoded_like_every_other_video_and_reports_its_progress(image_factory, tmp_path):
    from repost.media.files import make_file
    from repost.media.probe import probe_media
    from repost.ops import CRF, Rendition

    assert (
        SlideshowOp.__dataclass_fields__["crf"].default
        == CRF
        == Rendition.__dataclass_fields__["crf"].default
    )
    step, seen = _slideshow_step(image_factory, maxrate_bps=2_000_000, bufsize_bits=4_000_000), []
    make_file(step, tmp_path / "01.mp4", threads=1, progress=seen.append)
    made = probe_media(tmp_path / "01.mp4")
    assert (made.width, made.height, made.codec, made.pix_fmt) == (180, 320, "h264", "yuv420p")
    # x264 writes its settings into the stream: the shared CRF, closed GOPs, the VBV cap
    settings = (tmp_path / "01.mp4").read_bytes()
    assert (
        f"crf={CRF}.0".encode() in settings and b"keyint=20" in settings and b"vbv_maxrate=2000" in settings
    )
    assert seen and seen == sorted(seen) and seen[-1] == 1.0


def test_moviepy_runs_repost_s_ffmpeg_without_touching_the_environment(image_factory, tmp_path):
    # A FFMPEG_BINARY set for other tools (here a program that is no ffmpeg at all) must not
    # win over the ffmpeg repost runs, and making a slideshow sets nothing in the environment.
    step = _slideshow_step(image_factory)
    code = (
        "import os, sys, pickle; from pathlib import Path;"
        "from repost.media.files import make_file;"
        "step = pickle.loads(bytes.fromhex(sys.argv[1]));"
        "assert 'moviepy' not in sys.modules;"
        "make_file(step, Path(sys.argv[2]));"
        "print(os.environ.get('FFMPEG_BINARY'))"
    )
    env = {**os.environ, "FFMPEG_BINARY": shutil.which("true") or "/bin/true"}
    args = [sys.executable, "-c", code, pickle.dumps(step).hex(), str(tmp_path / "01.mp4")]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == env["FFMPEG_BINARY"]  # as the user set it, no more
    assert (tmp_path / "01.mp4").stat().st_size > 1000


def test_a_slideshow_that_cannot_be_written_is_a_media_error_with_a_hint(image_factory, tmp_path):
    from repost.errors import MediaError
    from repost.media.files import make_file

    silent_song = tmp_path / "song.m4a"
    silent_song.write_bytes(b"not a sound file")
    with pytest.raises(MediaError) as caught:
        make_file(_slideshow_step(image_factory, audio=silent_song), tmp_path / "01.mp4")
    assert str(caught.value.where) == str(silent_song) and "cannot read the audio" in caught.value.what
    assert "REPOST_FFMPEG" in caught.value.hint
