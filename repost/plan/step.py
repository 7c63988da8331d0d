"""One step of a plan: a bundle file and how it is made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Step:
    """One file of a bundle and how it is made. ``ffmpeg_args`` write to ``dest`` in the bundle."""

    action: str  # "ffmpeg" | "copy" | "jpeg"
    source: Path
    dest: str
    role: str  # video | image | cover
    ffmpeg_args: tuple[str, ...] | None = None
    alt: str | None = None  # the post's alt text for this photo or video, carried to the manifest
