"""How loud an encoded sound comes out, decided purely from measured levels: a gain and a ceiling."""

from __future__ import annotations

# Every audio change keeps the integrated loudness (ITU-R BS.1770) of its source, or reaches
# the --loudness target, with the true peak at or under -1 dBTP (EBU R128 s1's ceiling for
# distribution, which AES TD1004 recommends for streaming too). The limiter holds the peaks
# 2 dB lower, before the AAC encode: its overshoot measured 0.6-0.7 dB at 128 kbps on music and
# up to 1.3 dB on loud pink-noise bursts (tests/media/test_loudness.py's hot source), so 1 dB of
# margin was not always enough.
MAX_TRUE_PEAK_DBTP = -1.0
PEAK_LIMIT_DBTP = -3.0
# Gains under this are left out: 0.1 dB is below what BS.1770 meters show.
MIN_GAIN_DB = 0.1


def level_key(path, start_s: float, duration_s: float | None) -> tuple:
    """What a measurement of a source stretch is known by in ``Evidence.levels``."""
    return (str(path), round(start_s or 0.0, 3), None if duration_s is None else round(duration_s, 3))


def match_loudness(levels, target_lufs: float | None) -> tuple[float | None, float | None]:
    """(gain in dB, true-peak limit in dBTP or None) that bring the sound after its downmix to
    the source's loudness, or to ``target_lufs``.

    ``levels`` (media.loudness.Levels) holds the source stretch as measured and, when it is
    mixed down, the mix before any gain. Without levels (a plan made outside export) the gain
    is unknown (None) and the limiter is on wherever the sound is changed.
    """
    if levels is None:
        return None, PEAK_LIMIT_DBTP
    mixed = levels.mix or levels.source
    goal = target_lufs if target_lufs is not None else levels.source.integrated_lufs
    if goal is None or mixed.integrated_lufs is None:  # silence: nothing to match
        return 0.0, None
    gain = round(goal - mixed.integrated_lufs, 1)
    gain = gain if abs(gain) >= MIN_GAIN_DB else 0.0
    peak = mixed.true_peak_dbtp
    over = peak is None or peak + gain > PEAK_LIMIT_DBTP
    return gain, PEAK_LIMIT_DBTP if over else None


def level_requests(plans) -> dict[tuple, tuple]:
    """The source stretches whose sound the plans re-encode, to be measured before planning
    again with ``Evidence.levels``: {level_key: (path, start_s, duration_s)}."""
    wanted = {}
    for plan in plans:
        for step in plan.steps:
            r = step.rendition
            if r is not None and r.audio.action == "encode" and r.audio.gain_db is None:
                wanted[level_key(step.source, r.start_s, r.duration_s)] = (
                    step.source,
                    r.start_s,
                    r.duration_s,
                )
    return wanted
