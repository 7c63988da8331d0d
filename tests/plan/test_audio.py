"""The loudness plan (pure): measured levels in, the gain and true-peak limit of the encode out."""

import dataclasses
from pathlib import Path

from repost.media.loudness import Levels
from repost.media.measure import Loudness
from repost.media.probe_video import AudioFacts, VideoFacts
from repost.media.render import conform_args
from repost.ops import Conform, SourceVideo
from repost.plan.audio import PEAK_LIMIT_DBTP, level_key, match_loudness
from repost.plan.rendition import plan_conform


def command(facts, r) -> tuple[str, ...]:
    """The ffmpeg arguments media/ runs for rendition ``r`` of ``facts`` into 01.mp4."""
    return conform_args(Conform(r, SourceVideo.of(facts)), facts.path, "01.mp4")


SURROUND = AudioFacts("aac", "LC", 6, "5.1(side)", 48000, 384000)
CLIP = VideoFacts(
    path=Path("/clips/film.mp4"), bytes=5_000_000, container="mp4", duration_s=10.0,
    bitrate_bps=4_000_000, codec="h264", profile="High", pix_fmt="yuv420p", bit_depth=8,
    width=1080, height=1920, coded_width=1080, coded_height=1920, rotation=0, fps=30.0,
    fps_fraction="30/1", vfr=False, frame_count=300, color_primaries="bt709",
    color_transfer="bt709", color_space="bt709", color_range="tv", audio=SURROUND,
    moov_first=True, edit_list=False,
)  # fmt: skip


def _levels(src_i, src_tp, mix_i=None, mix_tp=None) -> Levels:
    mix = Loudness(mix_i, mix_tp) if mix_i is not None else None
    return Levels(Loudness(src_i, src_tp), mix)


def test_the_downmix_is_brought_back_to_the_source_loudness():
    gain, limit = match_loudness(_levels(-34.0, -8.0, -36.5, -9.0), None)
    assert (gain, limit) == (2.5, None)  # peaks end at -6.5 dBTP: no limiter needed


def test_a_gain_that_would_push_the_peaks_over_the_ceiling_brings_the_limiter():
    gain, limit = match_loudness(_levels(-14.0, -1.5, -17.0, -2.5), None)
    assert gain == 3.0 and limit == PEAK_LIMIT_DBTP
    # A hot stereo source only resampled: no gain, but its peaks are above the ceiling.
    assert match_loudness(_levels(-9.0, -0.3), None) == (0.0, PEAK_LIMIT_DBTP)


def test_a_loudness_target_wins_over_the_source_and_silence_gets_no_gain():
    assert match_loudness(_levels(-30.0, -12.0, -31.0, -13.0), -14.0)[0] == 17.0
    assert match_loudness(_levels(None, None), None) == (0.0, None)
    assert match_loudness(None, None) == (None, PEAK_LIMIT_DBTP)  # not measured: limit anyway


def test_the_plan_reads_the_levels_of_its_own_stretch_and_the_command_carries_them(profiles):
    key = level_key(CLIP.path, 0.0, None)
    levels = {key: _levels(-20.0, -6.0, -27.6, -11.0)}
    r = plan_conform(CLIP, profiles["reels"], None, levels).rendition
    assert (r.audio.gain_db, r.audio.peak_limit_dbtp) == (7.6, None)
    af = command(CLIP, r)
    chain = af[af.index("-af") + 1]
    assert "FL=FL+0.707*FC+0.707*SL" in chain and "volume=+7.6dB" in chain and "alimiter" not in chain
    # Another stretch (a part from 4 s) is not this measurement: no gain is made up for it.
    part = plan_conform(CLIP, profiles["reels"], None, levels, start_s=4.0, length_s=3.0).rendition
    assert part.audio.gain_db is None and "alimiter" in " ".join(command(CLIP, part))
    changes = plan_conform(CLIP, profiles["reels"], None, levels).changes
    assert any("+7.6 dB to keep the source's loudness" in c for c in changes)


def test_stereo_that_fits_is_copied_and_never_measured(profiles):
    stereo = dataclasses.replace(CLIP, audio=dataclasses.replace(SURROUND, channels=2, layout="stereo"))
    assert plan_conform(stereo, profiles["reels"]).rendition is None
