"""One decode of a source for the watermark scan, tesseract's frames and the automatic cover: the
cover it picks is the very frame covers.py picks on its own, whichever way the clip is keyed, and
an export that scans for a watermark makes its cover without decoding the source again."""

from __future__ import annotations

import json

import numpy as np
import pytest

from repost.media import covers, watermark
from repost.media.covers import decode_frames
from repost.media.probe import probe_media
from repost.media.sampling import Wanted, sample_video
from repost.plan.cover import auto_times

pytestmark = pytest.mark.timeout(300)

KEYINGS = {
    "one keyframe": [],  # the full pick: every candidate decoded (reference frames)
    "a keyframe a second": ["-g", "30", "-bf", "2"],  # the pick among keyframes, in one pass
    "a keyframe per sample": ["-g", "6", "-keyint_min", "6", "-bf", "2"],  # keyframes alone
}


@pytest.fixture(scope="module", params=sorted(KEYINGS))
def clip(request, media_factory):
    name = request.param.replace(" ", "-")
    return media_factory(f"sampled-{name}.mp4", size="240x426", duration=6, extra_args=KEYINGS[request.param])


def _wanted(facts, **k) -> Wanted:
    return Wanted(watermark.grey_maker(facts.rotation), watermark.sample_times(facts.duration_s), **k)


def test_the_pass_picks_the_cover_covers_py_picks(clip):
    facts = probe_media(clip)
    times = auto_times(facts.duration_s)
    found = sample_video(clip, _wanted(facts, picture_times=(1.5, 4.5), cover_times=times))
    covers._decode_frames_once.cache_clear()
    (own,) = decode_frames(clip, times, best=True)
    assert found.cover is not None
    picture, when = found.cover
    assert np.array_equal(np.asarray(picture), np.asarray(own))
    assert when == covers.chosen_time(clip, times)
    assert len(found.greys) == watermark.SAMPLES and len(found.pictures) == 2
    assert found.pictures[0].size == (facts.width, facts.height)


def test_the_samples_judge_as_the_scan_alone_does(clip, tmp_path):
    facts = probe_media(clip)
    times = auto_times(facts.duration_s)
    alone = watermark.find_watermark(clip, facts.duration_s)
    shared = sample_video(clip, _wanted(facts, cover_times=times)).greys
    assert watermark.judge_samples(shared) == alone


def test_an_export_that_scans_makes_its_cover_from_its_decode(clip, write_post, run, tmp_path, monkeypatch):
    post = write_post("title: t\nmedia: [clip.mp4]\n", {"clip.mp4": clip})
    plain = tmp_path / "plain"  # no scan: covers.py decodes for itself
    assert run("export", post, "--to", "lemon8", "--out", plain, "--norms", "off").code == 0
    covers._decode_frames_once.cache_clear()
    decoded = []
    monkeypatch.setattr(watermark, "sample_video", lambda *a: decoded.append(a) or sample_video(*a))
    monkeypatch.setattr(covers, "_decode_frames", lambda *_a, **_k: pytest.fail("decoded for the cover"))
    out = tmp_path / "scanned"
    assert run("export", post, "--to", "lemon8,reels", "--out", out).code == 0
    assert len(decoded) == 1  # one source, one decode, two platforms
    for platform in ("lemon8", "reels"):
        bundle = next(out.glob(f"*/{platform}"))
        files = json.loads((bundle / "manifest.json").read_text())["files"]
        cover = next(f for f in files if f["role"] == "cover")
        assert cover["source"]["edit"]["frame_s"] is not None
    ours = (next(out.glob("*/lemon8")) / "cover.jpg").read_bytes()
    assert ours == (next(plain.glob("*/lemon8")) / "cover.jpg").read_bytes()


@pytest.mark.parametrize("keying", ["one keyframe", "a keyframe a second"])
def test_a_pass_the_checks_cut_short_still_picks_the_cover_covers_py_picks(keying, tmp_path, watermark_clips):
    """Where a check rules every mark out (the panning scene) the pass takes no more samples and
    goes on only as far as the cover needs (from there only keyframes, where it picks among
    them): the very frame covers.py picks on its own."""
    import subprocess

    from repost.media.ffmpeg import find_ffmpeg

    clip = tmp_path / "pan.mp4"
    pan = watermark_clips.clean("pan")
    args = ["-c:v", "libx264", "-preset", "veryfast", *KEYINGS[keying]]
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", pan, *args, clip], check=True)
    facts = probe_media(clip)
    times = auto_times(facts.duration_s)
    wanted = _wanted(facts, picture_times=(2.0, 6.0), cover_times=times, rule_out=watermark.no_mark_possible,
                     rule_out_at=watermark.CHECKS)  # fmt: skip
    found = sample_video(clip, wanted)
    assert found.ruled_out and len(found.greys) < watermark.SAMPLES and found.pictures == []
    covers._decode_frames_once.cache_clear()
    (own,) = decode_frames(clip, times, best=True)
    assert found.cover is not None and np.array_equal(np.asarray(found.cover[0]), np.asarray(own))
    assert found.cover[1] == covers.chosen_time(clip, times)


def test_where_the_cover_is_picked_among_keyframes_the_samples_skip_the_deblocking_filter(media_factory):
    """The cover is decoded on its own (covers.keyframe_pick), so the pass for the samples runs
    without the deblocking filter: the very greys the scan alone takes (superfast x264 streams
    are deblocked: with the filter the greys differ)."""
    clip = media_factory(
        "sampled-keyed-deblocked.mp4", size="240x426", duration=6, extra_args=KEYINGS["a keyframe a second"]
    )
    facts = probe_media(clip)
    times = auto_times(facts.duration_s)
    shared = sample_video(clip, _wanted(facts, picture_times=(1.5, 4.5), cover_times=times))
    alone = sample_video(clip, _wanted(facts)).greys  # no cover: no deblocking, as before
    assert shared.cover is not None and len(shared.greys) == len(alone) == watermark.SAMPLES
    assert all(np.array_equal(a, b) for a, b in zip(shared.greys, alone, strict=True))
