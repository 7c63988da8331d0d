"""Fixtures of the planner tests: probe facts of a clip without a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from repost.media.probe_video import AudioFacts, VideoFacts

STEREO = AudioFacts("aac", "LC", 2, "stereo", 48000, 128000)


def _facts(width: int = 1080, height: int = 1920, **kw: object) -> VideoFacts:
    base = dict(
        path=Path("/clips/in.mp4"), bytes=5_000_000, container="mp4", duration_s=10.0,
        bitrate_bps=4_000_000, codec="h264", profile="High", pix_fmt="yuv420p", bit_depth=8,
        width=width, height=height, coded_width=width, coded_height=height, rotation=0, fps=30.0,
        fps_fraction="30/1", vfr=False, frame_count=300, color_primaries="bt709",
        color_transfer="bt709", color_space="bt709", color_range="tv", audio=STEREO,
        moov_first=True, edit_list=False,
    )  # fmt: skip
    base.update(kw)
    return VideoFacts(**base)


@pytest.fixture(scope="session")
def facts() -> Callable[..., VideoFacts]:
    """``facts(width, height, **changes)``: probe facts of a 10 s 30 fps H.264 clip with AAC
    stereo that every built-in profile takes (at 1080x1920), with ``changes`` made."""
    return _facts
