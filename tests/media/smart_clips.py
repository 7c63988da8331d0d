"""Moving-subject clips for smart reframe, built from a real face photo, with where each face is.

The photo is scikit-image's astronaut.png (Eileen Collins, NASA, public domain), which the
scikit-image wheel carries: the test extra installs it. Each clip is a 16:9 640x360 scene in
which the head is moved with ffmpeg overlay expressions; ``face_boxes(t)`` gives the true face
boxes at time ``t``, from the overlay positions and the face's box in the head picture.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repost.media.ffmpeg import find_ffmpeg

WIDTH, HEIGHT, FPS = 640, 360, 25
# The head and shoulders of astronaut.png (512x512), and the face box inside it, measured once
# by eye and checked by both detectors (YuNet 178,63,90,113; Haar 177,66,95,95 in the photo).
HEAD_BOX = (150, 30, 300, 230)  # left, top, right, bottom in the photo
FACE_IN_PHOTO = (178, 63, 90, 113)
HEAD_HEIGHT = 150  # px in the clip
# Scenes: dark and bright backgrounds, so the cut between them is a real change of picture.
DARK, BRIGHT = "0x203040", "0xc8b898"


@dataclass(frozen=True)
class Clip:
    path: Path
    duration_s: float
    cuts: tuple[float, ...]
    face_boxes: Callable[[float], list[tuple[float, float, float, float]]]

    def inside_share(self, window_at: Callable[[float], float], crop_w: float, step: float = 0.25) -> float:
        """The share of sampled times at which every face box lies inside the crop window
        [x, x + crop_w] (a pixel of slack for rounding)."""
        times = [i * step for i in range(int(self.duration_s / step))]
        inside = 0
        for t in times:
            x = window_at(t)
            inside += all(bx >= x - 1 and bx + bw <= x + crop_w + 1 for bx, _, bw, _ in self.face_boxes(t))
        return inside / len(times)


def head_picture(folder: Path) -> tuple[Path, tuple[float, float, float, float]]:
    """The head PNG and the face box in it (x, y, w, h) at clip scale."""
    import skimage.data
    from PIL import Image

    photo = Image.fromarray(skimage.data.astronaut())
    head = photo.crop(HEAD_BOX)
    k = HEAD_HEIGHT / head.height
    head = head.resize((round(head.width * k), HEAD_HEIGHT))
    dest = folder / "head.png"
    head.save(dest)
    fx, fy, fw, fh = FACE_IN_PHOTO
    return dest, ((fx - HEAD_BOX[0]) * k, (fy - HEAD_BOX[1]) * k, fw * k, fh * k)


def _scene(bg: str, seconds: float, heads: list[tuple[str, str]]) -> tuple[list[str], str]:
    """Inputs and filter for one shot: a background with heads overlaid at (x expr, y expr)."""
    inputs = ["-f", "lavfi", "-i", f"color=c={bg}:s={WIDTH}x{HEIGHT}:r={FPS}:d={seconds}"]
    return inputs, ";".join(f"{x}|{y}" for x, y in heads)


def _make(folder: Path, name: str, shots: list[tuple[str, float, list[tuple[str, str]]]]) -> Path:
    """Render shots [(background, seconds, [(x expr, y expr) per head])] joined by cuts."""
    head, _ = head_picture(folder)
    args = [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"]
    graph, n_in = [], 0
    for i, (bg, seconds, heads) in enumerate(shots):
        args += ["-f", "lavfi", "-i", f"color=c={bg}:s={WIDTH}x{HEIGHT}:r={FPS}:d={seconds}"]
        base = n_in
        n_in += 1
        last = f"[{base}:v]"
        for j, (x, y) in enumerate(heads):
            args += ["-loop", "1", "-t", str(seconds), "-i", str(head)]
            label = f"[s{i}h{j}]"
            # Texture (temporal noise) so the scene is not a flat colour an encoder erases.
            graph.append(f"{last}[{n_in}:v]overlay=x='{x}':y='{y}':shortest=1{label}")
            last, n_in = label, n_in + 1
        graph.append(f"{last}noise=alls=8:allf=t,format=yuv420p[c{i}]")
    joined = "".join(f"[c{i}]" for i in range(len(shots)))
    graph.append(f"{joined}concat=n={len(shots)}:v=1:a=0[v]")
    dest = folder / name
    args += ["-filter_complex", ";".join(graph), "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-crf", "23", "-r", str(FPS), str(dest)]
    subprocess.run(args, check=True)
    return dest


def _boxes(face, heads_at) -> Callable[[float], list]:
    fx, fy, fw, fh = face
    return lambda t: [(x + fx, y + fy, fw, fh) for x, y in heads_at(t)]


def walking_clip(folder: Path, seconds: float = 6.0) -> Clip:
    """One person walking across the frame, left to right."""
    _, face = head_picture(folder)
    span = WIDTH - 120 - 20
    path = _make(folder, "walk.mp4", [(DARK, seconds, [(f"20+{span}*t/{seconds}", "100")])])
    return Clip(path, seconds, (), _boxes(face, lambda t: [(20 + span * t / seconds, 100)]))


def cut_clip(folder: Path, seconds: float = 6.0) -> Clip:
    """A walk to the right, a cut to another scene, a walk back to the left from the far right."""
    _, face = head_picture(folder)
    half = seconds / 2
    a = (f"20+200*t/{half}", "100")
    b = (f"480-200*t/{half}", "60")
    path = _make(folder, "cut.mp4", [(DARK, half, [a]), (BRIGHT, half, [b])])

    def heads(t):
        return [(20 + 200 * t / half, 100)] if t < half else [(480 - 200 * (t - half) / half, 60)]

    return Clip(path, seconds, (half,), _boxes(face, heads))


def two_faces_clip(folder: Path, seconds: float = 6.0) -> Clip:
    """Two people side by side, walking left to right together."""
    _, face = head_picture(folder)
    gap = 95
    span = WIDTH - 120 - gap - 20
    heads = [(f"10+{span}*t/{seconds}", "110"), (f"10+{gap}+{span}*t/{seconds}", "90")]
    path = _make(folder, "two.mp4", [(DARK, seconds, heads)])

    def at(t):
        x = 10 + span * t / seconds
        return [(x, 110), (x + gap, 90)]

    return Clip(path, seconds, (), _boxes(face, at))


class SmartClips:
    """The clips above, each made once into ``folder`` on first use and then shared: tests read
    them, and copy one before changing it. The scene's size and backgrounds are attributes."""

    WIDTH, HEIGHT, FPS, DARK, BRIGHT = WIDTH, HEIGHT, FPS, DARK, BRIGHT

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[tuple, object] = {}

    def _once(self, key: tuple, make: Callable[[], object]) -> Any:
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def head(self) -> tuple[Path, tuple[float, float, float, float]]:
        """The head PNG and the face box in it (x, y, w, h) at clip scale."""
        return self._once(("head",), lambda: head_picture(self.folder))

    def walking(self) -> Clip:
        """One person walking across the frame, left to right (6 s)."""
        return self._once(("walk",), lambda: walking_clip(self.folder))

    def cut(self) -> Clip:
        """A walk to the right, a cut, a walk back to the left (6 s)."""
        return self._once(("cut",), lambda: cut_clip(self.folder))

    def two_faces(self) -> Clip:
        """Two people side by side, walking left to right together (6 s)."""
        return self._once(("two",), lambda: two_faces_clip(self.folder))

    def shots(self, name: str, shots: list[tuple[str, float, list[tuple[str, str]]]]) -> Path:
        """``name`` rendered from shots [(background, seconds, [(x expr, y expr) per head])]."""
        made, path = self._once(("shots", name), lambda: (repr(shots), _make(self.folder, name, shots)))
        if made != repr(shots):
            raise ValueError(f"{name} was already made from other shots")
        return path
