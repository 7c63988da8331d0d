"""Making a slideshow video from photos with moviepy: crossfades, optional gentle zoom, audio."""

from __future__ import annotations

import os
from pathlib import Path

from repost.errors import MediaError
from repost.media.commands import MP4_NO_EDIT_LIST
from repost.media.images import open_photo, render_photo

# x264 and MP4 settings every platform here takes (Instagram I1, YouTube Y3, X X1 in profiles/SOURCES.md):
# High profile, moov atom first, no edit lists, picture and sound starting together (see
# MP4_NO_EDIT_LIST: moviepy's x264 writes B-frames too).
_X264_PARAMS = ("-profile:v", "high", "-crf", "20", *MP4_NO_EDIT_LIST)
_AUDIO_FADE_S = 1.0


def make_slideshow(step, dest: Path) -> None:
    """Carry out a ``slideshow`` step: write ``dest`` as H.264/AAC MP4 with moviepy."""
    op = step.op
    pictures = [_render(src, photo) for src, photo in zip(op.sources, op.photos, strict=True)]
    _use_our_ffmpeg()
    from moviepy import VideoClip

    clip = VideoClip(frame_function=lambda t: _frame_at(t, pictures, op), duration=op.duration_s)
    audio = _audio(op) if op.audio else None
    if audio is not None:
        clip = clip.with_audio(audio)
    # moviepy starts its own ffmpeg (not through run_ffmpeg, so not tied to repost by
    # PR_SET_PDEATHSIG); it reads the frames from a pipe, so if repost dies it meets the end of
    # its input and stops (~1 s, tests/media/test_ffmpeg_hygiene.py).
    try:
        clip.write_videofile(
            str(dest), fps=op.fps, codec="libx264", preset=op.preset, audio=audio is not None,
            audio_fps=op.audio_rate_hz, audio_codec="aac", audio_bitrate="128k", audio_nbytes=2,
            temp_audiofile_path=str(dest.parent), ffmpeg_params=list(_X264_PARAMS),
            pixel_format="yuv420p", logger=None,
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot write the slideshow: {_last_line(exc)}", where=step.source) from exc
    finally:
        clip.close()
        if audio is not None:
            audio.close()


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
    """Gentle zoom: the centre grows by ``PAN_ZOOM`` over the photo's time on screen."""
    if not op.pan_zoom:
        return picture
    import numpy as np
    from PIL import Image

    from repost.plan.slideshow import PAN_ZOOM

    z = 1 + PAN_ZOOM * min(max(u / op.seconds, 0.0), 1.0)
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
        raise MediaError(f"cannot read the audio: {_last_line(exc)}", where=op.audio) from exc
    if audio.duration < op.duration_s:
        audio = audio.with_effects([afx.AudioLoop(duration=op.duration_s)])
    else:
        audio = audio.subclipped(0, op.duration_s)
    return audio.with_effects([afx.AudioFadeOut(min(_AUDIO_FADE_S, op.duration_s / 4))])


def _use_our_ffmpeg() -> None:
    # moviepy reads FFMPEG_BINARY once, when first imported: point it at the ffmpeg repost uses
    # (REPOST_FFMPEG, PATH, then imageio-ffmpeg), so both run the same binary.
    from repost.media.ffmpeg import find_ffmpeg

    os.environ.setdefault("FFMPEG_BINARY", str(find_ffmpeg()))


def _last_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
