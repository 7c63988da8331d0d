"""Measurements of what a file sounds like (ITU-R BS.1770 loudness), read back from ffmpeg."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from repost.errors import MediaError
from repost.media.bs1770 import measure_whole
from repost.media.ffmpeg import run_ffmpeg, safe_path
from repost.media.remembered import checked_number

# Levels a measurement can give, LUFS or dBTP: BS.1770's gate stops integrated loudness at -70
# and a float source's true peak may pass 0 dBTP by tens of dB, never by hundreds.
LEVEL_RANGE = (-200.0, 100.0)

# ebur128 prints its summary at the "info" level, after the run; the later -loglevel wins over
# run_ffmpeg's "error", and -nostats keeps the progress line out of the text we parse.
_INFO = ("-loglevel", "info", "-nostats")
_INTEGRATED = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
_TRUE_PEAK = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS, BS.1770 gated) and true peak (dBTP) of one audio stream.

    Silence measures as -inf LUFS / -inf dBTP (None here), which no tolerance can compare.
    """

    integrated_lufs: float | None
    true_peak_dbtp: float | None

    def to_dict(self) -> dict:
        return {"integrated_lufs": self.integrated_lufs, "true_peak_dbtp": self.true_peak_dbtp}

    @classmethod
    def from_dict(cls, data: dict) -> Loudness:
        """to_dict's data read back from a store, checked (ValueError or TypeError): each value
        None (silence) or a finite level within what a measurement can give; a planted -1e300
        would otherwise become the gain of every encode of the file."""
        if not isinstance(data, dict) or set(data) != {"integrated_lufs", "true_peak_dbtp"}:
            raise ValueError("not a loudness record")
        lufs, peak = data["integrated_lufs"], data["true_peak_dbtp"]
        return cls(*(None if v is None else checked_number(v, *LEVEL_RANGE) for v in (lufs, peak)))


def measure_loudness(
    path: str | os.PathLike[str],
    *,
    start_s: float | None = None,
    duration_s: float | None = None,
    filters: str | None = None,
) -> Loudness:
    """The loudness of the first audio stream of ``path`` (optionally of a stretch of it, and
    as the audio ``filters`` given, a downmix say, would leave it).

    A whole file's mono or stereo sound is metered in process (media/bs1770.py, the figures of
    ffmpeg's ebur128 within 0.1); a stretch, a filtered sound, more channels and anything PyAV
    cannot decode go to ffmpeg. Raises MediaError when ffmpeg cannot read it or the file has no
    audio.
    """
    if not start_s and duration_s is None and not filters:
        measured = measure_whole(path)
        if measured is not None:
            return loudness_of(*measured)
    return ffmpeg_loudness(path, start_s=start_s, duration_s=duration_s, filters=filters)


def loudness_of(lufs: float, peak: float | None) -> Loudness:
    """The in-process meter's figures (media/bs1770.py) as ffmpeg prints them: to 0.1."""
    return Loudness(round(lufs, 1), None if peak is None else round(peak, 1))


def ffmpeg_loudness(
    path: str | os.PathLike[str],
    *,
    start_s: float | None = None,
    duration_s: float | None = None,
    filters: str | None = None,
) -> Loudness:
    """measure_loudness by ffmpeg's ebur128 filter, always."""
    args: list[str] = [*_INFO]
    if start_s:
        args += ["-ss", f"{start_s:.3f}"]
    if duration_s is not None:
        args += ["-t", f"{duration_s:.3f}"]
    args += ["-i", safe_path(path), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    meter = "ebur128=peak=true:framelog=quiet"
    args += ["-af", f"{filters},{meter}" if filters else meter, "-f", "null", "-"]
    proc = run_ffmpeg(args, where=os.fspath(path))
    return parse_loudness(proc.stderr, where=os.fspath(path))


def parse_loudness(text: str, *, where: object = None) -> Loudness:
    """The summary block of ffmpeg's ebur128 filter, as numbers."""
    integrated = _INTEGRATED.search(text)
    peak = _TRUE_PEAK.search(text)
    if integrated is None or peak is None:
        raise MediaError("could not measure loudness (no ebur128 summary from ffmpeg)", where=where)
    return Loudness(_number(integrated.group(1)), _number(peak.group(1)))


def _number(text: str) -> float | None:
    return None if text == "-inf" else round(float(text), 1)
