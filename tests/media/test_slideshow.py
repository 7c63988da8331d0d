"""Slideshow frames: crossfades and the gentle zoom, on small synthetic pictures (no encode; the
one real Reels encode is in tests/test_photos.py)."""

from __future__ import annotations

import numpy as np

from repost.media.slideshow import _frame_at
from repost.plan.photo import PhotoOp
from repost.plan.slideshow import SlideshowOp


def _op(pan_zoom=False) -> SlideshowOp:
    photo = PhotoOp((40, 80), (0, 0, 40, 80), (0, 0, 40, 80))
    return SlideshowOp((), (photo, photo), (40, 80), 30.0, 2.0, 0.5, pan_zoom)


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
