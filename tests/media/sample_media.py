"""Sample media for the tests, written with ffmpeg (lavfi) and Pillow: ``make_video`` and
``make_image`` write one file each. Tests get them through conftest.py's ``media_factory`` and
``image_factory`` fixtures (made once per session) and its named clips, never by importing this."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from repost.media.ffmpeg import run_ffmpeg

# Per-encoder speed settings: test clips are tiny, so the fastest setting that still gives the
# feature under test. libx264 "superfast" rather than "ultrafast": ultrafast turns off CABAC and
# 8x8 transforms, so the stream comes out Constrained Baseline instead of High.
SPEED_ARGS: dict[str, tuple[str, ...]] = {
    "libx264": ("-preset", "superfast"),
    "libx265": ("-preset", "ultrafast", "-x265-params", "log-level=error"),
    "libvpx-vp9": ("-deadline", "realtime", "-cpu-used", "8"),
    "libvpx": ("-deadline", "realtime", "-cpu-used", "8"),
    "libaom-av1": ("-cpu-used", "8", "-row-mt", "1"),
}
_AUDIO_LAYOUTS = {"mono", "stereo", "5.1"}
# No edit list, with picture and sound still starting together (repost's own MP4 flags).
NO_EDIT_LIST = ("-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0")
_MOV_SUFFIXES = {".mp4", ".mov", ".m4v"}


def make_video(
    path: str | os.PathLike[str],
    *,
    size: str = "360x640",
    fps: float = 30,
    duration: float = 1.0,
    vcodec: str = "libx264",
    pix_fmt: str = "yuv420p",
    audio: str | None = "stereo",
    sample_rate: int = 44100,
    acodec: str = "aac",
    faststart: bool = True,
    rotation: int | None = None,
    extra_args: Sequence[str] = (),
) -> Path:
    """Write a test clip (testsrc2 picture, sine tone) to ``path``; the suffix picks the muxer.

    ``audio`` is a channel layout ("mono", "stereo", "5.1") or None for no audio. ``rotation``
    sets a display matrix (counter-clockwise degrees, as ffmpeg's -display_rotation) by
    remuxing. ``extra_args`` are output options placed just before the output path.
    """
    path = Path(path)
    args = ["-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={duration}"]
    if audio is not None:
        if audio not in _AUDIO_LAYOUTS:
            raise ValueError(f"audio must be one of {sorted(_AUDIO_LAYOUTS)} or None: {audio!r}")
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate={sample_rate}:duration={duration}",
        ]
        args += ["-af", f"aformat=channel_layouts={audio}", "-c:a", acodec, "-shortest"]
    args += ["-c:v", vcodec, *SPEED_ARGS.get(vcodec, ()), "-pix_fmt", pix_fmt]
    movflags = ["-movflags", "+faststart"] if faststart and path.suffix in _MOV_SUFFIXES else []
    target = path if rotation is None else path.with_name(f"unrotated-{path.name}")
    run_ffmpeg([*args, *(movflags if rotation is None else []), *extra_args, target])
    if rotation is not None:
        # -display_rotation is an input option (ffmpeg 7+): it sets the stream's display
        # matrix, which the mov muxer writes into tkhd; the pixels are untouched.
        run_ffmpeg(["-y", "-display_rotation", str(rotation), "-i", target, "-c", "copy",
                    *movflags, path])  # fmt: skip
        target.unlink()
    return path


def make_image(
    path: str | os.PathLike[str],
    *,
    size: tuple[int, int] = (600, 800),
    mode: str = "RGB",
    format: str | None = None,
    orientation: int | None = None,
    icc: bool = False,
    gps: bool = False,
    frames: int = 1,
) -> Path:
    """Write a test image with Pillow; ``format`` defaults to the suffix's.

    ``orientation`` writes an EXIF orientation tag, ``gps`` a GPS IFD, ``icc`` an embedded sRGB
    profile; ``frames`` > 1 makes an animation (GIF, WebP, PNG). ``size`` is as stored.
    """
    from PIL import Image, ImageCms

    path = Path(path)
    if format and format.upper() in {"HEIF", "HEIC"}:
        import pillow_heif

        pillow_heif.register_heif_opener()
    pictures = [_picture(mode, size, i) for i in range(frames)]
    options: dict[str, object] = {}
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)})
    if len(exif) or gps:
        options["exif"] = exif
    if icc:
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if frames > 1:
        options.update(save_all=True, append_images=pictures[1:], duration=100, loop=0)
    pictures[0].save(path, format=format, **options)
    return path


def _picture(mode: str, size: tuple[int, int], index: int) -> Any:
    # Drawn in RGB(A) and converted, so every mode gets a real palette or channel values and
    # animation frames differ (Pillow drops GIF frames identical to the one before).
    from PIL import Image, ImageDraw

    colours = [(40, 120, 200), (200, 60, 40), (60, 180, 90)]
    base = "RGBA" if mode in {"RGBA", "LA", "PA"} else "RGB"
    fill = colours[index % len(colours)] + ((128,) if base == "RGBA" else ())
    im = Image.new(base, size, fill)
    # A corner mark, so orientation mistakes are visible in the pixels.
    ImageDraw.Draw(im).rectangle((0, 0, size[0] // 4, size[1] // 8), fill=(255, 255, 0, 255))
    if mode in {"I", "I;16", "F", "1"}:
        return im.convert("L").convert(mode)  # Pillow has no direct RGB -> 16-bit path
    return im if mode == base else im.convert(mode)
