"""Every rule of a profile checked against probed facts: one finding per broken rule, named exactly."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from repost.platforms.model import ImageRules, Profile, VideoRules, aspect_name, aspect_value

# An NTSC rate is a nominal rate slowed by 1000/1001 for colour television (SMPTE ST 12-1:
# 30000/1001 = 29.97 fps, 60000/1001 = 59.94 fps): it is that nominal rate, so a 29.97 fps
# source meets a 30 fps minimum and a 60 fps cap takes 59.94, never re-timed for 0.1%.
NTSC_FACTOR = 1001 / 1000

# What it takes to mend a finding: a remux rewrites the container around the same streams;
# a re-encode changes the pictures or sound.
REMUX = "remux"
REENCODE = "re-encode"


@dataclass(frozen=True)
class Finding:
    """One broken rule: ``01.mp4: audio channels 6 > 2``."""

    file: str
    field: str
    limit: object
    actual: object
    message: str
    severity: str = "error"
    fix: str = REENCODE

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("fix")
        return d


def _finding(file, field, limit, actual, text, *, fix=REENCODE, severity="error") -> Finding:
    return Finding(file, field, limit, actual, f"{file}: {text}", severity, fix)


def aspect_matches(width: int, height: int, aspect: str, tolerance: float) -> bool:
    target = aspect_value(aspect)
    return abs(width / height - target) <= tolerance * target + 1e-9


def matching_aspect(width: int, height: int, aspects, tolerance: float) -> str | None:
    for a in aspects:
        if aspect_matches(width, height, a, tolerance):
            return a
    return None


def _fmt_num(x) -> str:
    if isinstance(x, float):
        return f"{x:,.3f}".rstrip("0").rstrip(".")
    return f"{x:,}"


def check_geometry(name, width, height, rules: VideoRules | ImageRules) -> list[Finding]:
    out = []
    if matching_aspect(width, height, rules.aspects, rules.aspect_tolerance) is None:
        actual = aspect_name(width, height)
        out.append(
            _finding(
                name,
                "aspect",
                list(rules.aspects),
                actual,
                f"aspect {actual} ({width}x{height}) not in {', '.join(rules.aspects)}",
            )
        )
    min_side = getattr(rules, "min_side_px", None)
    if min_side and min(width, height) < min_side:
        out.append(
            _finding(
                name,
                "min_side_px",
                min_side,
                min(width, height),
                f"smaller side {min(width, height)} px < {min_side} px",
            )
        )
    if rules.max_side_px and max(width, height) > rules.max_side_px:
        out.append(
            _finding(
                name,
                "max_side_px",
                rules.max_side_px,
                max(width, height),
                f"larger side {max(width, height)} px > {rules.max_side_px} px",
            )
        )
    max_width = getattr(rules, "max_width_px", None)
    if max_width and width > max_width:
        out.append(_finding(name, "max_width_px", max_width, width, f"width {width} px > {max_width} px"))
    return out


def _check_bounds(name, field, label, actual, lo, hi, unit="") -> list[Finding]:
    if lo is not None and actual < lo:
        return [_finding(name, field, lo, actual, f"{label} {_fmt_num(actual)}{unit} < {_fmt_num(lo)}{unit}")]
    if hi is not None and actual > hi:
        return [_finding(name, field, hi, actual, f"{label} {_fmt_num(actual)}{unit} > {_fmt_num(hi)}{unit}")]
    return []


def fps_out_of_range(fps: float, min_fps: float | None, max_fps: float | None) -> str | None:
    """ "low" or "high" where a frame rate is outside a profile's range, allowing an NTSC rate
    its nominal one (29.97 fps is within a 30 fps minimum); None within it."""
    if min_fps and fps * NTSC_FACTOR < min_fps - 1e-9:
        return "low"
    if max_fps and fps > max_fps * NTSC_FACTOR + 1e-9:
        return "high"
    return None


def check_video(name: str, facts, profile: Profile) -> list[Finding]:
    """Check probed video facts against the profile's video rules."""
    rules = profile.video
    if rules is None:
        return [_finding(name, "kind", profile.kinds, "video", f"{profile.name} takes no video")]
    out = []
    if facts.container not in rules.containers:
        out.append(
            _finding(
                name,
                "container",
                list(rules.containers),
                facts.container,
                f"container {facts.container} not in {', '.join(rules.containers)}",
                fix=REMUX,
            )
        )
    if facts.codec not in rules.codecs:
        out.append(
            _finding(
                name,
                "codec",
                list(rules.codecs),
                facts.codec,
                f"video codec {facts.codec} not in {', '.join(rules.codecs)}",
            )
        )
    if rules.pixel_formats and facts.pix_fmt not in rules.pixel_formats:
        out.append(
            _finding(
                name,
                "pixel_format",
                list(rules.pixel_formats),
                facts.pix_fmt,
                f"pixel format {facts.pix_fmt} not in {', '.join(rules.pixel_formats)}",
            )
        )
    side = fps_out_of_range(facts.fps, rules.min_fps, rules.max_fps)
    if side:
        lo, hi = (rules.min_fps, None) if side == "low" else (None, rules.max_fps)
        out += _check_bounds(name, "fps", "frame rate", round(facts.fps, 3), lo, hi, " fps")
    out += check_geometry(name, facts.width, facts.height, rules)
    out += _check_bounds(
        name,
        "duration_s",
        "duration",
        round(facts.duration_s, 3),
        rules.min_duration_s,
        rules.max_duration_s,
        " s",
    )
    out += _check_bounds(name, "bytes", "size", facts.bytes, None, rules.max_bytes, " bytes")
    if facts.bitrate_bps:
        out += _check_bounds(
            name, "bitrate_bps", "bitrate", facts.bitrate_bps, None, rules.max_bitrate_bps, " bps"
        )
    out += _check_audio(name, facts.audio, rules)
    if rules.require_faststart and facts.moov_first is False:
        out.append(
            _finding(name, "faststart", True, False, "moov atom after mdat (not faststart)", fix=REMUX)
        )
    if not rules.allow_edit_lists and facts.edit_list:
        out.append(_finding(name, "edit_list", False, True, "has an edit list", fix=REMUX))
    return out + check_sync(name, facts)


def check_sync(name: str, facts) -> list[Finding]:
    """Picture and sound start together: within half a frame, the closest two streams of
    different rates can be (not a platform rule but the viewer's: sound leading the picture is
    noticed from about 45 ms, ITU-R BT.1359)."""
    video = getattr(facts, "start_s", None)
    audio = getattr(facts.audio, "start_s", None) if facts.audio else None
    if video is None or audio is None or not facts.fps:
        return []
    limit, offset = 0.5 / facts.fps, abs(video - audio)
    if offset <= limit + 1e-6:
        return []
    text = (
        f"video starts at {video:.3f} s, audio at {audio:.3f} s"
        f" (offset {offset * 1000:.0f} ms > half a frame, {limit * 1000:.0f} ms)"
    )
    return [_finding(name, "av_offset_s", round(limit, 4), round(offset, 4), text, fix=REMUX)]


def _check_audio(name, audio, rules: VideoRules) -> list[Finding]:
    if audio is None:
        if rules.audio_required:
            return [_finding(name, "audio", "required", None, "no audio track (the platform requires one)")]
        return []
    out = []
    if rules.audio_codecs and audio.codec not in rules.audio_codecs:
        out.append(
            _finding(
                name,
                "audio_codec",
                list(rules.audio_codecs),
                audio.codec,
                f"audio codec {audio.codec} not in {', '.join(rules.audio_codecs)}",
            )
        )
    out += _check_bounds(
        name, "audio_channels", "audio channels", audio.channels, None, rules.max_audio_channels
    )
    out += _check_bounds(
        name,
        "sample_rate_hz",
        "audio sample rate",
        audio.sample_rate_hz,
        None,
        rules.max_sample_rate_hz,
        " Hz",
    )
    return out


def check_image(name: str, facts, profile: Profile) -> list[Finding]:
    """Check probed image facts against the profile's image rules."""
    rules = profile.image
    if rules is None:
        return [_finding(name, "kind", profile.kinds, "photos", f"{profile.name} takes no photo posts")]
    out = []
    if facts.format not in rules.formats:
        out.append(
            _finding(
                name,
                "format",
                list(rules.formats),
                facts.format,
                f"image format {facts.format} not in {', '.join(rules.formats)}",
            )
        )
    if facts.mode not in rules.modes:
        out.append(
            _finding(
                name,
                "mode",
                list(rules.modes),
                facts.mode,
                f"image mode {facts.mode} not in {', '.join(rules.modes)}",
            )
        )
    if facts.frame_count > 1:
        out.append(_finding(name, "frames", 1, facts.frame_count, f"animated ({facts.frame_count} frames)"))
    out += check_geometry(name, facts.width, facts.height, rules)
    out += _check_bounds(name, "bytes", "size", facts.bytes, None, rules.max_bytes, " bytes")
    if getattr(facts, "gps", False):
        # Not a platform rule but a privacy one: say so before a location is published.
        out.append(_finding(name, "gps", False, True, "EXIF holds a GPS location", severity="warning"))
    return out


def check_image_count(name: str, count: int, profile: Profile) -> list[Finding]:
    rules = profile.image
    if rules is None:
        return []
    return _check_bounds(name, "image_count", "image count", count, rules.min_count, rules.max_count)


def check_media(name: str, facts, profile: Profile) -> list[Finding]:
    if facts.kind == "video":
        return check_video(name, facts, profile)
    return check_image(name, facts, profile)
