"""Planning a post's video for one platform: stream copy where it fits, else a conform; its cover."""

from __future__ import annotations

import math

from repost.media.commands import remux_args
from repost.media.render import render_args
from repost.plan.cover import plan_cover
from repost.plan.rendition import DURATION_MARGIN_S, plan_conform
from repost.plan.smart import plan_smart
from repost.plan.step import Step
from repost.platforms.norms import watermark_findings
from repost.platforms.profiles import Profile
from repost.platforms.rules import check_video


def plan_video(post, profile, facts, steps, changes, warnings, blockers, options=None) -> None:
    """Copy the video where it meets the profile, else plan the exact re-encode (and cover)."""
    options = options or {}
    if "video" not in profile.kinds or profile.video is None:
        blockers.append(f"{profile.name} takes no video")
        return
    if "mp4" not in profile.video.containers:
        blockers.append(f"{profile.name} takes no MP4 ({', '.join(profile.video.containers)})")
        return
    name = "01.mp4"
    part = options.get("part")
    start, length = (part[2], part[3]) if part else (0.0, None)
    # The command line's --fit wins over post.yaml's fit (per platform, then per post), which
    # wins over the profile's default.
    choices = {"fit": options.get("fit") or post.fit, "loudness": options.get("loudness")}
    choices["levels"] = options.get("levels")  # measured loudness of source stretches (export)
    if (choices["fit"] or profile.video.fit) == "smart":
        conform = plan_smart(
            facts, profile, choices, options.get("subjects", {}).get(facts.path), start, length
        )
    else:
        conform = plan_conform(facts, profile, choices, start_s=start, length_s=length)
    if part:
        end = start + length
        changes.append(
            f"part {part[0]} of {part[1]}: {start:.2f}-{end:.2f} s of the {facts.duration_s:.2f} s video"
        )
    if conform.rendition is None:
        findings = check_video(name, facts, profile)
        args = remux_args(facts, name, drop_edit_list=not profile.video.allow_edit_lists)
        steps.append(Step("ffmpeg", facts.path, name, "video", args, facts.duration_s))
        changes.append(_copy_change(facts, profile, findings))
    else:
        r = conform.rendition
        out_len = r.output_duration_s or (facts.duration_s + r.hold_s)
        args = render_args(facts, r, name)
        steps.append(Step("ffmpeg", facts.path, name, "video", args, out_len, r))
        changes.extend(conform.changes)
    warnings.extend(conform.warnings)
    evidence = options.get("watermarks", {}).get(facts.path, ())
    warnings += [f"norm: {f.message}" for f in watermark_findings(profile.id, profile.name, name, evidence)]
    # The cover follows the video's fit (post.yaml's too), where its shape differs from the frame's.
    plan_cover(post, profile, facts, steps, warnings, {**options, "fit": choices["fit"]})


def plan_parts(profile: Profile, facts, options) -> list[tuple[float, float]]:
    """With ``split``, a video over the profile's maximum as equal (start, length) parts."""
    rules = profile.video
    if not options.get("split") or rules is None or not rules.max_duration_s or facts.kind != "video":
        return []
    longest = rules.max_duration_s - DURATION_MARGIN_S
    if facts.duration_s <= rules.max_duration_s:
        return []
    count = math.ceil(facts.duration_s / longest)
    length = facts.duration_s / count
    return [(round(i * length, 3), round(length, 3)) for i in range(count)]


def _copy_change(facts, profile: Profile, findings) -> str:
    audio = f"/{facts.audio.codec.upper()}" if facts.audio else ""
    done = ["copied", f"{facts.codec.upper()}{audio} streams as they are (no re-encode)"]
    fields = {f.field for f in findings}
    if "container" in fields:
        done.append(f"rewrapped {facts.container} as mp4")
    if facts.moov_first is False or "faststart" in fields:
        done.append("moved the moov atom to the front")
    if "edit_list" in fields:
        done.append("dropped the edit list")
    done.append("container metadata removed")
    return done[0] + " " + "; ".join(done[1:])
