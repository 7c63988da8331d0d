"""Clips for the watermark check: a text-and-shape mark that jumps corners (or stays put), and
clean clips with text of their own (testsrc2's timecode, burned-in subtitles)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from repost.media.ffmpeg import find_ffmpeg

SECONDS = 8
_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def _ffmpeg(*args) -> None:
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", *map(str, args)], check=True)


def mark_picture(folder: Path) -> Path:
    """A mark as the apps draw theirs: a rounded logo shape, a name and an @handle, in white.
    Drawn here (no platform's logo is shipped)."""
    im = Image.new("RGBA", (150, 50), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    white = (255, 255, 255, 230)
    draw.rounded_rectangle((2, 4, 40, 44), radius=8, outline=white, width=4)
    draw.ellipse((12, 14, 30, 32), outline=white, width=3)
    font = ImageFont.load_default(size=16)
    draw.text((48, 6), "ClipApp", font=font, fill=white)
    draw.text((48, 26), "@creator", font=font, fill=white)
    dest = folder / "mark.png"
    im.save(dest)
    return dest


def scenes(folder: Path) -> dict[str, list]:
    """Inputs of the base scenes: testsrc2 (its own moving text), and a camera panning over a
    photo (scikit-image's astronaut, scaled up)."""
    import skimage.data

    photo = folder / "scene.png"
    Image.fromarray(skimage.data.astronaut()).resize((1400, 1400)).save(photo)
    pan = ["-loop", "1", "-t", SECONDS, "-r", 25, "-i", photo]
    return {
        "testsrc2": ["-f", "lavfi", "-i", f"testsrc2=s=640x360:r=25:d={SECONDS}"],
        "pan": [*pan, "-vf", "crop=640:360:x='t*90':y='200+t*40'"],
    }


def clean_clip(folder: Path, scene: str) -> Path:
    src = scenes(folder)[scene]
    dest = folder / f"clean-{scene}.mp4"
    _ffmpeg(*src, *_X264, "-t", SECONDS, dest)
    return dest


def subtitled_clip(folder: Path, base: Path | None = None) -> Path:
    """The panning scene (``base``, made when not given) with subtitles burned in at the bottom,
    a new line every 1.6 s."""
    base = base or clean_clip(folder, "pan")
    font = ImageFont.load_default(size=22)
    args, chain, last = ["-i", base], [], "[0:v]"
    lines = [
        "So this is where we start",
        "the long walk up the hill",
        "and nobody told me",
        "how cold it gets",
        "up here at night",
    ]
    for i, text in enumerate(lines):
        im = Image.new("RGBA", (640, 40), (0, 0, 0, 0))
        ImageDraw.Draw(im).text(
            (320, 20), text, font=font, fill="white", anchor="mm", stroke_width=2, stroke_fill="black"
        )
        path = folder / f"sub{i}.png"
        im.save(path)
        args += ["-loop", "1", "-t", SECONDS, "-i", path]
        a, b = i * 1.6, (i + 1) * 1.6
        chain.append(f"{last}[{i + 1}:v]overlay=0:300:enable='between(t,{a},{b})'[o{i}]")
        last = f"[o{i}]"
    dest = folder / "clean-subtitles.mp4"
    _ffmpeg(*args, "-filter_complex", ";".join(chain), "-map", last, *_X264, "-t", SECONDS, dest)
    return dest


def marked_clip(folder: Path, scene: str, *, jump_at: float | None = SECONDS / 2) -> Path:
    """``scene`` with the mark in the top-left corner, moved to the bottom right at ``jump_at``
    (None: it stays put)."""
    src = scenes(folder)[scene]
    pre = src[-1] if src[-2] == "-vf" else None
    src = src[:-2] if pre else src
    mark = mark_picture(folder)
    x, y = (
        ("12", "12")
        if jump_at is None
        else (f"if(lt(t,{jump_at}),12,W-w-12)", f"if(lt(t,{jump_at}),12,H-h-40)")
    )
    base = f"[0:v]{pre}[b];[b]" if pre else "[0:v]"
    graph = f"[1:v]format=rgba[m];{base}[m]overlay=x='{x}':y='{y}':shortest=1[v]"
    dest = folder / f"marked-{scene}-{'still' if jump_at is None else f'jump{jump_at:g}'}.mp4"
    _ffmpeg(
        *src,
        "-loop",
        1,
        "-t",
        SECONDS,
        "-i",
        mark,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        *_X264,
        "-t",
        SECONDS,
        dest,
    )
    return dest


class WatermarkClips:
    """The clips above, each made once into ``folder`` on first use and then shared: tests read
    them, and copy one before changing it. ``SECONDS`` is every clip's length."""

    SECONDS = SECONDS

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[tuple, Path] = {}

    def _once(self, key: tuple, make: Callable[[], Path]) -> Path:
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def clean(self, scene: str) -> Path:
        """``scene`` ("testsrc2", with its own moving text, or "pan") without a mark."""
        return self._once(("clean", scene), lambda: clean_clip(self.folder, scene))

    def subtitled(self) -> Path:
        """The panning scene with subtitles burned in at the bottom."""
        return self._once(("subtitled",), lambda: subtitled_clip(self.folder, self.clean("pan")))

    def marked(self, scene: str, *, jump_at: float | None = SECONDS / 2) -> Path:
        """``scene`` with the mark top left, moved to the bottom right at ``jump_at`` (None: stays)."""
        return self._once(
            ("marked", scene, jump_at), lambda: marked_clip(self.folder, scene, jump_at=jump_at)
        )
