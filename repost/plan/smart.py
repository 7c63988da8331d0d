"""The conform of a video with fit "smart" (pure): a crop that follows the subject, else the profile's fit."""

from __future__ import annotations

import dataclasses

from repost.plan.camera import describe_path, plan_camera
from repost.plan.options import PlanOptions
from repost.plan.rendition import centre_crop, plan_conform


def plan_smart(facts, profile, options: PlanOptions, levels, track, start_s: float, length_s: float | None):
    """A crop whose window follows ``track`` (a media.subject.SubjectTrack, found before
    planning); where there is none, or a shot has no confident subject, the profile's own fit
    (smart as its default: blur), said in a change and a warning."""
    cropped = dataclasses.replace(options, fit="crop")
    conform = plan_conform(facts, profile, cropped, levels, start_s=start_s, length_s=length_s)
    r = conform.rendition
    if r is None or r.fit != "crop":  # copied, or already of the platform's shape: nothing to frame
        return conform
    crop = r.crop or centre_crop(facts.width, facts.height, r.width / r.height)
    path = plan_camera(track, crop, start_s, r.duration_s) if track is not None else None
    if path is not None:
        changes = tuple(c.replace("around the centre", describe_path(path)) for c in conform.changes)
        return dataclasses.replace(
            conform, rendition=dataclasses.replace(r, fit="smart", camera=path, crop=None), changes=changes
        )
    fallback = profile.video.fit if profile.video.fit != "smart" else "blur"
    instead = dataclasses.replace(options, fit=fallback)
    conform = plan_conform(facts, profile, instead, levels, start_s=start_s, length_s=length_s)
    why = "a shot has no face or clear subject" if track is not None else "the video was not analysed"
    note = f"smart reframe: {why}; fitted with {fallback} instead"
    return dataclasses.replace(conform, warnings=(*conform.warnings, note))
