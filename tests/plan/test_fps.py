"""Frame rates: changed only where outside the profile's range, an NTSC rate within its nominal
one, and a change line only where the rate really changes."""

from fractions import Fraction

import pytest

from repost.plan.rendition import plan_conform, plan_fps
from repost.platforms.rules import check_video, fps_out_of_range

NTSC_30 = dict(fps=30000 / 1001, fps_fraction="30000/1001")


@pytest.mark.parametrize(
    ("fps", "fraction", "low", "high", "expected"),
    [
        (24.0, "24/1", 30, 60, Fraction(30)),  # a minimum that demands 30 fps re-times 24
        (24.0, "24/1", 23, 60, Fraction(24)),
        (25.0, "25/1", 25, 60, Fraction(25)),
        (30000 / 1001, "30000/1001", 30, 60, Fraction(30000, 1001)),  # not "29.97 to 30"
        (24000 / 1001, "24000/1001", 24, 60, Fraction(24000, 1001)),
        (24000 / 1001, "24000/1001", 30, 60, Fraction(30000, 1001)),  # raised, and kept NTSC
        (120000 / 1001, "120000/1001", 23, 60, Fraction(60000, 1001)),  # halved, kept NTSC
        (120.0, "120/1", 23, 60, Fraction(60)),
        (60000 / 1001, "60000/1001", 23, 60, Fraction(60000, 1001)),
    ],
)
def test_rate_moved_only_when_outside_the_range(facts, with_video, fps, fraction, low, high, expected):
    rules = with_video("rednote", min_fps=low, max_fps=high).video
    assert plan_fps(facts(fps=fps, fps_fraction=fraction), rules) == expected


def test_ntsc_rates_are_their_nominal_ones_in_the_rules():
    assert fps_out_of_range(30000 / 1001, 30, 60) is None
    assert fps_out_of_range(60000 / 1001, 23, 59.94) is None
    assert fps_out_of_range(29.9, 30, 60) == "low"  # not an NTSC rate: 0.3% under
    assert fps_out_of_range(24, 25, 60) == "low" and fps_out_of_range(61, 23, 60) == "high"


def test_a_2997_clip_that_fits_is_copied_everywhere_even_under_a_30_fps_minimum(
    facts, with_video, profile_id
):
    profile = with_video(profile_id, min_fps=30)
    clip = facts(1080, 1920, **NTSC_30)
    assert not [f for f in check_video("01.mp4", clip, profile) if f.field == "fps"]
    assert plan_conform(clip, profile).rendition is None


def test_a_25_fps_clip_is_copied_where_the_minimum_is_25_or_less(facts, with_video, profile_id):
    for low in (23, 25):
        conform = plan_conform(
            facts(1080, 1920, fps=25.0, fps_fraction="25/1"), with_video(profile_id, min_fps=low)
        )
        assert conform.rendition is None, (profile_id, low)


def test_a_2997_clip_reencoded_for_another_reason_keeps_its_rate_and_no_rate_line(facts, with_video):
    conform = plan_conform(facts(1920, 1080, **NTSC_30), with_video("rednote", min_fps=30))
    assert conform.rendition.video == "encode" and conform.rendition.fps == "30000/1001"
    assert not [c for c in conform.changes if "frame rate" in c], conform.changes


def test_the_rate_line_tells_ntsc_from_its_nominal_rate(facts, with_video):
    clip = facts(1080, 1920, fps=24000 / 1001, fps_fraction="24000/1001")
    conform = plan_conform(clip, with_video("rednote", min_fps=30))
    assert "frame rate 23.976 fps to constant 29.97 fps" in conform.changes, conform.changes
