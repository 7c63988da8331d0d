"""Loudness measured as ffmpeg's ebur128 filter measures it (ITU-R BS.1770)."""

from __future__ import annotations

import pytest

from repost.errors import MediaError
from repost.media.measure import measure_loudness, parse_loudness


def test_a_tone_measures_its_level_and_a_quieter_copy_measures_lower(media_factory):
    loud = measure_loudness(media_factory("tone.mp4", duration=2.0))
    quiet = measure_loudness(
        media_factory(
            "tone-quiet.mp4", duration=2.0, extra_args=["-af", "aformat=channel_layouts=stereo,volume=-6dB"]
        )
    )
    assert loud.integrated_lufs is not None and -40 < loud.integrated_lufs < -10
    assert quiet.integrated_lufs == pytest.approx(loud.integrated_lufs - 6, abs=0.3)
    assert quiet.true_peak_dbtp < loud.true_peak_dbtp


def test_silence_is_none_not_a_number():
    text = "Integrated loudness:\n    I:         -inf LUFS\n  True peak:\n    Peak:      -inf dBFS\n"
    measured = parse_loudness(text)
    assert (measured.integrated_lufs, measured.true_peak_dbtp) == (None, None)


def test_a_file_without_sound_is_a_media_error(media_factory):
    with pytest.raises(MediaError):
        measure_loudness(media_factory("mute.mp4", audio=None))
