"""The pure conform planner: geometry and fit per profile, frame rate, timing, audio, rate caps."""

import dataclasses
import itertools
from fractions import Fraction

import pytest

from repost.media.probe_video import AudioFacts
from repost.media.render import conform_args
from repost.ops import Conform, SourceVideo
from repost.plan.options import PlanOptions
from repost.plan.rendition import (
    MAXRATE_CEILING_BPS,
    choose_aspect,
    plan_conform,
    plan_fps,
    plan_geometry,
    plan_rate_cap,
)
from repost.plan.video import plan_parts
from repost.platforms.model import aspect_value
from repost.platforms.rules import aspect_matches


def command(facts, r) -> tuple[str, ...]:
    """The ffmpeg arguments media/ runs for rendition ``r`` of ``facts`` into 01.mp4."""
    return conform_args(Conform(r, SourceVideo.of(facts)), facts.path, "01.mp4")


# source WxH, profile, fit -> frame WxH, picture WxH inside it, fit used
GEOMETRY = [
    # landscape 1080p into 9:16: the frame is the profile's 1080x1920; the picture keeps its width
    ((1920, 1080), "tiktok", "blur", (1080, 1920), (1080, 608), "blur"),
    ((1920, 1080), "reels", "pad", (1080, 1920), (1080, 608), "pad"),
    # crop takes a 9:16 window of the source's own pixels: 608x1080, not enlarged to 1080x1920
    ((1920, 1080), "tiktok", "crop", (608, 1080), (608, 1080), "crop"),
    # RedNote/Lemon8 accept 9:16 and 3:4: a landscape source goes to the nearer one, 3:4
    ((1920, 1080), "rednote", "blur", (1080, 1440), (1080, 608), "blur"),
    ((1920, 1080), "lemon8", "crop", (810, 1080), (810, 1080), "crop"),
    # 4K is brought down to the profile's frame, never above it
    ((3840, 2160), "tiktok", "blur", (1080, 1920), (1080, 608), "blur"),
    ((2160, 3840), "reels", "blur", (1080, 1920), (1080, 1920), "none"),
    # small sources are not enlarged ... unless the platform's minimum side requires it
    ((640, 360), "tiktok", "blur", (640, 1138), (640, 360), "blur"),
    ((640, 360), "tiktok", "crop", (360, 640), (360, 640), "crop"),  # TikTok min side 360
    ((640, 360), "rednote", "blur", (720, 960), (720, 404), "blur"),  # RedNote min side 720
    ((360, 640), "rednote", "blur", (720, 1280), (720, 1280), "none"),
    # square: 9:16 for TikTok, the nearer 3:4 for RedNote
    ((1080, 1080), "tiktok", "pad", (1080, 1920), (1080, 1080), "pad"),
    ((1080, 1080), "rednote", "blur", (1080, 1440), (1080, 1080), "blur"),
    # 3:4 portrait is accepted as it is by RedNote, reframed for Reels
    ((1440, 1920), "rednote", "blur", (1080, 1440), (1080, 1440), "none"),
    ((1440, 1920), "reels", "blur", (1080, 1920), (1080, 1440), "blur"),
    # Shorts accepts 9:16 to 1:1 but reframes to its native 9:16 (reframe_to: preferred), the frame
    # TikTok and Reels make, not to the nearer 1:1; square and 4:5 sources pass as they are
    ((1920, 1080), "shorts", "blur", (1080, 1920), (1080, 608), "blur"),
    ((640, 360), "shorts", "crop", (202, 360), (202, 360), "crop"),  # no minimum side
    ((1080, 1080), "shorts", "blur", (1080, 1080), (1080, 1080), "none"),
    ((1080, 1350), "shorts", "blur", (1080, 1350), (1080, 1350), "none"),
]


@pytest.mark.parametrize(("src", "pid", "fit", "frame", "picture", "used"), GEOMETRY)
def test_geometry_table(profiles, src, pid, fit, frame, picture, used):
    w, h, cw, ch, how = plan_geometry(*src, profiles[pid].video, fit)
    assert ((w, h), (cw, ch), how) == (frame, picture, used)


SOURCES = [(1920, 1080), (3840, 2160), (640, 360), (1080, 1080), (1440, 1920), (720, 1280),
           (1280, 720), (2160, 3840), (400, 300), (5000, 1000), (360, 2000)]  # fmt: skip


@pytest.mark.parametrize("fit", ["crop", "pad", "blur"])
def test_every_frame_is_even_accepted_within_the_sides_and_never_needlessly_enlarged(
    profiles, profile_id, fit
):
    rules = profiles[profile_id].video
    for sw, sh in SOURCES:
        w, h, cw, ch, _ = plan_geometry(sw, sh, rules, fit)
        assert w % 2 == 0 and h % 2 == 0 and cw % 2 == 0 and ch % 2 == 0, (sw, sh)
        assert any(aspect_matches(w, h, a, rules.aspect_tolerance) for a in rules.aspects), (sw, sh, w, h)
        assert not rules.min_side_px or min(w, h) >= rules.min_side_px
        assert not rules.max_side_px or max(w, h) <= rules.max_side_px
        assert w <= rules.width_px and h <= rules.height_px
        enlarged = cw > sw + 1 or ch > sh + 1
        assert not enlarged or min(w, h) <= (rules.min_side_px or 0) + 2, (sw, sh, w, h, cw, ch)


def test_nearest_accepted_aspect_and_preferred_when_only_one(profiles):
    rednote = profiles["rednote"].video
    assert choose_aspect(1920, 1080, rednote) == "3:4"
    assert choose_aspect(500, 1000, rednote) == "9:16"  # 1:2 is nearer 9:16 than 3:4
    assert choose_aspect(1080, 1440, rednote) is None  # accepted as it is
    assert choose_aspect(1920, 1080, profiles["tiktok"].video) == "9:16"
    assert aspect_value("3:4") == 0.75


@pytest.mark.parametrize(
    ("pid", "fps", "vfr", "expected"),
    [
        ("tiktok", 120.0, False, Fraction(60)),
        ("tiktok", 10.0, False, Fraction(23)),
        ("rednote", 24.0, False, Fraction(24)),  # RedNote's assumed minimum is 23, as TikTok's and Reels'
        ("rednote", 10.0, False, Fraction(23)),
        ("lemon8", 24.0, False, Fraction(24)),
        ("reels", 30000 / 1001, False, Fraction(30000, 1001)),
        ("reels", 29.6, True, Fraction(30)),  # variable: a whole constant rate near its average
    ],
)
def test_frame_rate_moved_into_the_profile_range(profiles, facts, pid, fps, vfr, expected):
    frac = Fraction(fps).limit_denominator(1001)
    src = facts(fps=fps, fps_fraction=f"{frac.numerator}/{frac.denominator}", vfr=vfr)
    assert plan_fps(src, profiles[pid].video) == expected


def test_a_clip_that_fits_is_copied_and_one_that_does_not_is_encoded(profiles, facts):
    assert plan_conform(facts(), profiles["tiktok"]).rendition is None
    for change in [dict(rotation=90), dict(vfr=True), dict(fps=120.0, fps_fraction="120/1")]:
        r = plan_conform(facts(**change), profiles["tiktok"]).rendition
        assert r is not None and r.video == "encode", change


def test_audio_only_problem_keeps_the_video_stream(profiles, facts):
    surround = AudioFacts("aac", "LC", 6, "5.1(side)", 48000, 384000)
    conform = plan_conform(facts(audio=surround), profiles["reels"])
    r = conform.rendition
    assert r.video == "copy" and r.audio.action == "encode" and r.audio.downmix == "5.1(side)"
    args = command(facts(audio=surround), r)
    assert "-filter_complex" not in args and args[args.index("-c:v") + 1] == "copy"
    pan = args[args.index("-af") + 1]
    # BS.775 gains without "<" renormalisation (which cost 7.8 LU), mixed in float.
    assert "aformat=sample_fmts=fltp,pan=stereo|FL=FL+0.707*FC+0.707*SL|FR=FR+0.707*FC+0.707*SR" in pan
    assert any("downmixed to stereo" in c for c in conform.changes)


def test_audio_resampled_to_the_maximum_and_loudness_on_request(profiles, facts):
    hi = AudioFacts("aac", "LC", 2, "stereo", 96000, 256000)
    r = plan_conform(facts(audio=hi), profiles["reels"], PlanOptions(loudness=-14)).rendition
    assert (r.audio.action, r.audio.sample_rate_hz, r.audio.loudness_lufs) == ("encode", 48000, -14)
    af = command(facts(audio=hi), r)
    assert "loudnorm=I=-14" in " ".join(af) and "aresample=48000" in " ".join(af)


def test_silent_track_only_where_the_profile_requires_audio(profiles, facts, with_video):
    mute = facts(audio=None)
    assert plan_conform(mute, profiles["tiktok"]).rendition is None
    r = plan_conform(mute, with_video("tiktok", audio_required=True)).rendition
    assert r.audio.action == "silent"
    args = command(mute, r)
    assert "anullsrc=r=48000:cl=stereo" in args and args[args.index("-t") + 1] == "10.000"


def test_over_the_maximum_is_trimmed_and_recorded(profiles, facts):
    conform = plan_conform(facts(duration_s=200.0), profiles["reels"])
    r = conform.rendition
    assert r.video == "encode" and r.duration_s < 180 <= r.duration_s + 0.2
    assert any(c.startswith("trimmed 200.00 s to 179.90 s") for c in conform.changes)


def test_split_makes_equal_parts_under_the_maximum(profiles, facts):
    long = facts(duration_s=400.0)
    assert plan_parts(profiles["reels"], long, PlanOptions()) == []  # no --split: trimmed instead
    parts = plan_parts(profiles["reels"], long, PlanOptions(split=True))
    assert len(parts) == 3 and all(p.length_s < 180 for p in parts)
    assert parts[0].start_s == 0 and abs(sum(p.length_s for p in parts) - 400) < 0.01
    r = plan_conform(long, profiles["reels"], start_s=parts[1].start_s, length_s=parts[1].length_s).rendition
    args = command(long, r)
    assert args[:2] == ("-ss", f"{parts[1].start_s:.3f}")
    assert args[args.index("-t") + 1] == f"{parts[1].length_s:.3f}"


def test_under_the_minimum_holds_the_last_frame(profiles, facts):
    conform = plan_conform(facts(duration_s=1.0), profiles["reels"])
    r = conform.rendition
    assert r.hold_s >= 2.0 and r.audio.hold_s == r.hold_s
    graph = command(facts(duration_s=1.0), r)
    assert any(f"tpad=stop_mode=clone:stop_duration={r.hold_s:.3f}" in a for a in graph)
    assert any("held the last frame" in c for c in conform.changes)


@pytest.mark.parametrize(("transfer", "tin"), [("arib-std-b67", "arib-std-b67"), ("smpte2084", "smpte2084")])
def test_hdr_is_tone_mapped_with_bt709_tags(profiles, facts, transfer, tin):
    hdr = facts(pix_fmt="yuv420p10le", bit_depth=10, codec="hevc", color_primaries="bt2020",
                color_transfer=transfer, color_space="bt2020nc")  # fmt: skip
    r = plan_conform(hdr, profiles["tiktok"]).rendition
    assert r.tonemap == transfer
    args = command(hdr, r)
    graph = args[args.index("-filter_complex") + 1]
    assert f"zscale=tin={tin}" in graph and "tonemap=tonemap=hable" in graph
    assert "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709" in graph
    assert args[args.index("-color_trc") + 1] == "bt709"


def test_rate_cap_is_the_lowest_of_ceiling_platform_and_byte_budget(profiles):
    reels, tiktok = profiles["reels"].video, profiles["tiktok"].video
    assert plan_rate_cap(tiktok, 10, 128000) == (MAXRATE_CEILING_BPS, None)
    assert plan_rate_cap(dataclasses.replace(reels, max_bitrate_bps=8_000_000), 10, 128000)[0] == 7_472_000
    cap, why = plan_rate_cap(dataclasses.replace(reels, max_bytes=10_000_000), 60, 128000)
    assert cap == int((10_000_000 * 8 * 0.95 - 128000 * 60) / (60 + 2)) and "under 10,000,000 bytes" in why


def test_encoder_settings_are_h264_high_closed_gop_moov_first_without_edit_lists(profiles, facts):
    r = plan_conform(facts(1920, 1080), profiles["reels"], PlanOptions(fit="crop")).rendition
    args = command(facts(1920, 1080), r)
    pairs = dict(itertools.pairwise(args))
    assert pairs["-c:v"] == "libx264" and pairs["-profile:v"] == "high" and pairs["-pix_fmt"] == "yuv420p"
    assert (
        pairs["-flags"] == "+cgop"
        and pairs["-g"] == "60"
        and pairs["-movflags"] == "+faststart+negative_cts_offsets"
    )
    assert pairs["-use_editlist"] == "0" and pairs["-maxrate"] == str(MAXRATE_CEILING_BPS)
    assert pairs["-c:a"] == "copy" and args[-1] == "01.mp4"


@pytest.mark.parametrize(("reframe_to", "expected"), [("nearest", "1:1"), ("preferred", "9:16")])
def test_reframe_to_chooses_nearest_or_preferred_aspect(profiles, reframe_to, expected):
    rules = dataclasses.replace(profiles["shorts"].video, reframe_to=reframe_to)
    assert choose_aspect(1920, 1080, rules) == expected
    assert choose_aspect(1080, 1080, rules) is None  # accepted as it is either way


def test_shorts_shares_the_rendition_tiktok_and_reels_make(profiles, facts):
    wide = facts(1920, 1080)
    made = {pid: plan_conform(wide, profiles[pid], PlanOptions(fit="blur")).rendition for pid in profiles}
    assert made["shorts"] == made["tiktok"] == made["reels"]
    assert made["rednote"] != made["tiktok"]  # RedNote keeps the nearer 3:4
