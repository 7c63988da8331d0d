"""What a plan is asked for (the user's choices), what export measured before planning, and a part."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class PlanOptions:
    """The choices that change what a bundle holds, as export, migrate and check take them."""

    fit: str | None = None  # --fit: wins over post.yaml's fit, which wins over the profile's
    split: bool = False  # a video over the maximum: numbered parts instead of a trim
    loudness: float | None = None  # target LUFS
    carousel: str = "split"  # split | truncate: a carousel over a platform's cap
    keep_metadata: bool = False  # keep photos' EXIF (GPS, camera serials)
    as_kind: str | None = None  # "video": photos become a slideshow on any platform taking video
    photo_seconds: float | None = None  # slideshow time per photo
    pan_zoom: bool = False  # slideshow: a gentle zoom on each photo
    overflow: str = "drop"  # hashtags over a platform's limit: drop, or comment.txt
    bilingual: bool = False
    lang: tuple[tuple[str, str], ...] = ()  # (platform id or '*', language)
    norms: bool = True  # False: no warnings about what a platform limits (links, claims...)

    @classmethod
    def of(cls, source) -> PlanOptions:
        """The plan options among ``source``'s attributes (ExportOptions has them all)."""
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})

    def record(self) -> dict:
        """The options as JSON-able data, for migrate's input keys and run records. The photo
        options appear only when set, so the keys of posts made before them stay the same."""
        record = {
            "fit": self.fit,
            "split": self.split,
            "loudness": self.loudness,
            "overflow": self.overflow,
            "bilingual": self.bilingual,
            "lang": dict(self.lang),
        }
        extra = {
            "carousel": self.carousel if self.carousel != "split" else None,
            "keep_metadata": self.keep_metadata or None,
            "as": self.as_kind,
            "photo_seconds": self.photo_seconds,
            "pan_zoom": self.pan_zoom or None,
            "norms": None if self.norms else False,
        }
        record.update({k: v for k, v in extra.items() if v is not None})
        return record


@dataclass(frozen=True)
class Evidence:
    """What export found in the media before planning (media/ measures, the planner only reads):
    where the subject is (fit smart), another platform's watermark, the loudness of stretches
    to be re-encoded, and the font that draws each cover text. A planner given none plans
    without: the centre, no watermark warning, a limiter without a measured gain, no text."""

    subjects: Mapping = field(default_factory=dict)  # source path -> media.subject.SubjectTrack
    watermarks: Mapping = field(default_factory=dict)  # source path -> evidence (platforms.norms)
    levels: Mapping = field(default_factory=dict)  # plan.audio.level_key -> media.loudness.Levels
    fonts: Mapping = field(default_factory=dict)  # cover text -> media.fonts.FontChoice


@dataclass(frozen=True)
class Part:
    """Part ``index`` of ``count`` of a video split into numbered posts: a stretch of the source."""

    index: int
    count: int
    start_s: float
    length_s: float

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"
