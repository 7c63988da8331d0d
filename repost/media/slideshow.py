"""Making a slideshow video from photos with moviepy: crossfades, optional gentle zoom, audio."""

from __future__ import annotations

from pathlib import Path

from repost.errors import MediaError
from repost.media.ffmpeg import find_ffmpeg, hint_for
from repost.media.images import open_photo, render_photo
from repost.media.mp4 import MP4_NO_EDIT_LIST
from repost.media.render import x264_settings

_AUDIO_FADE_S = 1.0
_HINT = "the slideshow is written by moviepy with repost's ffmpeg (REPOST_FFMPEG, PATH, imageio-ffmpeg)"


def make_slideshow(step, dest: Path, *, threads: int | None = None, progress=None) -> None:
    """Carry out a ``slideshow`` step (a SlideshowOp): write ``dest`` as H.264/AAC MP4 with
    moviepy, with every encode's x264 settings; ``progress`` (a plain callable, as for the
    other encodes) gets the fraction of frames written."""
    op = step.op
    pictures = [_render(src, photo) for src, photo in zip(op.sources, op.photos, strict=True)]
    VideoClip = _moviepy().VideoClip
    clip = VideoClip(frame_function=lambda t: _frame_at(t, pictures, op), duration=op.duration_s)
    audio = _audio(op) if op.audio else None
    if audio is not None:
        clip = clip.with_audio(audio)
    # The codec and preset are moviepy's own arguments; every encode's other settings follow
    # them. MP4 without edit lists, picture and sound starting together: see MP4_NO_EDIT_LIST
    # (moviepy's x264 writes B-frames too).
    x264 = x264_settings(op)
    # moviepy starts its own ffmpeg (not through run_ffmpeg, so not tied to repost by
    # PR_SET_PDEATHSIG); it reads the frames from a pipe, so if repost dies it meets the end of
    # its input and stops (~1 s, tests/media/test_ffmpeg_hygiene.py).
    try:
        clip.write_videofile(
            str(dest), fps=op.fps, codec="libx264", preset=op.preset, audio=audio is not None,
            audio_fps=op.audio_rate_hz, audio_codec="aac", audio_bitrate=f"{op.audio_bitrate_bps // 1000}k",
            audio_nbytes=2, temp_audiofile_path=str(dest.parent), ffmpeg_params=[*x264, *MP4_NO_EDIT_LIST],
            pixel_format="yuv420p", threads=threads, logger=_progress_logger(progress),
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise _failure("cannot write the slideshow", exc, step.source) from exc
    finally:
        clip.close()
        if audio is not None:
            audio.close()


def describe_slideshow(op) -> str:
    """What a slideshow step will make, in words (``--dry-run``: it runs no command of its own)."""
    w, h = op.size
    cap = f", capped at {op.maxrate_bps / 1e6:.2f} Mbps" if op.maxrate_bps else ""
    zoom = f", zoom {op.zoom:.0%}" if op.zoom else ""
    sound = f"AAC {op.audio_bitrate_bps // 1000} kbps from {op.audio.name}" if op.audio else "no sound"
    return (
        f"slideshow of {len(op.photos)} photo(s) with moviepy: {w}x{h} H.264 High, CRF {op.crf}"
        f" {op.preset}{cap}, {op.fps:g} fps, {op.duration_s:.1f} s ({op.seconds:g} s each,"
        f" {op.crossfade_s:g} s crossfades{zoom}), {sound}"
    )


def _moviepy():
    """moviepy, imported when a slideshow is made (never at repost's import), and pointed at
    the ffmpeg repost runs without touching the environment.

    moviepy reads FFMPEG_BINARY from the environment once, at import, into each of its ffmpeg
    modules; setting those names afterwards makes it run repost's binary (REPOST_FFMPEG, PATH,
    then imageio-ffmpeg), so a FFMPEG_BINARY the user set for other tools no longer wins.
    """
    try:
        import moviepy
        from moviepy import config
        from moviepy.audio.io import ffmpeg_audiowriter, readers
        from moviepy.video.io import ffmpeg_reader, ffmpeg_writer
    except (ImportError, OSError) as exc:  # moviepy's config tries FFMPEG_BINARY when imported
        raise MediaError(
            f"cannot load moviepy, which makes slideshows: {_last_line(exc)}",
            hint="reinstall repost, or unset FFMPEG_BINARY if it names a missing program",
        ) from exc
    binary = find_ffmpeg()
    for module in (config, ffmpeg_writer, ffmpeg_reader, readers, ffmpeg_audiowriter):
        module.FFMPEG_BINARY = binary
    return moviepy


def _progress_logger(progress):
    """A proglog logger (moviepy's progress interface) passing the fraction of frames written
    to ``progress``; None (silent) without one."""
    if progress is None:
        return None
    import proglog

    class _Frames(proglog.ProgressBarLogger):
        def bars_callback(self, bar, attr, value, _old_value=None):
            total = self.bars[bar].get("total")
            if bar == "frame_index" and attr == "index" and total:
                progress(min(1.0, (value + 1) / total))

    return _Frames()


def _failure(what: str, exc: BaseException, where) -> MediaError:
    detail = str(exc)
    return MediaError(f"{what}: {_last_line(exc)}", where=where, hint=f"{hint_for(detail)}; {_HINT}")


def _render(source: Path, photo_op):
    import numpy as np

    return np.asarray(render_photo(open_photo(source, photo_op.scale).image, photo_op).convert("RGB"))


def _frame_at(t: float, pictures, op):
    """The frame at ``t``: the photo on screen, blended into the next during a crossfade."""
    import numpy as np

    stride = op.seconds - op.crossfade_s  # a photo starts this long after the one before
    k = min(int(t // stride), len(pictures) - 1) if stride > 0 else 0
    current = _zoomed(pictures[k], t - k * stride, op)
    into = t - k * stride
    if k == 0 or into >= op.crossfade_s:
        return current
    before = _zoomed(pictures[k - 1], t - (k - 1) * stride, op)
    alpha = into / op.crossfade_s
    mixed = before.astype(np.float32) * (1 - alpha) + current.astype(np.float32) * alpha
    return mixed.astype(np.uint8)


def _zoomed(picture, u: float, op):
    """Gentle zoom: the centre grows by ``op.zoom`` over the photo's time on screen."""
    if not op.zoom:
        return picture
    import numpy as np
    from PIL import Image

    z = 1 + op.zoom * min(max(u / op.seconds, 0.0), 1.0)
    h, w = picture.shape[:2]
    cw, ch = w / z, h / z
    box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    return np.asarray(Image.fromarray(picture).resize((w, h), Image.Resampling.BILINEAR, box=box))


def _audio(op):
    """The post's audio, looped or cut to the video's length, faded out at the end."""
    from moviepy import AudioFileClip
    from moviepy.audio import fx as afx

    try:
        audio = AudioFileClip(str(op.audio), fps=op.audio_rate_hz, nbytes=2)
    except (OSError, KeyError, ValueError) as exc:
        raise _failure("cannot read the audio", exc, op.audio) from exc
    if audio.duration < op.duration_s:
        audio = audio.with_effects([afx.AudioLoop(duration=op.duration_s)])
    else:
        audio = audio.subclipped(0, op.duration_s)
    return audio.with_effects([afx.AudioFadeOut(min(_AUDIO_FADE_S, op.duration_s / 4))])


def _last_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
