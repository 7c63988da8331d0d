"""Picture and sound start together in every MP4 repost writes, without an edit list, and
validate reports a file whose streams start apart."""

from __future__ import annotations

import json

import pytest
import yaml

from repost.media.ffmpeg import run_ffmpeg
from repost.media.mp4 import MP4_NO_EDIT_LIST
from repost.media.probe import probe_media
from repost.platforms.profiles import builtin_profile_dir


def stream_starts(path, *, edit_list: bool = False) -> dict[str, float]:
    """{"video": s, "audio": s}: each stream's start time, read with PyAV apart from repost's
    probe, and (without an edit list, which may hide AAC priming before it) checked against the
    earliest timestamp of its first packets."""
    import av

    starts = {}
    with av.open(str(path)) as container:
        for stream in (*container.streams.video[:1], *container.streams.audio[:1]):
            container.seek(0)
            packets = [p for _, p in zip(range(16), container.demux(stream), strict=False)]
            first = min(p.pts for p in packets if p.pts is not None) * stream.time_base
            start = stream.start_time * stream.time_base
            assert edit_list or abs(float(first - start)) < 1e-3, (
                path,
                stream.type,
                float(first),
                float(start),
            )
            starts[stream.type] = float(start)
    return starts


def assert_in_sync(path) -> None:
    facts = probe_media(path)
    starts = stream_starts(path)
    half_frame = 0.5 / facts.fps
    assert abs(starts["video"] - starts["audio"]) <= half_frame, (path, starts)
    assert starts["video"] == pytest.approx(0.0, abs=1e-3), (path, starts)
    assert facts.edit_list is False, path


def has_decoder_delay(path) -> bool:
    import av

    with av.open(str(path)) as container:
        packets = list(container.demux(container.streams.video[0]))
    return any(p.pts != p.dts for p in packets if p.pts is not None)


def videos(out):
    return sorted(out.rglob("01.mp4"))


@pytest.mark.timeout(300)
def test_copies_encodes_and_shared_decodes_of_a_bframe_clip_start_together(
    run, write_post, clip_bframes, media_factory, tmp_path
):
    wide = media_factory("bframes_169.mp4", size="320x180", duration=3.5, sample_rate=48000,
                         extra_args=("-bf", "3"))  # fmt: skip
    assert has_decoder_delay(clip_bframes) and stream_starts(clip_bframes, edit_list=True)["video"] == 0.0
    tall = write_post("media: [clip.mp4]\ncaption: tall\n", media={"clip.mp4": clip_bframes}, folder="tall")
    broad = write_post("media: [clip.mp4]\ncaption: wide\n", media={"clip.mp4": wide}, folder="wide")
    out = tmp_path / "out"
    result = run("export", tall, broad, "--to", "all", "--out", out, "--json")
    assert result.code == 0, result.out
    changes = {b["path"]: " ".join(b["changes"]) for b in result.json()["bundles"]}
    assert any("copied H264/AAC" in c for c in changes.values())  # the stream copies
    assert any("re-encoded" in c for c in changes.values())
    made = videos(out)
    assert len(made) == 10
    for path in made:
        assert_in_sync(path)
    assert run("validate", out).code == 0


@pytest.mark.timeout(300)
def test_parts_held_frames_silent_tracks_and_downmixes_start_together(
    run, write_post, media_factory, clip_51_voices, tmp_path
):
    # TikTok with a 2 s maximum and a 1 s minimum that requires sound: a 5 s clip splits in
    # three parts (the first copies its sound, the others encode it), a mute clip gets a
    # silent track.
    data = yaml.safe_load((builtin_profile_dir() / "tiktok.yaml").read_text(encoding="utf-8"))
    data["video"]["max_duration_s"] = {**data["video"]["max_duration_s"]["app"], "value": 2}
    data["video"]["min_duration_s"]["value"] = 1
    data["video"]["audio_required"] = {**data["video"]["allow_edit_lists"], "value": True}
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "tiktok.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    five = media_factory("bframes_5s.mp4", duration=5.0, sample_rate=48000, extra_args=("-bf", "3"))
    mute = media_factory("bframes_mute.mp4", duration=1.5, audio=None, extra_args=("-bf", "3"))
    short = media_factory("bframes_2s.mp4", duration=2.0, sample_rate=44100, extra_args=("-bf", "3"))
    posts = [
        write_post("media: [clip.mp4]\n", media={"clip.mp4": five}, folder="long"),
        write_post("media: [clip.mp4]\n", media={"clip.mp4": mute}, folder="mute"),
    ]
    out = tmp_path / "out"
    common = ("--to", "tiktok", "--out", out)
    assert run("export", *posts, *common, "--split", "--profiles", profiles).code == 0
    # The built-in TikTok: a 2 s clip held to 3 s (tpad/apad), a 5.1 film sound downmixed
    # under a copied picture.
    held = write_post("media: [clip.mp4]\n", media={"clip.mp4": short}, folder="held")
    film = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_51_voices}, folder="film")
    built_in = tmp_path / "built-in"
    assert run("export", held, film, "--to", "tiktok", "--out", built_in).code == 0
    assert run("validate", out, "--profiles", profiles).code == 0 and run("validate", built_in).code == 0
    made = [*videos(out), *videos(built_in)]
    manifests = {p.parent.parent.name: json.loads((p.parent / "manifest.json").read_text()) for p in made}
    assert sorted(manifests) == ["film", "held", "long-part1", "long-part2", "long-part3", "mute"]
    said = {name: " ".join(m["changes"]) for name, m in manifests.items()}
    assert "silent stereo AAC" in said["mute"] and "held the last frame" in said["held"]
    assert "downmixed" in said["film"] and "copied" not in said["long-part2"]
    assert probe_media(built_in / "film" / "tiktok" / "01.mp4").codec == "h264"
    for path in made:
        assert_in_sync(path)


@pytest.mark.timeout(300)
def test_hevc_copies_and_slideshows_start_together(run, write_post, media_factory, image_jpeg_34, tmp_path):
    hevc = media_factory("bframes_hevc.mp4", vcodec="libx265", duration=3.5, sample_rate=48000)
    assert has_decoder_delay(hevc)
    tune = tmp_path / "tune.m4a"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=2", "-c:a", "aac", tune])
    clip = write_post("media: [clip.mp4]\n", media={"clip.mp4": hevc}, folder="hevc")
    photos = write_post("media: [1.jpg, 2.jpg]\naudio: tune.m4a\n",
                        media={"1.jpg": image_jpeg_34, "2.jpg": image_jpeg_34, "tune.m4a": tune},
                        folder="photos")  # fmt: skip
    out = tmp_path / "out"
    assert run("export", clip, "--to", "reels", "--out", out).code == 0
    assert run("export", photos, "--to", "reels", "--out", out, "--as", "video").code == 0
    copied = out / "hevc" / "reels" / "01.mp4"
    assert probe_media(copied).codec == "hevc"
    for path in (copied, out / "photos" / "reels" / "01.mp4"):
        assert_in_sync(path)


def test_validate_reports_a_planted_three_frame_offset(run, clip_bframes, tmp_path):
    # The sound of an in-sync copy (no edit list, no priming before 0) moved 100 ms (three
    # frames at 30 fps) later, streams copied as they are.
    synced, planted = tmp_path / "synced.mp4", tmp_path / "late.mp4"
    run_ffmpeg(["-i", clip_bframes, "-c", "copy", *MP4_NO_EDIT_LIST, synced])
    assert_in_sync(synced)
    run_ffmpeg(["-i", synced, "-itsoffset", "0.1", "-i", synced, "-map", "0:v", "-map", "1:a",
                "-c", "copy", "-movflags", "+faststart", planted])  # fmt: skip
    assert stream_starts(planted, edit_list=True)["audio"] == pytest.approx(0.1, abs=1e-3)
    result = run("validate", planted, "--profile", "tiktok", "--json")
    assert result.code == 1
    findings = [f for b in result.json()["bundles"] for f in b["findings"] if f["field"] == "av_offset_s"]
    assert len(findings) == 1
    f = findings[0]
    assert f["severity"] == "error" and f["actual"] == pytest.approx(0.1, abs=1e-3)
    assert f["limit"] == pytest.approx(1 / 60, abs=1e-3)
    assert f["message"] == (
        "late.mp4: video starts at 0.000 s, audio at 0.100 s (offset 100 ms > half a frame, 17 ms)"
    )
    assert run("validate", synced, "--profile", "tiktok").code == 0


def test_validate_reports_the_offset_inside_a_bundle(run, write_post, clip_bframes, tmp_path):
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_bframes})
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok", "--out", out).code == 0
    bundle = next(out.rglob("manifest.json")).parent
    video = bundle / "01.mp4"
    # A B-frame picture muxed the old way (-use_editlist 0 alone): it starts 2 frames late.
    late = tmp_path / "old.mp4"
    run_ffmpeg(["-i", video, "-c", "copy", "-movflags", "+faststart", "-use_editlist", "0", late])
    late.replace(video)
    findings = run("validate", bundle, "--json").json()["bundles"][0]["findings"]
    offset = [f for f in findings if f["field"] == "av_offset_s"]
    assert len(offset) == 1 and offset[0]["actual"] == pytest.approx(2 / 30, abs=1e-3)
    assert "01.mp4: video starts at 0.067 s, audio at 0.000 s" in offset[0]["message"]
