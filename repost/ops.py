"""The operations a plan asks media/ to carry out: a closed vocabulary of frozen data.

plan/ decides an operation; media/ alone turns it into ffmpeg arguments (or Pillow and moviepy
calls), at run time and for ``--dry-run``; bundle/ hashes it into a bundle's fingerprint. This
module is the one both sides import: it imports nothing from either (a leaf module, so media/,
a Dask worker included, never loads the planners, and the planners never load media/).

Paths are not part of an operation except where it reads more than one file (a slideshow's
photos and sound): a step names its source and its destination, the operation says what to do.
Every field is data (numbers, text, tuples, paths), so an operation is hashable and two
platforms whose plans come out the same share one encode.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

# --- repost's own encoder choices (not platform limits), one set for every encode ----------
# CRF 21: visually transparent for phone-sized viewing, and the platforms re-encode again on
# ingest, so spending more bits buys nothing the viewer sees. "veryfast": most of x264's
# compression at a fraction of "medium"'s time (x264 preset table), which matters on laptops;
# slideshows (still pictures) compress well at it too.
CRF = 21
PRESET = "veryfast"
# AAC at 128 kbps stereo: Instagram's stated audio bitrate (I1); enough for speech and music.
AUDIO_BITRATE_BPS = 128_000
# JPEG quality is stepped down from the first to the last until the file fits max_bytes.
# 92 keeps photos visually lossless at 1080 px; below 60 blocking shows, so we shrink instead.
JPEG_QUALITIES = (92, 88, 84, 80, 75, 70, 65, 60)

# --- facts of media that plan/ and media/ both read --------------------------------------
# Transfer functions of HDR video (H.273): PQ (HDR10, Dolby Vision 8.4) and HLG (iPhone). probe
# flags such a video; the conform planner tone-maps it to SDR BT.709.
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})
# ICC profile descriptions that mean sRGB: a photo in sRGB is copied without converting colours.
SRGB_NAMES = ("srgb", "iec61966-2.1", "iec 61966-2-1")


def even_down(x: float) -> int:
    """``x`` pixels rounded down to an even number, at least 2: the crop and blur sizes the plan
    records and media/ cuts (4:2:0 chroma halves both sides), so both round alike."""
    return max(2, int(x) // 2 * 2)


# --- video ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One shot of a camera path: its span, still or pan, and how the subject was found."""

    start_s: float
    end_s: float
    motion: str  # still | pan
    by: str  # faces | saliency


@dataclass(frozen=True)
class CameraPath:
    """Where the crop window's left (or top) edge is over time, in source pixels.

    ``keys`` are (time in the output, position) points joined by straight lines; ``axis`` is x
    for a crop narrower than the source, y for a shorter one; ``size`` the window (w, h).
    """

    axis: str
    size: tuple[int, int]
    keys: tuple[tuple[float, float], ...]
    shots: tuple[Shot, ...]
    limit_px_per_s: float
    detector: str = ""  # the face detector that found the subject (docs/models.md)


@dataclass(frozen=True)
class AudioPlan:
    """The output audio: copied, encoded to AAC (downmixed, resampled, normalised) or silent."""

    action: str  # copy | encode | silent | none
    sample_rate_hz: int | None = None
    channels: int = 2
    downmix: str | None = None  # the source layout when it is mixed down ("5.1")
    loudness_lufs: float | None = None  # the --loudness target
    hold_s: float = 0.0  # silence added at the end while the picture is held
    bitrate_bps: int = AUDIO_BITRATE_BPS
    # The measured gain that keeps the source's loudness (or reaches the target) after the
    # downmix, and the true-peak limit when the peaks would pass it (plan/audio.py).
    gain_db: float | None = None
    peak_limit_dbtp: float | None = None


@dataclass(frozen=True)
class Rendition:
    """One output video, exactly: picture, timing, colour, encoder and audio settings."""

    video: str  # copy | encode
    width: int
    height: int
    fit: str  # none | crop | pad | blur | smart
    content_width: int  # the source picture's size inside the frame (pad/blur) or the frame
    content_height: int
    fps: str  # output rate as a fraction "30/1"
    start_s: float = 0.0
    duration_s: float | None = None  # output length when cut (trim or split part)
    hold_s: float = 0.0  # last frame held this long (tpad) to reach the minimum
    tonemap: str | None = None  # the HDR transfer tone-mapped to SDR BT.709
    crf: int = CRF
    preset: str = PRESET
    gop_frames: int = 60
    maxrate_bps: int | None = None
    bufsize_bits: int | None = None
    audio: AudioPlan = AudioPlan("none")
    pad_color: str = "black"
    camera: CameraPath | None = None  # fit "smart": the crop window's path
    crop: tuple[int, int] | None = None  # fit "crop": the source box kept around the centre

    @property
    def output_duration_s(self) -> float | None:
        return None if self.duration_s is None else self.duration_s + self.hold_s


@dataclass(frozen=True)
class SourceVideo:
    """What the command making a video reads of its source, beyond its path: the picture's
    displayed size and rate, its codec, length and sound layout (as probed when planned)."""

    width: int
    height: int
    fps: float
    codec: str
    duration_s: float
    audio_layout: str | None = None

    @classmethod
    def of(cls, facts) -> SourceVideo:
        """From probed VideoFacts (media.probe), read by attribute: no import needed here."""
        layout = facts.audio.layout if facts.audio is not None else None
        return cls(facts.width, facts.height, facts.fps, facts.codec, facts.duration_s, layout)


@dataclass(frozen=True)
class Remux:
    """The video's streams copied as they are into an MP4, moov first, metadata removed."""

    action: ClassVar[str] = "ffmpeg"
    codec: str  # the video codec: HEVC is tagged hvc1 for Apple players
    drop_edit_list: bool  # the platform takes no edit lists


@dataclass(frozen=True)
class Conform:
    """The video made as ``rendition`` says, from a source of ``source``'s shape."""

    action: ClassVar[str] = "ffmpeg"
    rendition: Rendition
    source: SourceVideo


# --- pictures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """The source file copied as it is (a photo that already fits)."""

    action: ClassVar[str] = "copy"


@dataclass(frozen=True)
class PhotoOp:
    """How one source photo becomes one bundle picture; media/images.py carries it out.

    Coordinates are in the displayed picture (EXIF orientation applied). ``box`` is the part of
    the picture kept; it is scaled into ``place`` (left, top, width, height) on a ``canvas``
    (width, height); the rest of the canvas is ``background`` ("blur", "white", "black").
    """

    action: ClassVar[str] = "photo"
    canvas: tuple[int, int]
    box: tuple[int, int, int, int]
    place: tuple[int, int, int, int]
    background: str = "white"
    alpha_fill: str = "white"  # transparent pixels are flattened onto white or a blurred fill
    qualities: tuple[int, ...] = JPEG_QUALITIES
    max_bytes: int | None = None
    keep_metadata: bool = False
    source_size: tuple[int, int] | None = None  # the displayed size the box refers to
    follow_faces: bool = False  # fit smart: media/ moves the box over the faces it finds

    @property
    def scale(self) -> float:
        """How much the kept part shrinks (1 or less when not enlarged)."""
        return max(
            self.place[2] / max(1, self.box[2] - self.box[0]),
            self.place[3] / max(1, self.box[3] - self.box[1]),
        )


@dataclass(frozen=True)
class CoverOp:
    """How cover.jpg is made: from an image, one frame, or the best of ``times`` (``auto``),
    fitted to the cover's shape as ``photo`` says."""

    action: ClassVar[str] = "cover"
    kind: str  # "image" | "frame" | "auto"
    frame: tuple[int, int]  # the cover's size at the platform's cover aspect
    aspect: str
    fit: str
    photo: PhotoOp  # the picture (as displayed, of photo.source_size) fitted to the cover
    times: tuple[float, ...] = ()  # "frame": one time; "auto": the candidates
    rotation: int = 0  # a video's display rotation (counter-clockwise degrees)
    safe_aspect: str | None = None  # text and the centre stay inside this central crop
    text: str | None = None
    font: Path | None = None  # a font with a glyph for every character of ``text``
    # The size policy's minimum side (plan/size.py): the cover is enlarged as far as the rules
    # of the post it stands for demand (a RedNote video's 720 px), no further.
    min_side_px: int | None = None

    # Fields whose effect on the picture is all in ``photo`` (planned from them), left out of
    # ``picture``; every other field, a new one too, keeps covers apart unless it is named here.
    HELD_BY_PHOTO: ClassVar[frozenset[str]] = frozenset({"frame", "aspect", "fit", "min_side_px"})

    @property
    def picture(self) -> tuple:
        """What decides the picture made (media/covers.py reads nothing else): two platforms'
        covers equal in it are the same file, made once. The safe area only places text."""
        return (
            self.action,
            *((f.name, self._drawn(f.name)) for f in fields(self) if f.name not in self.HELD_BY_PHOTO),
        )

    def _drawn(self, name: str):
        if name == "safe_aspect" and not self.text:
            return None
        return getattr(self, name)


@dataclass(frozen=True)
class SlideshowOp:
    """A video made of photos: each fitted to the frame, on screen for ``seconds``, crossfaded,
    encoded with the same x264 settings as every other encode (plan/rendition.py's)."""

    action: ClassVar[str] = "slideshow"
    sources: tuple[Path, ...]
    photos: tuple[PhotoOp, ...]
    size: tuple[int, int]
    fps: float
    seconds: float  # per photo, crossfades included
    crossfade_s: float
    zoom: float = 0.0  # how much each picture grows over its time on screen (0: still)
    audio: Path | None = None
    audio_rate_hz: int = 48000
    audio_bitrate_bps: int = AUDIO_BITRATE_BPS
    crf: int = CRF
    preset: str = PRESET
    gop_frames: int = 60
    maxrate_bps: int | None = None
    bufsize_bits: int | None = None

    @property
    def duration_s(self) -> float:
        n = len(self.photos)
        return n * self.seconds - (n - 1) * self.crossfade_s

    @property
    def pan_zoom(self) -> bool:
        return self.zoom > 0


Operation = Copy | Remux | Conform | PhotoOp | CoverOp | SlideshowOp
OPERATIONS = (Copy, Remux, Conform, PhotoOp, CoverOp, SlideshowOp)
