"""Integrated loudness and true peak of a whole file's sound (ITU-R BS.1770-4), measured in
process: what ffmpeg's ebur128 filter reports, without starting an ffmpeg for each source.

Why: a stream copy records its source's loudness in the manifest, one measurement a source. An
ffmpeg process measured ~70 ms of CPU for a 6 s 48 kHz stereo clip (its start ~20 ms, the rest
decoding and the meter's 4x oversampling for the true peak). Here:

- the sound is decoded by PyAV (the same libavcodec) and fed to ffmpeg's own ebur128 filter
  in a PyAV filter graph: K-weighting, gating and the integrated loudness are ffmpeg's code,
  read from the metadata the filter puts on its frames (LUFS to 0.001);
- the true peak is computed here (NumPy), because the filter's metadata gives it as a linear
  amplitude to three decimals (0.4 dB steps at -40 dBTP), and because ffmpeg's meter
  oversamples all of the sound, which is most of its cost. The interpolator is
  libswresample's default one, which ffmpeg's meter resamples with (Kaiser window, beta 9,
  32 taps a phase, passband to 0.97 of Nyquist), the start mirrored and the end unflushed as
  there; it is evaluated only beside the sound's crests (PEAK_CANDIDATE_RATIO), or everywhere
  when crests are everywhere.

tests/media/test_bs1770.py holds both figures to ffmpeg's command line (within 0.1 LU and
0.1 dB) on tones, noise, bursts with near-silent pauses, inter-sample peaks, 44.1 and 22.05 kHz,
mono, a clip shorter than a gating block and silence. A stretch of a file, a filtered sound and
more than two channels (channel weights, downmixes) are left to ffmpeg (media/measure.py).
NumPy only: SciPy's signal module alone takes ~1.5 s of CPU to import.
"""

from __future__ import annotations

import functools
import math
import os

from repost.media.ffmpeg import OPEN_OPTIONS, safe_path

MAX_CHANNELS = 2
OVERSAMPLE = 4
TAPS_PER_PHASE = 32
KAISER_BETA = 9.0
PASSBAND = 0.97  # of the input's Nyquist frequency
# Where the interpolation is evaluated: from the sample before each crest of the sound (a sample
# at least as loud as every one within CREST_REACH each side) to the one after, for crests within
# 6 dB of the loudest sample. A peak between samples stands beside a crest; one beside a crest
# 6 dB down would need 6 dB of overshoot between samples to pass the loudest, which no
# band-limited programme comes near (BS.1770-4 Annex 2 puts the under-read of 4x oversampling
# itself at 0.7 dB at most).
PEAK_CANDIDATE_RATIO = 10 ** (-6 / 20)
CREST_REACH = 2
DENSE_CRESTS = 8  # more than one position in this many to interpolate: interpolate everything
_METER = "framelog=quiet:metadata=1"  # ebur128 without its own true peak (computed here)
_INTEGRATED = "lavfi.r128.I"
NO_BLOCK_LUFS = -70.0  # what ffmpeg's meter reads when no 400 ms block passes its gate


def measure_whole(path: str | os.PathLike[str]) -> tuple[float, float | None] | None:
    """(integrated LUFS, true peak dBTP or None for silence) of the first audio stream, or None
    where ffmpeg's command line should measure it (no sound stream, more than two channels, or
    a file PyAV cannot decode)."""
    import av

    try:
        with av.open(safe_path(path), options=OPEN_OPTIONS, metadata_errors="ignore") as container:
            if not container.streams.audio:
                return None
            meter = Meter.of(container.streams.audio[0])
            if meter is None:
                return None
            for frame in container.decode(meter.stream):
                meter.take(frame)
            return meter.result()
    except (av.FFmpegError, OSError, ValueError, KeyError):
        return None


class Meter:
    """The figures of one sound stream from its frames, or its packets as another pass reads
    them (media/remux.py copying the file): the integrated loudness by ffmpeg's ebur128 in a
    filter graph, the samples kept for the true peak."""

    def __init__(self, stream) -> None:
        import av

        self.stream, self.channels = stream, stream.codec_context.channels
        self.graph = av.filter.Graph()
        self.source = self.graph.add_abuffer(template=stream)
        meter = self.graph.add("ebur128", _METER)
        self.sink = self.graph.add("abuffersink")
        self.source.link_to(meter)
        meter.link_to(self.sink)
        self.graph.configure()
        self.lufs, self.arrays, self.fmt = NO_BLOCK_LUFS, [], None
        self.decoding = False  # fed packets: the decoder is ours to flush

    @classmethod
    def of(cls, stream) -> Meter | None:
        """A meter for ``stream``, or None where ffmpeg's command line should measure it (more
        than two channels: channel weights and downmixes are its)."""
        channels = stream.codec_context.channels if stream.codec_context else 0
        return cls(stream) if 0 < channels <= MAX_CHANNELS else None

    def feed(self, packet) -> None:
        """A packet of the stream, in demuxing order, before anything rewrites its timestamps."""
        self.decoding = True
        for frame in self.stream.codec_context.decode(packet):
            self.take(frame)

    def take(self, frame) -> None:
        self.fmt = frame.format
        self.arrays.append(frame.to_ndarray())
        self.source.push(frame)
        self._drain()

    def result(self) -> tuple[float, float | None]:
        """(integrated LUFS, true peak dBTP or None for silence), the decoder and graph flushed."""
        import numpy as np

        if self.decoding:
            for frame in self.stream.codec_context.decode(None):
                self.take(frame)
        self.source.push(None)
        self._drain()
        if not self.arrays:
            return self.lufs, None
        samples = _as_float(np.concatenate(self.arrays, axis=1), self.fmt, self.channels)
        return self.lufs, true_peak_dbtp(samples)

    def _drain(self) -> None:
        import av

        while True:
            try:
                frame = self.sink.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            value = frame.metadata.get(_INTEGRATED)
            if value is not None:
                self.lufs = float(value)


def _as_float(array, fmt, channels: int):
    """Samples as floats, channels first, integer formats scaled to [-1, 1) as libswresample
    converts them. AAC decodes to 32-bit floats, kept as they are: the peak search in single
    precision is off by under 1e-6 dB and moves half the memory."""
    import numpy as np

    data = array if fmt.is_planar else array.reshape(-1, channels).T
    kind = fmt.name.rstrip("p")
    if kind in ("flt", "dbl"):
        return data
    if kind == "u8":
        return (data.astype(np.float64) - 128.0) / 128.0
    bits = {"s16": 15, "s32": 31, "s64": 63}[kind]
    return data.astype(np.float64) / float(1 << bits)


@functools.cache
def _interpolator():
    """The oversampling filter as (taps per phase x phases), contiguous so products with it run
    in BLAS: row j holds the taps meeting x[k - centre + j] for the outputs at k, k + 1/4,
    k + 1/2 and k + 3/4. A Kaiser-windowed sinc, its passband gain 1 in every phase."""
    import numpy as np

    count = TAPS_PER_PHASE * OVERSAMPLE + 1
    cutoff = PASSBAND / OVERSAMPLE  # of the oversampled Nyquist frequency
    taps = cutoff * np.sinc(cutoff * (np.arange(count) - (count - 1) / 2)) * np.kaiser(count, KAISER_BETA)
    taps *= OVERSAMPLE / taps.sum()
    taps = np.concatenate([taps, np.zeros(OVERSAMPLE - 1)])  # whole phases
    return np.ascontiguousarray(taps.reshape(-1, OVERSAMPLE)[::-1]), TAPS_PER_PHASE // 2


def true_peak_dbtp(samples) -> float | None:
    """The largest magnitude of ``samples`` oversampled four times, in dB (None: silence)."""
    if not samples.size:
        return None
    peak = max(_channel_peak(channel) for channel in samples)
    return 20 * math.log10(peak) if peak > 0 else None


def _channel_peak(channel) -> float:
    import numpy as np

    phases, centre = _interpolator()
    phases = phases.astype(channel.dtype, copy=False)
    size = np.abs(channel)
    floor = size.max() * PEAK_CANDIDATE_RATIO
    if floor == 0:
        return 0.0
    # As libswresample runs for ffmpeg's meter: the sound before the first sample mirrors the
    # first samples, and the outputs stop where the filter would need sound after the last
    # (the meter never flushes its resampler): positions k = 0 .. last.
    last = channel.size - centre - 1
    if last < 0:
        return 0.0
    mirror = channel[1 : centre + 2][::-1]
    zeros = (
        np.zeros(centre + 1 - mirror.size, dtype=channel.dtype),
        np.zeros(phases.shape[0], dtype=channel.dtype),
    )
    padded = np.concatenate([zeros[0], mirror, channel, zeros[1]])
    # padded[k + 1 + j] = x[k - centre + j]
    crests = np.flatnonzero((size >= floor) & (size >= _neighbourhood_max(size, CREST_REACH)))
    if 2 * crests.size > channel.size // DENSE_CRESTS:
        return _everywhere_peak(padded, phases, last)
    ks = np.concatenate([crests - 1, crests])
    ks = ks[(ks >= 0) & (ks <= last)]
    if not ks.size:
        return 0.0
    out = np.zeros((ks.size, phases.shape[1]), dtype=channel.dtype)
    for j, row in enumerate(phases):  # tap by tap: no window matrix to build
        out += padded[ks + 1 + j][:, None] * row
    return float(np.abs(out).max())


def _neighbourhood_max(values, reach: int):
    """Each value's largest neighbour within ``reach`` each side, itself included."""
    import numpy as np

    result = values.copy()
    for shift in range(1, reach + 1):
        np.maximum(result[shift:], values[:-shift], out=result[shift:])
        np.maximum(result[:-shift], values[shift:], out=result[:-shift])
    return result


def _everywhere_peak(padded, phases, last: int) -> float:
    """The interpolation at every position 0 .. last, by FFT convolution (a tone near Nyquist
    has crests everywhere)."""
    import numpy as np

    width = phases.shape[0]
    size = 1 << (padded.size + width - 1).bit_length()
    spectrum = np.fft.rfft(padded, size)
    peak = 0.0
    for column in phases.T:
        # full convolution index i = sum over j of padded[i - j] * column[width - 1 - j]; the
        # output for position k is at i = k + width (window padded[k + 1 .. k + width]).
        full = np.fft.irfft(spectrum * np.fft.rfft(column[::-1], size), size)
        peak = max(peak, float(np.abs(full[width : last + width + 1]).max()))
    return peak
