"""Frames sampled for `validate --against-source`: the same frames a full decode gives, reached
from the nearest keyframe; and a cover compared with the one frame its manifest records."""

from __future__ import annotations

import hashlib
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


def test_frames_far_apart_in_a_long_gop_are_those_of_a_full_decode(media_factory):
    # One keyframe in the whole clip: frames far before each time are skipped where nothing
    # depends on them, and the frames either side of it are still exactly the full decode's.
    clip = media_factory("compare-one-gop.mp4", size="320x240", duration=4.0)
    every = _every_frame(clip)
    times = [0.3, 2.5, 3.7]
    for at, found in zip(times, compare.sample_frames(clip, times, pick="both"), strict=True):
        before = max((f for f in every if f[0] <= at + 1e-3), key=lambda f: f[0])
        after = min((f for f in every if f[0] > at + 1e-3), key=lambda f: f[0])
        assert [t for t, _ in found] == [before[0], after[0]]
        assert np.array_equal(found[0][1], before[1]) and np.array_equal(found[1][1], after[1])


def test_a_stream_copy_has_the_same_pictures_and_a_re_encode_not(gop_clip, tmp_path):
    from repost.media.ffmpeg import run_ffmpeg

    copy, encode = tmp_path / "copy.mp4", tmp_path / "encode.mp4"
    run_ffmpeg(["-i", gop_clip, "-map", "0", "-c", "copy", "-map_metadata", "-1", "-y", copy])
    run_ffmpeg(["-i", gop_clip, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "0", "-y", encode])
    assert compare.same_pictures(copy, gop_clip)
    assert not compare.same_pictures(encode, gop_clip)


def test_a_stream_copy_is_checked_by_its_packets_and_a_changed_picture_still_caught(
    run, write_post, media_factory, tmp_path, monkeypatch
):
    from repost.media.ffmpeg import run_ffmpeg
    from repost.validate import fidelity

    clip = media_factory("compare-916-4s.mp4", size="360x640", duration=4.0, sample_rate=48000)
    post = write_post("caption: hi\nmedia: [clip.mp4]\n", media={"clip.mp4": clip})
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok", "--out", out).code == 0
    bundle = next(out.glob("*/tiktok"))
    manifest = json.loads((bundle / "manifest.json").read_text())
    video = next(e for e in manifest["files"] if e["role"] == "video")
    edit = video["source"]["edit"]
    assert (edit["fit"], edit["hold_s"], edit["fps"]) == ("none", 0.0, None)  # a stream copy, whole
    seen = []
    monkeypatch.setattr(fidelity, "_sample_times", lambda *a: seen.append(a) or pytest.fail("decoded"))
    result = run("validate", bundle, "--against-source", "--json")
    assert not [f for f in result.json()["bundles"][0]["findings"] if f["severity"] == "error"]
    monkeypatch.undo()
    # The same bundle with its picture mirrored (sound, length and opening kept): caught.
    target = bundle / "01.mp4"
    mirrored = tmp_path / "mirrored.mp4"
    mp4 = ["-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0"]
    video_args = ["-vf", "hflip", "-c:v", "libx264", "-crf", "12"]
    run_ffmpeg(["-i", target, *video_args, "-c:a", "copy", *mp4, "-y", mirrored])
    mirrored.replace(target)
    video.update(sha256=hashlib.sha256(target.read_bytes()).hexdigest(), bytes=target.stat().st_size)
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    result = run("validate", bundle, "--against-source", "--json")
    found = {f["field"] for f in result.json()["bundles"][0]["findings"] if f["severity"] == "error"}
    assert "ssim" in found, found
