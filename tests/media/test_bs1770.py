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


# The true peak a block at a time (bs1770._TruePeak) finds what the search over the whole
# channel at once found; whole_channel_peak is that search, kept here as the reference.
def whole_channel_peak(samples) -> float | None:
    import numpy as np

    from repost.media.bs1770 import CREST_REACH, DENSE_CRESTS, PEAK_CANDIDATE_RATIO, _interpolator

    phases, centre = _interpolator()
    best = 0.0
    for x in samples.astype(np.float64):
        size = np.abs(x)
        last = x.size - centre - 1  # the end unflushed, as ffmpeg's meter leaves it
        if size.max() == 0 or last < 0:
            continue
        mirror = x[1 : centre + 2][::-1]  # the start mirrored, as libswresample does
        padded = np.concatenate([np.zeros(centre + 1 - mirror.size), mirror, x, np.zeros(phases.shape[0])])
        neighbours = size.copy()
        for shift in range(1, CREST_REACH + 1):
            np.maximum(neighbours[shift:], size[:-shift], out=neighbours[shift:])
            np.maximum(neighbours[:-shift], size[shift:], out=neighbours[:-shift])
        crests = np.flatnonzero((size >= size.max() * PEAK_CANDIDATE_RATIO) & (size >= neighbours))
        if 2 * crests.size > x.size // DENSE_CRESTS:
            ks = np.arange(last + 1)
        else:
            ks = np.concatenate([crests - 1, crests])
            ks = ks[(ks >= 0) & (ks <= last)]
        windows = padded[ks[:, None] + 1 + np.arange(phases.shape[0])]  # x[k - centre ..]
        if ks.size:
            best = max(best, float(np.abs(windows @ phases).max()))
    return 20 * np.log10(best) if best > 0 else None


def _own(block: int = 0) -> int:
    """The first sample a block after the first finds crests in: blocks overlap by the
    interpolator's width."""
    from repost.media.bs1770 import BLOCK, _interpolator

    return block * (BLOCK - _interpolator()[0].shape[0])


# Two equal samples, whose true peak lies between them (~1.27 times either), over a quiet tone,
# at the very start (the mirrored samples before it count), about a block boundary (a window
# of the interpolator reaching into both blocks), and at the very end (left unflushed: the last
# 16 samples start no window) of 3 s of 48 kHz stereo.
PAIRS = {
    "start": 0,
    "before-boundary": _own(1) - 17,
    "at-boundary": _own(1) - 1,
    "after-boundary": _own(1) + 15,
    "second-boundary": _own(2),
    "end-window": 144000 - 18,
    "end": 144000 - 2,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("where", list(PAIRS))
def test_the_peak_in_blocks_is_the_whole_channels(media_dir, where):
    import av
    import numpy as np

    at = PAIRS[where]
    pair = f"0.7*(eq(n,{at})+eq(n,{at + 1}))"
    path = media_dir / f"bs1770-pair-{where}.wav"  # PCM: the samples where they were put
    tone = "0.05*sin(2*PI*440*t)"
    source = f"aevalsrc='{tone}+{pair}|{tone}-0.5*{pair}':s=48000:d=3"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", source, "-c:a", "pcm_f32le", path])
    with av.open(str(path)) as container:
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
        samples = samples.reshape(-1, 2).T  # packed float
    assert samples.shape == (2, 144000) and samples[0, at] == pytest.approx(0.7, abs=0.06)
    _, peak = measure_whole(path)
    expected = whole_channel_peak(samples)
    if where == "end":
        # The whole channel's floor came from the pair, which no window reaches (the unflushed
        # end): that search found no candidate and read silence. The blocks before the pair
        # take their floor from the tone and read it, as ffmpeg does.
        assert expected is None
    else:  # within the float32 rounding of the products (the reference is float64)
        assert peak == pytest.approx(expected, abs=1e-5)
    assert peak == pytest.approx(ffmpeg_loudness(path).true_peak_dbtp, abs=0.1)


@pytest.mark.timeout(60)
def test_the_peak_of_signals_cut_into_any_frames_is_the_whole_channels(signals):
    import av
    import numpy as np

    from repost.media.bs1770 import _TruePeak

    rng = np.random.default_rng(5)
    for name in ("pink", "inter-sample", "short", "silence"):
        with av.open(str(signals[name])) as container:
            samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
        long = np.concatenate([samples] * 3, axis=1)  # several blocks
        meter, at = _TruePeak(), 0
        while at < long.shape[1]:
            step = int(rng.integers(1, 9000))
            meter.add(long[:, at : at + step])
            at += step
        expected = whole_channel_peak(long)
        assert (meter.result() is None) == (expected is None)
        if expected is not None:
            assert meter.result() == pytest.approx(expected, abs=1e-5)


@pytest.mark.timeout(120)
def test_metering_holds_a_block_not_the_whole_sound(media_dir):
    import tracemalloc

    path = media_dir / "bs1770-minute.m4a"
    if not path.exists():
        source = "anoisesrc=c=pink:r=48000:d=60:a=0.5:s=11"
        run_ffmpeg(["-y", "-f", "lavfi", "-i", source, "-ac", "2", "-c:a", "aac", "-b:a", "64k", path])
    tracemalloc.start()
    try:
        lufs, peak = measure_whole(path)
        _, most = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A minute of 48 kHz stereo is 23 MB of float32 samples (keeping them all, concatenated,
    # took ~140 MB); a block of each channel and its search is ~2 MB whatever the length.
    assert most < 4_000_000, most
    assert lufs == pytest.approx(-13, abs=10) and peak is not None


@pytest.mark.timeout(120)
def test_past_its_sample_limit_the_meter_leaves_the_file_to_ffmpeg(signals, monkeypatch):
    import av

    from repost.media import bs1770

    with av.open(str(signals["pink"])) as container:
        decoded = sum(frame.samples for frame in container.decode(audio=0))  # a channel
    monkeypatch.setattr(bs1770, "MAX_SAMPLES", decoded - 1)
    assert measure_whole(signals["pink"]) is None
    theirs = ffmpeg_loudness(signals["pink"])
    ran = []
    real = measure.run_ffmpeg
    monkeypatch.setattr(measure, "run_ffmpeg", lambda args, **kw: ran.append(args) or real(args, **kw))
    assert measure_loudness(signals["pink"]) == theirs
    assert len(ran) == 1
    monkeypatch.setattr(bs1770, "MAX_SAMPLES", decoded)
    assert measure_whole(signals["pink"]) is not None


@pytest.mark.timeout(60)
def test_running_out_of_memory_leaves_the_file_to_ffmpeg(signals, monkeypatch):
    from repost.media import bs1770

    def no_memory(self, samples):
        raise MemoryError

    monkeypatch.setattr(bs1770._TruePeak, "add", no_memory)
    assert measure_whole(signals["pink"]) is None
    assert measure_loudness(signals["pink"]) == ffmpeg_loudness(signals["pink"])


@pytest.mark.timeout(120)
def test_a_copy_whose_meter_gives_up_is_made_and_measured_by_ffmpeg(clip_fits_all, tmp_path, monkeypatch):
    from repost.media import bs1770, files, loudness
    from repost.ops import Remux
    from repost.plan.step import Step

    monkeypatch.setattr(bs1770, "MAX_SAMPLES", 48000)  # the clip has 3.2 s
    meters = []  # the listener's meter after each packet
    feed = loudness._Listening.feed
    monkeypatch.setattr(loudness._Listening, "feed", lambda s, p: feed(s, p) or meters.append(s.meter))
    loudness.clear_loudness_cache()
    try:
        step = Step(clip_fits_all, "01.mp4", "video", Remux("h264", drop_edit_list=True), 3.2)
        files.make_file(step, tmp_path / "01.mp4")
        assert meters[0] is not None and meters[-1] is None  # metering stopped on the way ...
        assert (tmp_path / "01.mp4").stat().st_size > 0  # ... and the copy was made
        theirs = ffmpeg_loudness(clip_fits_all)
        ran = []
        real = measure.run_ffmpeg
        monkeypatch.setattr(measure, "run_ffmpeg", lambda args, **kw: ran.append(args) or real(args, **kw))
        assert loudness.measure_levels(clip_fits_all).source == theirs
        assert len(ran) == 1  # nothing was kept from the meter that gave up
    finally:
        loudness.clear_loudness_cache()
