"""Integrated loudness and true peak of a whole file's sound (ITU-R BS.1770-4), measured in
process: what ffmpeg's ebur128 filter reports, without starting an ffmpeg for each source.

Why: a stream copy records its source's loudness in the manifest, one measurement a source. An
ffmpeg process measured ~70 ms of CPU for a 6 s 48 kHz stereo clip; this meter ~50 ms (the
process start is only ~20 ms of ffmpeg's: decoding and the 4x oversampling cost the rest in
either). The sound is decoded by PyAV (the same libavcodec) and metered with NumPy/SciPy:

- K-weighting: BS.1770's two biquads (the high shelf and the RLB high-pass), their coefficients
  derived for the file's own sample rate from the analog prototype, as ffmpeg's meter does;
- gating blocks of 400 ms every 100 ms (the first ending at 400 ms, a last partial step
  dropped), an absolute gate at -70 LUFS and a relative one 10 LU under the gated mean;
  no block over the gate reads -70 LUFS, as ffmpeg prints it;
- true peak: the sound oversampled four times by a windowed-sinc interpolator with
  libswresample's defaults (Kaiser, beta 9, 32 taps a phase, passband to 0.97 of Nyquist),
  which ffmpeg's meter resamples with, the start mirrored and the end unflushed as there.
  It is evaluated around each crest of the sound within 6 dB of its loudest sample (see
  PEAK_CANDIDATE_RATIO), or everywhere when crests are everywhere: on a tone the whole
  interpolation would cost more than ffmpeg's process.

tests/media/test_bs1770.py holds the figures to ffmpeg's (within 0.1 LU and 0.1 dB) on tones,
noise, bursts with near-silent pauses, inter-sample peaks, 44.1 and 22.05 kHz, mono, a clip
shorter than a block and silence. A stretch of a file, a filtered sound and more than two
channels (channel weights, downmixes) are left to ffmpeg (media/measure.py).
"""

from __future__ import annotations

import functools
import math
import os

from repost.media.ffmpeg import safe_path

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_STEPS = 4  # a gating block is four 100 ms steps
OVERSAMPLE = 4
TAPS_PER_PHASE = 32
KAISER_BETA = 9.0
PASSBAND = 0.97  # of the input's Nyquist frequency
MAX_CHANNELS = 2
# Where the interpolation is evaluated: from the sample before each crest of the sound (a sample
# at least as loud as every one within CREST_REACH each side) to the one after, for crests within
# 6 dB of the loudest sample. A peak between samples stands beside a crest; one beside a crest
# 6 dB down would need 6 dB of overshoot between samples to
# pass the loudest, which no band-limited programme comes near (BS.1770-4 Annex 2 puts the
# under-read of 4x oversampling itself at 0.7 dB at most).
PEAK_CANDIDATE_RATIO = 10 ** (-6 / 20)
CREST_REACH = 2  # samples: a crest is the loudest this far each side
DENSE_CRESTS = 8  # more than one position in this many to interpolate: interpolate everything

# BS.1770-4's K-weighting as analog prototypes (frequency Hz, gain dB, Q), bilinear-transformed
# for the sample rate at hand: the shelving pre-filter and the revised low-frequency B curve.
_SHELF = (1681.974450955533, 3.999843853973347, 0.7071752369554196)
_SHELF_VB_EXPONENT = 0.4996667741545416
_HIGHPASS = (38.13547087602444, 0.5003270373238773)


def measure_whole(path: str | os.PathLike[str]):
    """(integrated LUFS, true peak dBTP or None for silence) of the first audio stream, or None
    where ffmpeg's meter should measure it (no sound stream, more than two channels, or a
    file PyAV cannot decode)."""
    import av

    try:
        with av.open(safe_path(path), options={"threads": "1"}, metadata_errors="ignore") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels
            if not 0 < channels <= MAX_CHANNELS:
                return None
            samples, rate = _decode(container, stream, channels)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if rate <= 0:
        return None
    return integrated_lufs(samples, rate), true_peak_dbtp(samples, rate)


def _decode(container, stream, channels: int):
    import numpy as np

    arrays, fmt = [], None
    rate = stream.codec_context.sample_rate
    for frame in container.decode(stream):
        rate, fmt = frame.sample_rate, frame.format
        arrays.append(frame.to_ndarray())
    if not arrays:
        return np.zeros((channels, 0)), rate
    return _as_float(np.concatenate(arrays, axis=1), fmt, channels), rate


def _as_float(array, fmt, channels: int):
    """Samples as float64, channels first, integer formats scaled to [-1, 1) as libswresample
    converts them."""
    import numpy as np

    data = array if fmt.is_planar else array.reshape(-1, channels).T
    kind = fmt.name.rstrip("p")
    if kind in ("flt", "dbl"):
        return data.astype(np.float64)
    if kind == "u8":
        return (data.astype(np.float64) - 128.0) / 128.0
    bits = {"s16": 15, "s32": 31, "s64": 63}[kind]
    return data.astype(np.float64) / float(1 << bits)


@functools.cache
def _k_weighting(rate: int):
    """The two K-weighting biquads for ``rate`` as second-order sections."""
    import numpy as np

    f0, gain_db, q = _SHELF
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**_SHELF_VB_EXPONENT
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf += [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = _HIGHPASS
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def integrated_lufs(samples, rate: int) -> float:
    """BS.1770-4 gated loudness of ``samples`` (channels x frames, each channel weighted 1)."""
    import numpy as np
    from scipy.signal import sosfilt

    step = rate // 10
    block = BLOCK_STEPS * step
    if samples.shape[1] < block:
        return ABSOLUTE_GATE_LUFS
    weighted = sosfilt(_k_weighting(rate), samples, axis=1)
    energy = np.concatenate([[0.0], np.cumsum(np.sum(weighted * weighted, axis=0))])
    ends = np.arange(block, samples.shape[1] + 1, step)
    powers = (energy[ends] - energy[ends - block]) / block
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(powers)
    kept = powers[loudness >= ABSOLUTE_GATE_LUFS]
    if not kept.size:
        return ABSOLUTE_GATE_LUFS
    threshold = -0.691 + 10 * math.log10(kept.mean()) + RELATIVE_GATE_LU
    gated = powers[(loudness >= ABSOLUTE_GATE_LUFS) & (loudness >= threshold)]
    return -0.691 + 10 * math.log10(gated.mean())


@functools.cache
def _interpolator():
    """The oversampling filter as (taps per phase x phases): column p gives the outputs
    p/OVERSAMPLE of a sample after each input sample."""
    import numpy as np
    from scipy.signal import firwin

    taps = (
        firwin(TAPS_PER_PHASE * OVERSAMPLE + 1, PASSBAND / OVERSAMPLE, window=("kaiser", KAISER_BETA))
        * OVERSAMPLE
    )
    taps = np.concatenate([taps, np.zeros(OVERSAMPLE - 1)])  # whole phases
    # Row j: the taps meeting x[k + j - centre]; contiguous, so products with it run in BLAS.
    phases = np.ascontiguousarray(taps.reshape(-1, OVERSAMPLE)[::-1])
    return phases, TAPS_PER_PHASE // 2


def true_peak_dbtp(samples, rate: int) -> float | None:
    """The largest magnitude of ``samples`` oversampled four times, in dB (None: silence)."""
    if not samples.size:
        return None
    peak = max(_channel_peak(channel) for channel in samples)
    return 20 * math.log10(peak) if peak > 0 else None


def _channel_peak(channel) -> float:
    import numpy as np
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import oaconvolve

    phases, centre = _interpolator()
    size = np.abs(channel)
    floor = size.max() * PEAK_CANDIDATE_RATIO
    if floor == 0:
        return 0.0
    # As libswresample runs for ffmpeg's meter: the sound before the first sample mirrors the
    # first samples, and the outputs stop where the filter would need sound after the last
    # (the meter never flushes its resampler): positions k = 0 .. last.
    last = channel.size - centre - 1
    mirror = channel[1 : centre + 2][::-1]
    padded = np.concatenate([np.zeros(centre + 1 - mirror.size), mirror, channel, np.zeros(phases.shape[0])])
    # Row j of the phases meets padded[k + 1 + j] = x[k - centre + j] for the outputs at k,
    # k + 1/4, k + 1/2 and k + 3/4.
    crests = np.flatnonzero((size >= floor) & (size >= maximum_filter1d(size, 2 * CREST_REACH + 1)))
    if 2 * crests.size > channel.size // DENSE_CRESTS:
        # Crests everywhere (a tone near Nyquist): interpolating all of it costs less.
        every = oaconvolve(padded[None, :], np.ascontiguousarray(phases[::-1].T), mode="valid", axes=1)
        return float(np.abs(every[:, 1 : last + 2]).max()) if last >= 0 else 0.0
    # A peak between samples lies within a sample of its crest: the outputs from the sample
    # before the crest to the one after, summed tap by tap (no window matrix to build).
    ks = np.concatenate([crests - 1, crests])
    ks = ks[(ks >= 0) & (ks <= last)]
    if not ks.size:
        return 0.0
    out = np.zeros((ks.size, phases.shape[1]))
    for j, row in enumerate(phases):
        out += padded[ks + 1 + j][:, None] * row
    return float(np.abs(out).max())
