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

The peak is found as the frames arrive, BLOCK samples of each channel at a time with the
context each block needs carried over (the filter's window, the crests' reach): every position
is interpolated from the same samples as over the whole channel at once, and the memory stays
that of a block whatever the length of the sound (keeping the whole sound cost ~2.4 MB a second
of 48 kHz stereo, and a crafted file of tiny packets could claim GBs). The 6 dB candidate
floor is the loudest sample of the channel so far, never above the whole channel's: a block
interpolates at least the crests the whole channel would, and each value is a genuine sample
of the 4x-oversampled sound, so the figure can only equal the whole-channel search's or come
closer to ffmpeg's, which oversamples everything (a loud click in the last samples, which no
window reaches, once set a floor that left no candidate and read silence; blocks before it
read the rest as ffmpeg does). Whether crests are everywhere is decided per block, from the
block's own crests: a block whose crests are sparse is searched beside them, as a whole channel
whose crests are sparse is. Past MAX_SAMPLES the meter gives up (MeterGaveUp) and ffmpeg's
command line measures the file, as it does more than two channels.

tests/media/test_bs1770.py holds both figures to ffmpeg's command line (within 0.1 LU and
0.1 dB) on tones, noise, bursts with near-silent pauses, inter-sample peaks, 44.1 and 22.05 kHz,
mono, a clip shorter than a gating block and silence, and the blocks' peak to the search over
the whole channel (to 1e-5 dB) with peaks at block boundaries, the start and the end. A
stretch of a file, a filtered sound and more than two channels (channel weights, downmixes)
are left to ffmpeg (media/measure.py).
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
# Samples of each channel held and interpolated at a time (1.4 s at 48 kHz), the context carried
# to the next block included: the peak search's memory whatever the sound's length. A power of
# two: the FFT size of a block interpolated everywhere.
BLOCK = 1 << 16
# Samples a channel the meter takes before it gives up: four hours at 48 kHz, far past any post's
# sound. The memory no longer grows with the sound, but the decoding in this process does, and a
# file's packets decide it, not its declared duration: ~6-byte silent AAC packets of 1,024
# samples each reach this from ~4 MB. Past it ffmpeg's command line measures the file, as it
# does more than two channels.
MAX_SAMPLES = 4 * 3600 * 48_000
# Windows interpolated in one matrix product (540 KB of float32): OpenBLAS spreads a larger one
# over threads, which on a busy machine cost 3x the CPU for a block's 8,000 (measured).
_GATHERED = 4096
_METER = "framelog=quiet:metadata=1"  # ebur128 without its own true peak (computed here)
_INTEGRATED = "lavfi.r128.I"
NO_BLOCK_LUFS = -70.0  # what ffmpeg's meter reads when no 400 ms block passes its gate


def measure_whole(path: str | os.PathLike[str]) -> tuple[float, float | None] | None:
    """(integrated LUFS, true peak dBTP or None for silence) of the first audio stream, or None
    where ffmpeg's command line should measure it (no sound stream, more than two channels, a
    file PyAV cannot decode, or a meter that gave up: MeterGaveUp)."""
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
    except (av.FFmpegError, OSError, ValueError, KeyError, MemoryError):  # MeterGaveUp is a ValueError
        return None


class MeterGaveUp(ValueError):
    """The in-process meter stopped (more than MAX_SAMPLES, or out of memory): ffmpeg's command
    line should measure the file."""


class Meter:
    """The figures of one sound stream from its frames, or its packets as another pass reads
    them (media/remux.py copying the file): the integrated loudness by ffmpeg's ebur128 in a
    filter graph, the true peak a block at a time (_TruePeak)."""

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
        self.lufs, self.peak, self.samples = NO_BLOCK_LUFS, _TruePeak(), 0
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
        """A decoded frame of the stream. Raises MeterGaveUp past MAX_SAMPLES."""
        self.samples += frame.samples
        if self.samples > MAX_SAMPLES:
            raise MeterGaveUp(f"more than {MAX_SAMPLES} samples a channel")
        try:
            self.peak.add(_as_float(frame.to_ndarray(), frame.format, self.channels))
        except MemoryError as exc:  # a crafted frame: the callers' fallback, never a traceback
            raise MeterGaveUp("out of memory") from exc
        self.source.push(frame)
        self._drain()

    def result(self) -> tuple[float, float | None]:
        """(integrated LUFS, true peak dBTP or None for silence), the decoder and graph flushed."""
        if self.decoding:
            for frame in self.stream.codec_context.decode(None):
                self.take(frame)
        self.source.push(None)
        self._drain()
        try:
            return self.lufs, self.peak.result()
        except MemoryError as exc:
            raise MeterGaveUp("out of memory") from exc

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


class _TruePeak:
    """The true peak of a stream's samples given as they are decoded, interpolated BLOCK samples
    of each channel at a time. Blocks overlap by the filter's width, so that position k, which
    interpolates x[k - centre .. k - centre + width - 1], is evaluated with the same samples as
    over the whole channel; the samples before the first are the mirrored start."""

    def __init__(self) -> None:
        self.held: list = []  # (channels, n) floats not yet in a finished block, oldest first
        self.count = 0  # their samples a channel
        self.started = False  # the mirrored start put before the first sample
        self.loudest: list[float] = []  # each channel's loudest sample so far
        self.peak = 0.0

    def add(self, samples) -> None:
        self.held.append(samples)
        self.count += samples.shape[1]
        if self.count >= BLOCK:
            self._run(final=False)

    def result(self) -> float | None:
        """The largest magnitude oversampled four times, in dB (None: silence)."""
        if self.held:
            self._run(final=True)
        return 20 * math.log10(self.peak) if self.peak > 0 else None

    def _run(self, final: bool) -> None:
        """Every whole block of what is held (and the rest too when ``final``): the positions
        each needs no sample after, the end of the sound left unflushed as ffmpeg's meter does."""
        import numpy as np

        held = np.concatenate(self.held, axis=1)
        first = not self.started
        if first:
            held = np.concatenate([_mirrored_start(held), held], axis=1)
            self.started, self.loudest = True, [0.0] * held.shape[0]
        width = _interpolator()[0].shape[0]
        at = 0
        while held.shape[1] - at >= BLOCK:
            self._block(held[:, at : at + BLOCK], first, final=False)
            first, at = False, at + BLOCK - width
        if final:
            self._block(held[:, at:], first, final=True)
            self.held, self.count = [], 0
        else:
            rest = held[:, at:].copy()  # not a view: the block's samples are let go
            self.held, self.count = [rest], rest.shape[1]

    def _block(self, block, first: bool, final: bool) -> None:
        for channel, samples in enumerate(block):
            peak, self.loudest[channel] = _block_peak(samples, self.loudest[channel], first, final)
            self.peak = max(self.peak, peak)


def _mirrored_start(samples):
    """What libswresample puts before the first sample, as for ffmpeg's meter: x[-m] = x[m] for
    m = 1 .. centre + 1 (zeros where the sound is shorter), so x[0] is at centre + 1."""
    import numpy as np

    _, centre = _interpolator()
    mirror = samples[:, 1 : centre + 2][:, ::-1]
    zeros = np.zeros((samples.shape[0], centre + 1 - mirror.shape[1]), dtype=samples.dtype)
    return np.concatenate([zeros, mirror], axis=1)


def _block_peak(block, loudest: float, first: bool, final: bool) -> tuple[float, float]:
    """(the block's largest interpolated magnitude, the channel's loudest sample so far).

    ``block[p]`` is x[a - centre - 1 + p] for the block's first own sample x[a]: its own samples
    (those whose crests it finds) are block[centre + 1 ..], all but the last centre samples when
    another block follows; position a - 1 + q interpolates block[q .. q + width - 1]."""
    import numpy as np

    phases, centre = _interpolator()
    phases = phases.astype(block.dtype, copy=False)
    width = phases.shape[0]
    own = slice(centre + 1, block.size if final else block.size - centre)
    size = np.abs(block)
    if own.start >= size.size:
        return 0.0, loudest
    if first:  # the mirrored start neighbours no crest: the sound begins at x[0]
        size[: centre + 1] = 0
    if final:  # and ends at its last sample
        size = np.concatenate([size, np.zeros(CREST_REACH, dtype=size.dtype)])
    mine = size[own]
    loudest = max(loudest, float(mine.max()))
    floor = loudest * PEAK_CANDIDATE_RATIO
    last = block.size - width  # the last window within the block (for the final one, the unflushed end)
    lowest = 1 if first else 0  # no position before x[0]
    if floor == 0 or last < lowest:
        return 0.0, loudest
    crest = (mine >= floor) & (mine >= _neighbourhood_max(size, CREST_REACH)[own])
    crests = own.start + np.flatnonzero(crest)
    if 2 * crests.size > mine.size // DENSE_CRESTS:
        return _everywhere_peak(block, phases, lowest, last), loudest
    # A crest x[i] at block[s]: positions i - 1 and i, windows from q = s - centre - 1 and s - centre.
    qs = np.concatenate([crests - centre - 1, crests - centre])
    qs = qs[(qs >= lowest) & (qs <= last)]
    if not qs.size:
        return 0.0, loudest
    windows = np.lib.stride_tricks.sliding_window_view(block, width)
    peak = 0.0
    for at in range(0, qs.size, _GATHERED):
        peak = max(peak, float(np.abs(windows[qs[at : at + _GATHERED]] @ phases).max()))
    return peak, loudest


def _neighbourhood_max(values, reach: int):
    """Each value's largest neighbour within ``reach`` each side, itself included."""
    import numpy as np

    result = values.copy()
    for shift in range(1, reach + 1):
        np.maximum(result[shift:], values[:-shift], out=result[shift:])
        np.maximum(result[:-shift], values[shift:], out=result[:-shift])
    return result


def _everywhere_peak(block, phases, lowest: int, last: int) -> float:
    """The interpolation of windows ``lowest`` .. ``last`` of ``block``, by FFT convolution (a
    tone near Nyquist has crests everywhere)."""
    import numpy as np

    width = phases.shape[0]
    # A power of two at least the block's length: the outputs kept (from width - 1 on) are clear
    # of the circular convolution's wrap.
    size = 1 << (block.size - 1).bit_length()
    spectrum = np.fft.rfft(block, size)
    peak = 0.0
    for column in phases.T:
        # full[i] = sum over j of block[i - j] * column[width - 1 - j]: window q at i = q + width - 1.
        full = np.fft.irfft(spectrum * np.fft.rfft(column[::-1], size), size)
        peak = max(peak, float(np.abs(full[lowest + width - 1 : last + width]).max()))
    return peak
