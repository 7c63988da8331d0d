"""Planning a post's video for one platform: stream copy where it fits, and its cover."""

from __future__ import annotations

from repost.media.commands import remux_args
from repost.plan.cover import plan_cover
from repost.plan.step import Step
from repost.profiles import Profile
from repost.rules import REMUX, check_video


def plan_video(post, profile, facts, steps, changes, warnings, blockers) -> None:
    if "video" not in profile.kinds or profile.video is None:
        blockers.append(f"{profile.name} takes no video")
        return
    name = "01.mp4"
    findings = check_video(name, facts, profile)
    hard = [f for f in findings if f.fix != REMUX]
    if hard:
        blockers.append("needs re-encode: " + "; ".join(f.message.split(": ", 1)[1] for f in hard))
        return
    if "mp4" not in profile.video.containers:
        blockers.append(f"{profile.name} takes no MP4 ({', '.join(profile.video.containers)})")
        return
    drop_edit_list = not profile.video.allow_edit_lists
    args = remux_args(facts, name, drop_edit_list=drop_edit_list)
    steps.append(Step("ffmpeg", facts.path, name, "video", args))
    changes.append(_copy_change(facts, profile, findings))
    if facts.vfr:
        warnings.append(f"{name}: variable frame rate kept as recorded (stream copy)")
    plan_cover(post, profile, facts, steps, warnings)


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
