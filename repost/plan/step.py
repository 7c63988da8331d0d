"""One step of a plan: a bundle file and how it is made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Step:
    """One file of a bundle and how it is made. ``ffmpeg_args`` write to ``dest`` in the bundle."""

    action: str  # "ffmpeg" | "copy" | "photo" | "slideshow" | "cover"
    source: Path
    dest: str
    role: str  # video | image | cover
    ffmpeg_args: tuple[str, ...] | None = None
    duration_s: float | None = None  # the output's length, for a progress bar while it is made
    rendition: object | None = None  # the planned Rendition of a conform (a decode can be shared)
    # What media/ is to do for "photo", "slideshow" and "cover": a frozen dataclass (PhotoOp,
    # SlideshowOp, CoverOp), so a step stays plain, hashable data.
    op: object | None = None
    alt: str | None = None  # the post's alt text for this photo or video, carried to the manifest
