"""Every change repost makes to a sound keeps its loudness (ITU-R BS.1770, within 1 LU) and its
true peak at or under -1 dBTP, or reaches the --loudness target; the manifest says both."""

from __future__ import annotations

import json

import pytest
import yaml

from repost.media.ffmpeg import run_ffmpeg
from repost.media.measure import measure_loudness
from repost.media.probe import probe_media
from repost.platforms.profiles import builtin_profile_dir

TOLERANCE_LU = 1.0
MAX_TRUE_PEAK = -1.0


def manifest_of(bundle):
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def assert_kept(source, output, target=None):
    goal = source.integrated_lufs if target is None else target
    assert output.integrated_lufs == pytest.approx(goal, abs=TOLERANCE_LU), (source, output)
    assert output.true_peak_dbtp <= MAX_TRUE_PEAK, output


@pytest.mark.timeout(300)
def test_a_51_downmix_is_as_loud_as_its_source_and_the_manifest_says_so(
    run, write_post, clip_51_voices, tmp_path
):
    source = measure_loudness(clip_51_voices)
    # The renormalised downmix repost used before ("<": gains divided by their sum) is what
    # this source catches: over 1 LU quieter.
    old = "pan=stereo|FL<FL+0.707*FC+0.707*BL|FR<FR+0.707*FC+0.707*BR"
    assert measure_loudness(clip_51_voices, filters=old).integrated_lufs < source.integrated_lufs - 3
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_51_voices})
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok,rednote", "--out", out).code == 0
    for platform in ("tiktok", "rednote"):
        bundle = next(out.glob(f"*/{platform}"))
        output = measure_loudness(bundle / "01.mp4")
        assert_kept(source, output)
        entry = manifest_of(bundle)["files"][0]
        assert entry["loudness"] == {"source": source.to_dict(), "output": output.to_dict()}


def _hot_stereo(path):
    # Loud drum-like bursts over a tone, 96 kHz (so it must be resampled): peaks near 0 dBTP.
    mix = "[1][2]amix=inputs=2:normalize=0,volume=7dB,aformat=channel_layouts=stereo[a]"
    burst = "anoisesrc=c=pink:r=96000:d=4:a=0.9,volume='if(lt(mod(t,0.5),0.08),1,0.3)':eval=frame"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4", "-f", "lavfi",
                "-i", burst, "-f", "lavfi", "-i", "sine=f=200:r=96000:d=4",
                "-filter_complex", mix,
                "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-preset", "superfast",
                "-c:a", "aac", "-b:a", "256k", "-movflags", "+faststart", path])  # fmt: skip
    return path


@pytest.mark.timeout(300)
def test_a_hot_source_is_resampled_under_the_peak_ceiling_and_a_target_is_reached(run, write_post, tmp_path):
    hot = _hot_stereo(tmp_path / "hot.mp4")
    source = measure_loudness(hot)
    assert source.true_peak_dbtp > MAX_TRUE_PEAK  # the limiter has work to do
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": hot})
    assert run("export", post, "--to", "tiktok", "--out", tmp_path / "kept").code == 0
    bundle = next((tmp_path / "kept").glob("*/tiktok"))
    assert any("peaks limited to -3 dBTP" in c for c in manifest_of(bundle)["changes"])
    assert_kept(source, measure_loudness(bundle / "01.mp4"))
    assert run("export", post, "--to", "tiktok", "--out", tmp_path / "t", "--loudness", "-20").code == 0
    assert_kept(source, measure_loudness(next((tmp_path / "t").glob("*/tiktok/01.mp4"))), target=-20)


@pytest.mark.timeout(300)
def test_parts_and_held_sound_keep_the_loudness_of_their_stretch(run, write_post, clip_51_voices, tmp_path):
    data = yaml.safe_load((builtin_profile_dir() / "tiktok.yaml").read_text(encoding="utf-8"))
    data["video"]["max_duration_s"] = {**data["video"]["max_duration_s"]["app"], "value": 2.5}
    data["video"]["min_duration_s"]["value"] = 1
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "tiktok.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_51_voices}, folder="film")
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok", "--out", out, "--split", "--profiles", profiles).code == 0
    parts = sorted(out.glob("film-part*/tiktok"))
    assert len(parts) == 2
    length = round(probe_media(clip_51_voices).duration_s / 2, 3)  # two equal parts (plan_parts)
    for i, bundle in enumerate(parts):
        start = round(i * length, 3)
        stretch = measure_loudness(clip_51_voices, start_s=start, duration_s=length)
        output = measure_loudness(bundle / "01.mp4")
        assert_kept(stretch, output)
        assert manifest_of(bundle)["files"][0]["loudness"]["source"] == stretch.to_dict()
    # A 2 s clip held to TikTok's 3 s: the padded silence does not count (BS.1770's gate).
    short = tmp_path / "short.mp4"
    run_ffmpeg(["-i", clip_51_voices, "-t", "2", "-c", "copy", short])
    held = write_post("media: [clip.mp4]\n", media={"clip.mp4": short}, folder="held")
    assert run("export", held, "--to", "tiktok", "--out", tmp_path / "held").code == 0
    bundle = next((tmp_path / "held").glob("*/tiktok"))
    assert any("held the last frame" in c for c in manifest_of(bundle)["changes"])
    assert_kept(measure_loudness(short), measure_loudness(bundle / "01.mp4"))


def test_a_copied_sound_is_recorded_as_measured_and_a_mute_video_has_none(
    run, write_post, clip_fits_all, media_factory, tmp_path
):
    mute = media_factory("mute_fits.mp4", size="720x1280", duration=3.2, audio=None)
    posts = [
        write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder="copy"),
        write_post("media: [clip.mp4]\n", media={"clip.mp4": mute}, folder="mute"),
    ]
    assert run("export", *posts, "--to", "reels", "--out", tmp_path / "out").code == 0
    copied = manifest_of(tmp_path / "out" / "copy" / "reels")["files"][0]["loudness"]
    assert copied["source"] == measure_loudness(clip_fits_all).to_dict()
    assert copied["output"]["integrated_lufs"] == pytest.approx(copied["source"]["integrated_lufs"], abs=0.2)
    # A copy's sound is not measured twice: what the manifest says is what the file measures.
    made = measure_loudness(tmp_path / "out" / "copy" / "reels" / "01.mp4")
    assert made.integrated_lufs == pytest.approx(copied["output"]["integrated_lufs"], abs=0.2)
    assert made.true_peak_dbtp == pytest.approx(copied["output"]["true_peak_dbtp"], abs=0.2)
    assert manifest_of(tmp_path / "out" / "mute" / "reels")["files"][0]["loudness"] is None
