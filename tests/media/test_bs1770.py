"""The in-process loudness meter gives ffmpeg's ebur128 figures (within 0.1 LU and 0.1 dB) on
signals that exercise each part of it, and measure_loudness uses it only where it applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from repost.media import measure
from repost.media.bs1770 import measure_whole
from repost.media.ffmpeg import run_ffmpeg
from repost.media.measure import ffmpeg_loudness, measure_loudness

# lavfi sources, each AAC-encoded as a phone or an app would deliver it, and what each tests.
SIGNALS = {
    # a steady tone: K-weighting at 48 kHz, stereo
    "tone": ("sine=f=440:r=48000:d=4", ["-ac", "2"]),
    # broadband noise: the whole K-weighting curve, peaks between samples
    "pink": ("anoisesrc=c=pink:r=48000:d=4:a=0.5:s=7", ["-ac", "2"]),
    # loud stretches and near-silent pauses: the absolute and relative gates decide
    "bursts": (
        "anoisesrc=c=white:r=48000:d=5:a=0.3:s=3,volume='if(lt(mod(t,2),0.7),1,0.003)':eval=frame",
        [],
    ),
    # 44.1 kHz mono: coefficients derived for another rate, one channel
    "tone-44k": ("sine=f=997:r=44100:d=3", []),
    # 22.05 kHz, quiet and low: the high-pass of the K curve, low levels
    "low-22k": ("sine=f=60:r=22050:d=3,volume=-30dB", []),
    # tones near a quarter of the rate at full scale: true peaks well over the sample peaks
    "inter-sample": ("aevalsrc=0.9*sin(2*PI*11025*t+PI/4)|0.5*sin(2*PI*300*t):s=48000:d=3", []),
    # a tone shorter than one 400 ms block: no block, -70 LUFS as ffmpeg prints it
    "short": ("sine=f=440:r=48000:d=0.3", []),
    # digital silence: -70 LUFS and no true peak (ffmpeg's -inf)
    "silence": ("anullsrc=r=48000:cl=stereo:d=2", []),
}


@pytest.fixture(scope="session")
def signals(media_dir: Path) -> dict[str, Path]:
    made = {}
    for name, (source, extra) in SIGNALS.items():
        path = media_dir / f"bs1770-{name}.m4a"
        if not path.exists():
            run_ffmpeg(["-y", "-f", "lavfi", "-i", source, *extra, "-c:a", "aac", "-b:a", "128k", path])
        made[name] = path
    return made


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(SIGNALS))
def test_the_meter_reads_what_ffmpegs_ebur128_reads(signals, name):
    lufs, peak = measure_whole(signals[name])
    theirs = ffmpeg_loudness(signals[name])
    assert lufs == pytest.approx(theirs.integrated_lufs, abs=0.1)
    if theirs.true_peak_dbtp is None:
        assert peak is None
    else:
        assert peak == pytest.approx(theirs.true_peak_dbtp, abs=0.1)


def test_a_true_peak_is_found_between_samples(signals):
    # The 11025 Hz tone at 0.9 with a phase of pi/4 never samples its crest: its samples reach
    # 0.9 * sin(pi/4 + ...) while the wave between them reaches 0.9 (plus the 300 Hz tone).
    import av
    import numpy as np

    with av.open(str(signals["inter-sample"])) as container:
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    sample_peak = 20 * np.log10(np.abs(samples).max())
    _, peak = measure_whole(signals["inter-sample"])
    assert peak > sample_peak + 0.5


def test_whole_stereo_sound_is_metered_without_ffmpeg(signals, monkeypatch):
    def no_ffmpeg(*args, **kwargs):
        raise AssertionError("ffmpeg started to meter a whole stereo file")

    monkeypatch.setattr(measure, "run_ffmpeg", no_ffmpeg)
    measured = measure_loudness(signals["pink"])
    assert measured.integrated_lufs is not None and measured.true_peak_dbtp is not None


def test_stretches_filters_and_surround_go_to_ffmpeg(signals, clip_51, monkeypatch):
    ran = []
    real = measure.run_ffmpeg
    monkeypatch.setattr(measure, "run_ffmpeg", lambda args, **kw: ran.append(args) or real(args, **kw))
    measure_loudness(signals["pink"], start_s=1.0, duration_s=2.0)
    measure_loudness(signals["pink"], filters="volume=-3dB")
    measure_loudness(clip_51)
    assert len(ran) == 3
    assert measure_whole(clip_51) is None  # six channels: weights and downmixes are ffmpeg's
