"""Real encodes of planned renditions: rotation, downmix, HDR to SDR, frame rate, timing, byte cap."""

import pytest

from repost.errors import MediaError
from repost.media.ffmpeg import parse_progress, run_ffmpeg
from repost.media.files import make_file
from repost.media.probe import probe_media
from repost.ops import Conform, SourceVideo
from repost.plan.rendition import plan_conform
from repost.plan.step import Step
from repost.platforms.rules import check_video


def conform(src, profile, tmp_path, options=None, name=None, **part):
    """Plan ``src`` for ``profile``, encode it and return (rendition, output facts, changes)."""
    facts = probe_media(src)
    plan = plan_conform(facts, profile, options, **part)
    assert plan.rendition is not None, "expected a conform, not a copy"
    out = tmp_path / (name or f"{src.stem}-{profile.id}.mp4")
    step = Step(src, "01.mp4", "video", Conform(plan.rendition, SourceVideo.of(facts)))
    make_file(step, out)
    return plan.rendition, probe_media(out), plan.changes


def channel_levels(path):
    """RMS of each audio channel of ``path`` (planar float after decoding)."""
    import av
    import numpy as np

    with av.open(str(path)) as c:
        frames = [f.to_ndarray() for f in c.decode(audio=0)]
    data = np.concatenate(frames, axis=1)
    return [float(np.sqrt(np.mean(ch.astype("float64") ** 2))) for ch in data]


def test_rotated_phone_clip_comes_out_upright_with_no_rotation_flag(profiles, clip_rotated, tmp_path):
    src = probe_media(clip_rotated)
    assert (src.width, src.height, src.rotation) != (src.coded_width, src.coded_height, 0)
    _, out, changes = conform(clip_rotated, profiles["tiktok"], tmp_path)
    assert (out.width, out.height) == (out.coded_width, out.coded_height) == (360, 640)
    assert out.rotation == 0 and not check_video("01.mp4", out, profiles["tiktok"])
    assert any("turned upright" in c for c in changes)


@pytest.mark.parametrize(("source", "left", "right"), [("FC", 1, 1), ("FL", 1, 0), ("LFE", 0, 0)])
def test_51_is_downmixed_to_stereo_with_the_bs775_matrix(
    profiles, media_factory, tmp_path, source, left, right
):
    # A tone on one channel of 5.1 (the others silent): the centre reaches both sides equally,
    # the front left only the left, the LFE neither (BS.775 leaves it out).
    gains = "|".join(
        f"{ch}={'c0' if ch == source else '0*c0'}" for ch in ["FL", "FR", "FC", "LFE", "BL", "BR"]
    )
    clip = media_factory(
        f"tone_{source}.mp4", size="160x284", duration=1.0, sample_rate=48000, audio="mono",
        extra_args=("-af", f"pan=5.1|{gains}", "-ac", "6"),
    )  # fmt: skip
    assert probe_media(clip).audio.channels == 6
    _, out, _ = conform(clip, profiles["reels"], tmp_path)
    assert out.audio.channels == 2 and out.audio.codec == "aac"
    levels = channel_levels(tmp_path / f"{clip.stem}-reels.mp4")
    assert [lv > 0.01 for lv in levels] == [bool(left), bool(right)], levels
    if left and right:
        assert abs(levels[0] - levels[1]) < 0.01 * levels[0]


def test_hlg_10_bit_is_tone_mapped_to_8_bit_sdr_bt709(profiles, media_factory, tmp_path):
    # Colour tags stick only when set on the frames (setparams) before the encoder.
    hlg = media_factory(
        "hlg.mp4", size="160x284", duration=0.5, vcodec="libx265", pix_fmt="yuv420p10le", audio=None,
        extra_args=("-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc"),
    )  # fmt: skip
    src = probe_media(hlg)
    assert (src.codec, src.bit_depth, src.color_transfer, src.hdr) == ("hevc", 10, "arib-std-b67", True)
    r, out, changes = conform(hlg, profiles["tiktok"], tmp_path)
    assert r.tonemap == "arib-std-b67"
    assert (out.codec, out.profile, out.pix_fmt, out.bit_depth) == ("h264", "High", "yuv420p", 8)
    assert (out.color_primaries, out.color_transfer, out.color_space) == ("bt709", "bt709", "bt709")
    assert not out.hdr and any("tone-mapped HDR (arib-std-b67" in c for c in changes)


def test_frame_rate_raised_to_the_minimum_and_vfr_made_constant(profiles, media_factory, clip_vfr, tmp_path):
    slow = media_factory("slow10.mp4", size="160x284", fps=10, duration=1.0, audio=None)
    _, out, _ = conform(slow, profiles["tiktok"], tmp_path)
    assert out.fps == 23 and not out.vfr
    assert probe_media(clip_vfr).vfr
    _, out, changes = conform(clip_vfr, profiles["lemon8"], tmp_path)
    assert not out.vfr and 23 <= out.fps <= 60
    assert any("to constant" in c for c in changes)


def test_trim_part_and_hold_reach_their_lengths(with_video, media_factory, tmp_path):
    clip = media_factory("three_s.mp4", size="160x284", duration=3.0, sample_rate=48000)
    short = with_video("reels", max_duration_s=2.0, min_duration_s=0.5)
    _, out, changes = conform(clip, short, tmp_path)
    assert 1.8 <= out.duration_s <= 2.0 and not check_video("01.mp4", out, short)
    assert any(c.startswith("trimmed 3.00 s to 1.90 s") for c in changes)
    _, part, _ = conform(clip, short, tmp_path, name="part.mp4", start_s=1.5, length_s=1.5)
    assert 1.4 <= part.duration_s <= 1.6
    held = with_video("reels", min_duration_s=5.0)
    _, out, _ = conform(clip, held, tmp_path, name="held.mp4")
    assert 5.0 <= out.duration_s <= 5.3 and out.audio is not None


def test_byte_cap_sets_a_bitrate_budget_that_holds(with_video, media_factory, tmp_path):
    # Noise is the hardest picture to compress: at CRF 21 it is far over the cap below.
    noisy = media_factory(
        "noise.mp4", size="568x320", duration=2.0, sample_rate=48000,
        extra_args=("-vf", "noise=alls=60:allf=t"),
    )  # fmt: skip
    free = with_video("reels", aspects=("9:16",), max_bytes=None, min_duration_s=None)
    _, uncapped, _ = conform(noisy, free, tmp_path, name="uncapped.mp4")
    capped_profile = with_video("reels", max_bytes=uncapped.bytes // 3, min_duration_s=None)
    r, out, changes = conform(noisy, capped_profile, tmp_path, name="capped.mp4")
    assert r.maxrate_bps and out.bytes <= capped_profile.video.max_bytes < uncapped.bytes
    assert any("bitrate budget" in c for c in changes)


def test_progress_reports_fractions_and_failure_explains_itself(clip_916, tmp_path):
    seen = []
    run_ffmpeg(
        ["-i", clip_916, "-c", "copy", "-f", "mp4", "-y", tmp_path / "o.mp4"],
        progress=seen.append,
        duration_s=1.0,
    )
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert parse_progress(b"out_time_us=500000\n", 2.0) == 0.25 and parse_progress(b"fps=3\n", 2.0) is None
    with pytest.raises(MediaError) as info:
        run_ffmpeg(["-i", clip_916, "-c:v", "nosuchencoder", "-f", "mp4", "-y", tmp_path / "x.mp4"])
    err = info.value
    assert err.command and "nosuchencoder" in err.command and err.stderr_tail and err.hint
