"""Planning a post's video for one platform: stream copy where it fits, else a conform; its cover."""

from __future__ import annotations

import math

from repost.ops import Conform, Remux, SourceVideo
from repost.plan.cover import plan_cover
from repost.plan.options import Evidence, Part, PlanOptions
from repost.plan.rendition import DURATION_MARGIN_S, plan_conform
from repost.plan.smart import plan_smart
from repost.plan.step import Planned, Step, blocked
from repost.platforms.model import Profile
from repost.platforms.norms import watermark_findings
from repost.platforms.rules import check_video


def plan_video(
    post, profile, facts, options: PlanOptions, evidence: Evidence | None = None, part: Part | None = None,
    cover_facts=None,
) -> Planned:  # fmt: skip
    """Copy the video where it meets the profile, else plan the exact re-encode (and cover,
    ``cover_facts`` the probed facts of a ``cover:`` image)."""
    evidence = evidence or Evidence()
    if "video" not in profile.kinds or profile.video is None:
        return blocked(f"{profile.name} takes no video")
    if "mp4" not in profile.video.containers:
        return blocked(f"{profile.name} takes no MP4 ({', '.join(profile.video.containers)})")
    name = "01.mp4"
    start, length = (part.start_s, part.length_s) if part else (0.0, None)
    # The command line's --fit wins over post.yaml's fit (per platform, then per post), which
    # wins over the profile's default (plan_bundle resolves it once, into options.fit).
    if (options.fit or profile.video.fit) == "smart":
        track = evidence.subjects.get(facts.path)
        conform = plan_smart(facts, profile, options, evidence.levels, track, start, length)
    else:
        conform = plan_conform(facts, profile, options, evidence.levels, start_s=start, length_s=length)
    changes = []
    if part:
        changes.append(
            f"part {part.index} of {part.count}: {start:.2f}-{start + length:.2f} s"
            f" of the {facts.duration_s:.2f} s video"
        )
    if conform.rendition is None:
        findings = check_video(name, facts, profile)
        op = Remux(facts.codec, drop_edit_list=not profile.video.allow_edit_lists)
        step = Step(facts.path, name, "video", op, facts.duration_s)
        changes.append(_copy_change(facts, profile, findings))
    else:
        r = conform.rendition
        out_len = r.output_duration_s or (facts.duration_s + r.hold_s)
        step = Step(facts.path, name, "video", Conform(r, SourceVideo.of(facts)), out_len)
        changes.extend(conform.changes)
    warnings = list(conform.warnings)
    marks = evidence.watermarks.get(facts.path, ())
    warnings += [f"norm: {f.message}" for f in watermark_findings(profile.id, profile.name, name, marks)]
    video = Planned((step,), tuple(changes), tuple(warnings))
    # The cover follows the video's fit (post.yaml's too), where its shape differs from the frame's.
    return video + plan_cover(post, profile, facts, options, evidence.fonts, cover_facts)


def plan_parts(profile: Profile, facts, options: PlanOptions) -> list[Part]:
    """With ``split``, a video over the profile's maximum as equal parts."""
    rules = profile.video
    if not options.split or rules is None or not rules.max_duration_s or facts.kind != "video":
        return []
    longest = rules.max_duration_s - DURATION_MARGIN_S
    if facts.duration_s <= rules.max_duration_s:
        return []
    count = math.ceil(facts.duration_s / longest)
    length = facts.duration_s / count
    return [Part(i + 1, count, round(i * length, 3), round(length, 3)) for i in range(count)]


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
