"""Loudness of sources and outputs, measured once per run: what planning and the manifest read."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

from repost.media.bs1770 import Meter
from repost.media.linking import original_of
from repost.media.measure import Loudness, loudness_of, measure_loudness
from repost.media.probe import probe_media
from repost.media.remembered import file_key, known, recall
from repost.media.render import FLOAT_AUDIO, downmix_filter
from repost.ops import Conform, Copy, Remux


@dataclass(frozen=True)
class Levels:
    """A stretch of a source's sound: as it is, and (for more than two channels) as repost's
    downmix to stereo leaves it before any gain."""

    source: Loudness
    mix: Loudness | None = None


_cache: dict[tuple, object] = {}
_lock = threading.Lock()


def _cached(key: tuple, measure):
    with _lock:
        if key in _cache:
            return _cache[key]
    value = measure()
    with _lock:
        return _cache.setdefault(key, value)


def clear_loudness_cache() -> None:
    with _lock:
        _cache.clear()


def _file_key(path: Path) -> tuple:
    return file_key(path)


def _levels_data(levels: Levels) -> dict:
    return {"source": levels.source.to_dict(), "mix": levels.mix.to_dict() if levels.mix else None}


def _levels_from(data: dict) -> Levels:
    mix = data["mix"]
    return Levels(Loudness.from_dict(data["source"]), Loudness.from_dict(mix) if mix is not None else None)


def _levels_key(path: Path, start_s: float = 0.0, duration_s: float | None = None) -> tuple:
    """The key of a stretch's levels, in this run's memory and in the store between runs."""
    return ("levels", *_file_key(path), start_s, duration_s)


def measure_levels(path, start_s: float = 0.0, duration_s: float | None = None) -> Levels:
    """The levels of the video ``path`` from ``start_s`` for ``duration_s`` (to the end when
    None), measured once per run for every platform and part that uses the same stretch."""
    path = Path(path)
    audio = probe_media(path).audio
    layout, channels = (audio.layout or "", audio.channels) if audio else ("", 0)

    def measure() -> Levels:
        source = measure_loudness(path, start_s=start_s, duration_s=duration_s)
        if channels <= 2:
            return Levels(source)
        mix = f"{FLOAT_AUDIO},{downmix_filter(layout)}"
        return Levels(source, measure_loudness(path, start_s=start_s, duration_s=duration_s, filters=mix))

    key = _levels_key(path, start_s, duration_s)
    # Kept between runs too (media/remembered.py): an up-to-date re-run plans the same gain
    # without decoding the source's sound again.
    return _cached(key, lambda: recall(key, measure, _levels_data, _levels_from))


def levels_on_the_way(path):
    """A ``listen`` for media/remux.py: the sound of ``path`` metered while a stream copy reads
    it, so that measure_levels of the whole file finds it measured (and remembered) instead of
    opening and decoding the file again. None where that is known already."""
    key = _levels_key(Path(path))  # the whole file's, as measure_levels keys it
    with _lock:
        if key in _cache:
            return None
    levels = known(key, _levels_from)  # measured by an earlier run (media/remembered.py)
    if levels is not None:
        with _lock:
            _cache.setdefault(key, levels)
        return None
    return functools.partial(_Listening.of, key)


class _Listening:
    """Meters a sound stream from the packets a stream copy reads; a packet it cannot decode, or
    a meter that gives up (media/bs1770.py: MeterGaveUp, a ValueError, past MAX_SAMPLES or out of
    memory), ends the metering (measure_levels then measures the file on its own), never the copy."""

    def __init__(self, key: tuple, meter: Meter) -> None:
        self.key, self.meter = key, meter

    @classmethod
    def of(cls, key: tuple, stream) -> _Listening | None:
        meter = Meter.of(stream)  # None for more than two channels: those get a downmix too
        return cls(key, meter) if meter is not None else None

    def feed(self, packet) -> None:
        import av

        if self.meter is None:
            return
        try:
            self.meter.feed(packet)
        except (av.FFmpegError, ValueError, MemoryError):
            self.meter = None

    def done(self) -> None:
        import av

        if self.meter is None:
            return
        try:
            levels = Levels(loudness_of(*self.meter.result()))
        except (av.FFmpegError, ValueError, MemoryError):
            return
        _cached(self.key, lambda: recall(self.key, lambda: levels, _levels_data, _levels_from))


def measure_requests(wanted: dict[tuple, tuple]) -> dict[tuple, Levels]:
    """Evidence.levels (plan/options.py) for the stretches plan.audio.level_requests names."""
    return {key: measure_levels(*stretch) for key, stretch in wanted.items()}


def loudness_record(step, made: Path, sha256: str) -> dict | None:
    """The manifest's ``loudness`` of a video file: {"source", "output"}, each
    {integrated_lufs, true_peak_dbtp} or None where that file has no sound; None for a video
    with sound in neither."""
    output = None
    source = _source_loudness(step)
    if probe_media(original_of(made)).audio is not None:  # a placed copy: its original's probe
        # Sound copied packet for packet measures as its source: no second decode of it.
        copied = source if source is not None and sound_copied(step) else None
        output = copied or _cached(("output", sha256), lambda: measure_loudness(made))
    if source is None and output is None:
        return None
    return {
        "source": source.to_dict() if source else None,
        "output": output.to_dict() if output else None,
    }


def sound_copied(step) -> bool:
    """The step's file carries its source's whole audio stream unchanged: a file copy, a remux
    (every stream copied, nothing cut), or a conform that copies the sound of the whole source:
    read from the operation, never from its ffmpeg arguments."""
    op = step.op
    if isinstance(op, Copy | Remux):
        return True
    if isinstance(op, Conform):  # its plan says whether the sound is copied, and from where
        r = op.rendition
        return r.audio.action == "copy" and not r.start_s and r.duration_s is None
    return False


def _source_loudness(step) -> Loudness | None:
    op = step.op
    if step.action == "slideshow":
        if op is None or op.audio is None:
            return None
        audio = Path(op.audio)  # a sound file (probe_media takes only pictures)
        key = ("sound", *_file_key(audio))
        sound = functools.partial(measure_loudness, audio)
        return _cached(key, lambda: recall(key, sound, Loudness.to_dict, Loudness.from_dict))
    if probe_media(step.source).audio is None:
        return None
    r = step.rendition
    start, duration = (r.start_s, r.duration_s) if r is not None else (0.0, None)
    return measure_levels(step.source, start, duration).source
