"""The video conform, decided purely: (VideoFacts, VideoRules, options) -> a Rendition, and why."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from repost.ops import AUDIO_BITRATE_BPS, HDR_TRANSFERS, AudioPlan, Rendition, even_down
from repost.plan.audio import level_key, match_loudness
from repost.plan.options import PlanOptions
from repost.plan.size import (
    even,
    even_frame,
    frame_scale,
    is_soft,
    own_scale,
    recommended_frame,
    soft_warning,
)
from repost.platforms.model import VideoRules, aspect_name, aspect_value
from repost.platforms.rules import REMUX, aspect_matches, check_video, fps_out_of_range

# --- repost's own encoder choices (not platform limits); CRF, preset and the AAC bitrate are
# in repost/ops.py, shared by every encode -----------------------------------------------------
# A keyframe every 2 s: closed GOPs of 2-5 s are what Facebook/Instagram ask for (F2), and
# YouTube recommends half the frame rate or more; 2 s keeps seeking and cutting cheap.
GOP_SECONDS = 2
AUDIO_RATES_HZ = (48000, 44100, 32000, 24000, 22050, 16000)
# Rate and size caps are kept with headroom: the container adds ~1-2% and VBV peaks overshoot a
# little over one buffer; 5% under the cap keeps the muxed file under it.
CAP_HEADROOM = 0.95
# Every encode is capped at this rate (VBV) unless a platform asks for less: no 1080p clip at
# CRF 21 needs more, and one shared ceiling under the lowest stated cap (Reels 25 Mbps, I1)
# keeps the renditions of platforms with and without a cap identical, so they are made once.
MAXRATE_CEILING_BPS = 20_000_000
# The VBV buffer, in seconds at the cap rate (-bufsize = 2 x -maxrate): long enough for x264 to
# spend bits on hard scenes, short enough that a rate peak stays near the cap.
VBV_BUFFER_S = 2
# A byte budget below this becomes a VBV cap; above it no 1080p CRF encode comes near it.
BUDGET_MATTERS_BELOW_BPS = 50_000_000
# Trimmed outputs end a little before the maximum, held ones a little after the minimum: AAC
# frames (21 ms) and the B-frame delay of a file without edit lists lengthen the container.
DURATION_MARGIN_S = 0.1

VIDEO_FIELDS = {
    "codec",
    "pixel_format",
    "fps",
    "aspect",
    "min_side_px",
    "max_side_px",
    "max_width_px",
    "duration_s",
    "bytes",
    "bitrate_bps",
}


@dataclass(frozen=True)
class Conform:
    """A planned rendition and the changes it makes, in words for the manifest (what
    plan/video.py turns into an ops.Conform, or a Remux where ``rendition`` is None)."""

    rendition: Rendition | None  # None: the source is stream-copied as it is
    changes: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def choose_aspect(width: int, height: int, rules: VideoRules) -> str | None:
    """None when the source shape is accepted; else the preferred aspect, or with several
    accepted ones and ``reframe_to: nearest``, the one nearest the source (in log ratio, so 2:1
    and 1:2 are equally far)."""
    if any(aspect_matches(width, height, a, rules.aspect_tolerance) for a in rules.aspects):
        return None
    if len(rules.aspects) == 1 or rules.reframe_to == "preferred":
        return rules.preferred_aspect
    src = math.log(width / height)
    return min(
        rules.aspects, key=lambda a: (abs(math.log(aspect_value(a)) - src), a != rules.preferred_aspect)
    )


def plan_geometry(width: int, height: int, rules: VideoRules, fit: str) -> tuple[int, int, int, int, str]:
    """(frame w, frame h, content w, content h, fit): the target frame and the picture in it.

    The frame is the target aspect at the size policy's scale (plan/size.py): no larger than
    the source's own pixels fill, except to reach the profile's minimum side, and never over
    its maximum side or width. Sizes are even (4:2:0 chroma needs them).
    """
    target = choose_aspect(width, height, rules)
    frame_w, frame_h, own = _frame_and_own(width, height, rules, target, fit)
    scale = frame_scale(own, (frame_w, frame_h), rules)
    if target is None:
        w, h = even(frame_w * scale), even(frame_h * scale)
        return w, h, w, h, "none"
    w, h = even_frame(target, frame_w * scale, frame_h * scale, rules.aspect_tolerance, grow=fit != "crop")
    if fit == "crop":
        return w, h, w, h, "crop"
    # The picture touches two sides, enlarged no further than the policy's scale: a frame
    # rounded up to a whole multiple of a tiny aspect (even_frame) only adds background.
    k = min(w / width, h / height, max(1.0, scale / own) if w > frame_w * scale + 2 else math.inf)
    cw, ch = min(w, even(width * k)), min(h, even(height * k))
    return w, h, cw, ch, fit


def _frame_and_own(width, height, rules, target: str | None, fit: str) -> tuple[float, float, float]:
    """The recommended frame at the target aspect, and how much of it the source's pixels fill."""
    aspect = width / height if target is None else aspect_value(target)
    frame = recommended_frame(aspect, rules)
    how = "none" if target is None else ("crop" if fit == "crop" else "pad")
    return frame[0], frame[1], own_scale((width, height), frame, how)


def size_warnings(facts, rules: VideoRules, fit: str) -> tuple[str, ...]:
    """The size policy's warning for a video whose own pixels fall short of the recommended
    frame at the aspect it is made (or kept) at, copied or encoded alike."""
    target = choose_aspect(facts.width, facts.height, rules)
    frame_w, frame_h, own = _frame_and_own(facts.width, facts.height, rules, target, fit)
    if not is_soft(own, (frame_w, frame_h)):
        return ()
    return (soft_warning((facts.width, facts.height), (frame_w, frame_h)),)


def plan_fps(facts, rules: VideoRules) -> Fraction:
    """The output frame rate: the source's (rounded to whole frames when it was variable),
    moved into the profile's range only where it is outside it (an NTSC rate is within its
    nominal one: rules.NTSC_FACTOR), and then kept NTSC where it was (119.88 to 59.94)."""
    rate = Fraction(facts.fps_fraction) if facts.fps_fraction and facts.fps else Fraction(30)
    if facts.vfr:
        rate = Fraction(max(1, round(facts.fps)))
    side = fps_out_of_range(float(rate), rules.min_fps, rules.max_fps)
    if side is None:
        return rate
    bound = Fraction(rules.max_fps).limit_denominator(1001) if side == "high" else None
    if bound is None:
        bound = Fraction(math.ceil(rules.min_fps))
    if rate.denominator == 1001 and bound.denominator == 1:
        bound = bound * 1000 / 1001  # an NTSC source stays NTSC
    return bound


def plan_audio(
    facts, rules: VideoRules, loud: float | None, levels: Mapping, *, seek: bool, hold_s: float,
    stretch=(0.0, None),
) -> AudioPlan:  # fmt: skip
    """Copy the audio where it fits, else AAC stereo at most the profile's rate, as loud as the
    source (``levels``, measured by export) or the ``loud`` target (LUFS); silence
    when the profile requires audio and there is none.

    A part that starts after 0 (``seek``) has its audio encoded: copied audio keeps the
    packets before the seek point, and in an MP4 without edit lists that offset shifts the
    whole video by the seek time (seen with ffmpeg 9: a 1.5 s part came out 3 s long).
    """
    src = facts.audio
    if src is None:
        return (
            AudioPlan("silent", AUDIO_RATES_HZ[0], hold_s=hold_s)
            if rules.audio_required
            else AudioPlan("none")
        )
    max_ch = rules.max_audio_channels or 2
    max_rate = rules.max_sample_rate_hz or 48000
    fits = (
        (not rules.audio_codecs or src.codec in rules.audio_codecs)
        and src.channels <= max_ch
        and src.sample_rate_hz <= max_rate
    )
    if fits and loud is None and not hold_s and not seek:
        return AudioPlan("copy", src.sample_rate_hz, src.channels)
    rate = next((r for r in AUDIO_RATES_HZ if r <= min(src.sample_rate_hz, max_rate)), AUDIO_RATES_HZ[-1])
    channels = min(src.channels, max_ch, 2)
    downmix = (src.layout or f"{src.channels} channels") if src.channels > channels else None
    gain, limit = match_loudness(levels.get(level_key(facts.path, *stretch)), loud)
    return AudioPlan("encode", rate, channels, downmix, loud, hold_s, gain_db=gain, peak_limit_dbtp=limit)


def plan_rate_cap(rules: VideoRules, duration_s: float, audio_bps: int) -> tuple[int, str | None]:
    """The VBV cap (bps) for the video, leaving ``audio_bps`` for the sound, and, when the
    byte budget set it, why."""
    caps: list[tuple[int, str | None]] = [(MAXRATE_CEILING_BPS, None)]
    if rules.max_bitrate_bps:
        caps.append((int(rules.max_bitrate_bps * CAP_HEADROOM) - audio_bps, None))
    if rules.max_bytes and duration_s > 0:
        # Bytes <= (maxrate x duration + VBV buffer) / 8: the buffer may be spent on top of the
        # rate, which matters for short clips, so it comes out of the budget too.
        video_bits = rules.max_bytes * 8 * CAP_HEADROOM - audio_bps * duration_s
        budget = int(video_bits / (duration_s + VBV_BUFFER_S))
        if budget < BUDGET_MATTERS_BELOW_BPS:
            why = f"bitrate budget {budget / 1e6:.2f} Mbps to stay under {rules.max_bytes:,} bytes"
            caps.append((budget, why))
    cap, why = min(caps, key=lambda c: c[0])
    return max(cap, 100_000), why


def needs_video_encode(facts, rules: VideoRules, findings) -> list[str]:
    """Why the video stream cannot be copied (empty when it can)."""
    why = [f.message.split(": ", 1)[1] for f in findings if f.field in VIDEO_FIELDS]
    if facts.rotation:
        why.append(f"rotation {facts.rotation}° made upright")
    if facts.vfr:
        why.append("variable frame rate made constant")
    if facts.color_transfer in HDR_TRANSFERS and rules.pixel_formats and facts.pix_fmt in rules.pixel_formats:
        why.append(f"HDR ({facts.color_transfer}) tone-mapped to SDR")
    return why


def plan_timing(facts, rules: VideoRules, length_s: float | None) -> tuple[float | None, float, list[str]]:
    """(output length when cut, seconds the last frame is held, changes): a part keeps its
    length, a video over the maximum is trimmed, one under the minimum is held."""
    duration, changes = length_s, []
    if length_s is None and rules.max_duration_s and facts.duration_s > rules.max_duration_s:
        duration = rules.max_duration_s - DURATION_MARGIN_S
        changes.append(
            f"trimmed {facts.duration_s:.2f} s to {duration:.2f} s"
            f" (the maximum is {rules.max_duration_s:g} s)"
        )
    span = facts.duration_s if duration is None else duration
    hold = 0.0
    if rules.min_duration_s and span < rules.min_duration_s:
        hold = round(rules.min_duration_s - span + DURATION_MARGIN_S, 3)
        changes.append(f"held the last frame {hold:.2f} s to reach the {rules.min_duration_s:g} s minimum")
    return duration, hold, changes


def plan_conform(
    facts, profile, options: PlanOptions | None = None, levels: Mapping | None = None, *, start_s=0.0,
    length_s=None,
) -> Conform:  # fmt: skip
    """Copy when the source meets the profile; else the exact rendition (and the changes).

    ``start_s``/``length_s`` select a part of the source (a split part); ``options.fit``
    (crop|pad|blur, else the profile's) and ``options.loudness`` (LUFS) apply, and ``levels``
    (export's measurements, by plan.audio.level_key) give the gain that keeps the loudness.
    """
    options = options or PlanOptions()
    rules: VideoRules = profile.video
    findings = [f for f in check_video("01.mp4", facts, profile) if f.fix != REMUX]
    duration, hold, changes = plan_timing(facts, rules, length_s)
    why_video = needs_video_encode(facts, rules, findings)
    stretch = (start_s, duration)
    audio = plan_audio(
        facts, rules, options.loudness, levels or {}, seek=start_s > 0, hold_s=hold, stretch=stretch
    )
    copy_video = not why_video and not hold and duration is None
    fit = options.fit or rules.fit
    warnings = size_warnings(facts, rules, fit)
    if copy_video and audio.action in ("copy", "none"):
        return Conform(None, (), warnings)
    if copy_video:  # only the sound changes: the pictures are kept as they are
        w, h, cw, ch, fit = facts.width, facts.height, facts.width, facts.height, "none"
    else:
        w, h, cw, ch, fit = plan_geometry(facts.width, facts.height, rules, fit)
    rate = plan_fps(facts, rules)
    hdr = facts.color_transfer in HDR_TRANSFERS and not copy_video
    r = Rendition(
        video="copy" if copy_video else "encode",
        width=w,
        height=h,
        fit=fit,
        content_width=cw,
        content_height=ch,
        fps=f"{rate.numerator}/{rate.denominator}",
        start_s=start_s,
        duration_s=duration,
        hold_s=hold,
        tonemap=facts.color_transfer if hdr else None,
        gop_frames=max(1, round(float(rate) * GOP_SECONDS)),
        audio=audio,
        crop=centre_crop(facts.width, facts.height, w / h) if fit == "crop" else None,
    )
    if not copy_video:
        cap, why = plan_rate_cap(rules, (r.output_duration_s or facts.duration_s), _audio_bps(facts, audio))
        r = replace(r, maxrate_bps=cap, bufsize_bits=VBV_BUFFER_S * cap)
        changes += _describe_video(facts, r, rules, rate, why_video, why)
    changes += _describe_audio(facts, audio)
    return Conform(r, tuple(changes), warnings)


def centre_crop(width: int, height: int, aspect: float) -> tuple[int, int]:
    """The source box (even sides) a crop to ``aspect`` keeps around the centre."""
    if width / height > aspect:
        return even_down(height * aspect), even_down(height)
    return even_down(width), even_down(width / aspect)


def _audio_bps(facts, audio: AudioPlan) -> int:
    if audio.action in ("encode", "silent"):
        return audio.bitrate_bps
    if audio.action == "copy":
        return facts.audio.bitrate_bps or AUDIO_BITRATE_BPS
    return 0


def _describe_video(facts, r: Rendition, rules, rate: Fraction, why: list[str], cap_why) -> list[str]:
    src = f"{facts.width}x{facts.height}"
    shapes = f"{aspect_name(facts.width, facts.height)} to {choose_aspect(facts.width, facts.height, rules)}"
    out = []
    least = _enlarged_to(facts, r, rules)
    if r.fit == "crop":
        out.append(f"cropped {shapes} around the centre ({src} to {r.width}x{r.height}{least})")
    elif r.fit in ("pad", "blur"):
        how = "a blurred copy of the picture" if r.fit == "blur" else f"{r.pad_color} bars"
        out.append(
            f"fitted {shapes} over {how}"
            f" ({src} to {r.content_width}x{r.content_height} in {r.width}x{r.height}{least})"
        )
    elif (r.width, r.height) != (facts.width, facts.height):
        out.append(f"scaled {src} to {r.width}x{r.height}{least}")
    if facts.rotation:
        out.append(f"turned upright (rotation {facts.rotation}°), no rotation flag left")
    if facts.vfr or abs(float(rate) - facts.fps) > 1e-6:
        kind = "variable " if facts.vfr else ""
        out.append(f"frame rate {kind}{_fps(facts.fps)} fps to constant {_fps(float(rate))} fps")
    if r.tonemap:
        out.append(f"tone-mapped HDR ({r.tonemap}, {facts.pix_fmt}) to 8-bit SDR BT.709")
    rate_text = f", capped at {r.maxrate_bps / 1e6:.2f} Mbps" if r.maxrate_bps else ""
    out.append(
        f"re-encoded as H.264 High yuv420p, CRF {r.crf}{rate_text} ({'; '.join(why) or 'timing change'})"
    )
    if cap_why:
        out.append(cap_why)
    return out


def _fps(rate: float) -> str:
    """29.97, 30, 23.976: enough digits to tell an NTSC rate from its nominal one."""
    return f"{rate:.3f}".rstrip("0").rstrip(".")


def _enlarged_to(facts, r: Rendition, rules: VideoRules) -> str:
    """ ", enlarged to the 720 px minimum side" where the size policy made the frame larger than
    the source's own pixels fill (the platform's minimum demands it), else ""."""
    target = None if r.fit == "none" else choose_aspect(facts.width, facts.height, rules)
    frame_w, frame_h, own = _frame_and_own(facts.width, facts.height, rules, target, r.fit)
    if frame_scale(own, (frame_w, frame_h), rules) <= min(1.0, own) + 1e-9:
        return ""
    return f", enlarged to the {rules.min_side_px} px minimum side"


def _describe_audio(facts, a: AudioPlan) -> list[str]:
    if a.action == "silent":
        return ["added a silent stereo AAC track (the platform requires audio)"]
    if a.action != "encode":
        return []
    src = facts.audio
    parts = [f"audio {src.codec} {src.sample_rate_hz} Hz to AAC {a.sample_rate_hz} Hz"]
    if a.downmix:
        parts.append(f"{a.downmix} downmixed to stereo (ITU-R BS.775)")
    if a.loudness_lufs is not None:
        parts.append(f"loudness normalised to {a.loudness_lufs:g} LUFS")
    elif a.gain_db:
        parts.append(f"{a.gain_db:+.1f} dB to keep the source's loudness")
    if a.gain_db is not None and a.peak_limit_dbtp is not None:
        parts.append(f"peaks limited to {a.peak_limit_dbtp:g} dBTP")
    return ["; ".join(parts)]
