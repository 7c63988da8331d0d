"""Frames sampled for `validate --against-source`: the same frames a full decode gives, reached
from the nearest keyframe; and a cover compared with the one frame its manifest records."""

from __future__ import annotations

import json

import numpy as np
import pytest

from repost.media import compare

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def gop_clip(media_factory):
    # A keyframe every 15 frames (0.5 s), as phone apps write them, over 4 s.
    return media_factory("compare-gop15.mp4", size="320x240", duration=4.0, extra_args=["-g", "15"])


def _every_frame(path) -> list:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start, base = stream.start_time or 0, stream.time_base
        return [
            (float((f.pts - start) * base), compare.image_grey(f.to_image()))
            for f in container.decode(stream)
        ]


def test_frames_reached_from_keyframes_are_those_of_a_full_decode(gop_clip):
    every = _every_frame(gop_clip)
    times = [0.4, 1.1, 1.2, 2.95, 3.6]  # between keyframes, close together and far apart
    for at, found in zip(times, compare.sample_frames(gop_clip, times, pick="both"), strict=True):
        before = max((f for f in every if f[0] <= at + 1e-3), key=lambda f: f[0])
        after = min((f for f in every if f[0] > at + 1e-3), key=lambda f: f[0])
        assert [t for t, _ in found] == [before[0], after[0]]
        assert np.array_equal(found[0][1], before[1]) and np.array_equal(found[1][1], after[1])


def test_times_snap_to_a_near_keyframe_only(gop_clip):
    found = compare.sample_frames(gop_clip, [1.1, 2.25], pick="at_or_after", snap_s=0.15)
    assert [f[0][0] for f in found] == [pytest.approx(1.0), pytest.approx(2.25, abs=0.02)]


def test_a_cover_is_compared_with_the_frame_its_manifest_records(
    run, write_post, gop_clip, tmp_path, monkeypatch
):
    post = write_post("caption: hi\nmedia: [clip.mp4]\n", media={"clip.mp4": gop_clip})
    out = tmp_path / "out"
    assert run("export", post, "--to", "rednote", "--out", out).code == 0
    bundle = next(out.glob("*/rednote"))
    entry = next(
        e for e in json.loads((bundle / "manifest.json").read_text())["files"] if e["role"] == "cover"
    )
    edit = entry["source"]["edit"]
    keys = [round(t, 3) for t, _ in _every_frame(gop_clip)[::15]]  # the clip's keyframes
    assert round(edit["frame_s"], 3) in keys and edit["times"][0] <= edit["frame_s"] <= edit["times"][-1]
    asked = []
    sample = compare.sample_frames
    monkeypatch.setattr(
        compare,
        "sample_frames",
        lambda path, times, *a, **k: asked.append(list(times)) or sample(path, times, *a, **k),
    )
    result = run("validate", bundle, "--against-source", "--json")
    assert not [f for f in result.json()["bundles"][0]["findings"] if f["severity"] == "error"]
    assert [edit["frame_s"]] in asked  # the cover: one frame, no search over the candidates
    assert edit["times"] not in asked
