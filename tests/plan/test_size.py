"""The size policy across every profile: tiny, small and large sources, as video, photos,
slideshows and covers, sized by one rule and warned about the same way."""

import dataclasses
from pathlib import Path

import pytest

from repost.media.probe_image import ImageFacts
from repost.plan.cover import fit_cover
from repost.plan.images import plan_images
from repost.plan.options import PlanOptions
from repost.plan.slideshow import plan_slideshow
from repost.plan.video import plan_video
from repost.platforms.model import aspect_value
from repost.platforms.rules import aspect_matches
from repost.post.model import Post

# tiny: a QCIF clip and an icon; small: 360p; large: 4K. Landscape, so every profile reframes.
CLIPS = {"tiny": (176, 144), "small": (640, 360), "large": (3840, 2160)}
IMAGES = {"tiny": (16, 16), "small": (640, 360), "large": (3840, 2160)}
FITS = ("crop", "pad", "blur")


def image(width, height, name="a.jpg") -> ImageFacts:
    return ImageFacts(
        Path(f"/photos/{name}"), 1000, "jpeg", "RGB", width, height, 1, False, None, 1, False, False
    )


def recommended(rules, aspect: float) -> tuple[float, float]:
    """The profile's width_px x height_px turned to the frame's orientation, the frame at
    ``aspect`` filling it on one side (the profiles give no maximum below it)."""
    w, h = rules.width_px, rules.height_px
    if (aspect > 1) != (w > h):
        w, h = h, w
    return (h * aspect, h) if w / h > aspect else (w, w / aspect)


def own_fill(src, rec, fit, same_shape) -> float:
    """How much of the recommended frame the source's own pixels fill."""
    rw, rh = src[0] / rec[0], src[1] / rec[1]
    if same_shape or fit == "crop":
        return min(rw, rh)
    return max(rw, rh)


def assert_sized_by_the_rule(src, out, rules, fit, same_shape=False, least=None):
    """``out`` is at an accepted aspect, as large as the source's own pixels fill of the
    recommended frame (never above it), enlarged only to the minimum side."""
    aspect = next(a for a in rules.aspects if aspect_matches(*out, a, rules.aspect_tolerance))
    rec = recommended(rules, aspect_value(aspect))
    natural = min(rec) * min(1.0, own_fill(src, rec, fit, same_shape))
    least = rules.min_side_px if least is None else least
    want = max(natural, least or 0)
    assert abs(min(out) - want) <= 2, (src, out, want)  # even (or whole-aspect) rounding
    return rec


def is_below(src, rec, fit, same_shape=False) -> bool:
    return own_fill(src, rec, fit, same_shape) * max(rec) <= max(rec) - 2


def plan_clip(profile, clip, fit):
    planned = plan_video(Post(id="x"), profile, clip, PlanOptions(fit=fit))
    assert not planned.blockers
    return planned.steps, planned.changes, planned.warnings


@pytest.mark.parametrize("fit", FITS)
@pytest.mark.parametrize("kind", sorted(CLIPS))
def test_video_and_its_cover_are_sized_by_the_rule_and_warned_below_the_recommended(
    facts, video_profile, fit, kind
):
    src = CLIPS[kind]
    steps, changes, warnings = plan_clip(video_profile, facts(*src), fit)
    video = next(s for s in steps if s.dest == "01.mp4").rendition
    out = (video.width, video.height)
    rec = assert_sized_by_the_rule(src, out, video_profile.video, fit)
    below = is_below(src, rec, fit)
    assert below == (kind != "large"), (src, out)  # 176x144 and 640x360 are under every 1080p frame
    soft = [w for w in warnings if "it will look soft" in w]
    want = f"source {src[0]}x{src[1]} is below the recommended {round(rec[0])}x{round(rec[1])}"
    assert soft == ([f"{want}; it will look soft"] if below else []), warnings
    enlarged = min(video.content_width, video.content_height) > min(src) + 2 and fit != "crop"
    assert not enlarged or any("minimum side" in c for c in changes), changes
    cover = next((s.op for s in steps if s.dest == "cover.jpg"), None)
    if cover is not None:  # the cover: the same rule, the same minimum as the video it stands for
        made = fit_cover(src, cover.aspect, cover.frame, cover.fit, cover.min_side_px).canvas
        assert cover.min_side_px == video_profile.video.min_side_px
        if aspect_matches(*out, cover.aspect, 0.01):
            assert abs(made[0] - out[0]) <= 2 and abs(made[1] - out[1]) <= 2, (made, out)
        rec = recommended(video_profile.video, aspect_value(cover.aspect))
        natural = min(rec) * min(1.0, own_fill(src, rec, cover.fit, False))
        assert abs(min(made) - max(natural, cover.min_side_px or 0)) <= 2, (made, natural)


# 176x144 (QCIF) as each platform makes it: enlarged to the minimum side where there is one
# (TikTok 360, RedNote and Lemon8 720), kept at its own 144-176 px where there is none; the
# cover alike (it was 176x234 beside a 720x960 video, and 176x312 beside TikTok's 360x640).
QCIF = {
    "tiktok": ((360, 640), (360, 640)),
    "reels": ((176, 312), (176, 312)),
    "rednote": ((720, 960), (720, 960)),
    "lemon8": ((720, 960), (720, 960)),
    "shorts": ((176, 312), None),  # Shorts reframes to its preferred 9:16 (reframe_to: preferred)
}


@pytest.mark.parametrize("pid", sorted(QCIF))
def test_qcif_clip_table(facts, profiles, pid):
    steps, _, warnings = plan_clip(profiles[pid], facts(176, 144), "blur")
    video = next(s for s in steps if s.dest == "01.mp4").rendition
    cover = next((s.op for s in steps if s.dest == "cover.jpg"), None)
    made = cover and fit_cover((176, 144), cover.aspect, cover.frame, cover.fit, cover.min_side_px).canvas
    assert ((video.width, video.height), made) == QCIF[pid]
    assert any(w.startswith("source 176x144 is below the recommended") for w in warnings)


@pytest.mark.parametrize("fit", FITS)
@pytest.mark.parametrize("kind", sorted(IMAGES))
def test_photos_are_sized_by_the_rule_and_warned_below_the_recommended(photo_profile, fit, kind):
    src = IMAGES[kind]
    planned = plan_images(photo_profile, [image(*src)], PlanOptions(fit=fit))
    steps, warnings, blockers = planned.steps, planned.warnings, planned.blockers
    assert not blockers, blockers
    (step,) = steps
    rules = photo_profile.image
    out = src if step.action == "copy" else step.op.canvas
    same = step.action == "copy" or (step.op.box == (0, 0, *src) and step.op.place == (0, 0, *out))
    rec = assert_sized_by_the_rule(src, out, rules, fit, same_shape=same)
    if step.action != "copy":  # the picture is never enlarged: no photo profile gives a minimum
        *_, w, h = step.op.place
        box = step.op.box
        assert w <= box[2] - box[0] + 1 and h <= box[3] - box[1] + 1, (src, step.op)
    below = is_below(src, rec, fit, same)
    assert below == (kind != "large"), (src, out)
    soft = [w for w in warnings if "it will look soft" in w]
    name = step.dest
    want = f"{name}: source {src[0]}x{src[1]} is below the recommended {round(rec[0])}x{round(rec[1])}"
    assert soft == ([f"{want}; it will look soft"] if below else []), warnings


def test_a_16x16_icon_is_never_a_silent_9x16_photo(photo_profile):
    planned = plan_images(photo_profile, [image(16, 16)], PlanOptions(fit="blur"))
    steps, warnings = planned.steps, planned.warnings
    (step,) = steps
    if step.action == "photo":
        *_, w, h = step.op.place
        assert (w, h) == (16, 16), step.op  # kept whole: 9x16 with a 9x9 picture it was
    assert any(w.startswith("01.jpg: source 16x16 is below the recommended") for w in warnings), warnings


def test_a_photo_profile_minimum_enlarges_as_far_as_it_and_no_further(profiles):
    rednote = profiles["rednote"]
    strict = dataclasses.replace(rednote, image=dataclasses.replace(rednote.image, min_side_px=480))
    planned = plan_images(strict, [image(300, 400), image(16, 16, "b.jpg")], PlanOptions())
    steps, warnings, blockers = planned.steps, planned.warnings, planned.blockers
    assert not blockers
    assert [s.action for s in steps] == ["photo", "photo"]  # below the minimum: not copied as it is
    assert [s.op.canvas for s in steps] == [(480, 640), (480, 480)]
    assert len([w for w in warnings if "it will look soft" in w]) == 2


@pytest.mark.parametrize("kind", sorted(IMAGES))
def test_slideshow_frame_by_the_rule(video_profile, kind):
    src = IMAGES[kind]
    rules = video_profile.video
    post = Post(id="x")
    planned = plan_slideshow(post, video_profile, [image(*src)], PlanOptions(fit="blur"))
    steps, warnings = planned.steps, planned.warnings
    (step,) = steps
    out = step.op.size
    assert aspect_matches(*out, rules.preferred_aspect, rules.aspect_tolerance), out
    rec = assert_sized_by_the_rule(src, out, rules, "blur")
    below = is_below(src, rec, "blur")
    assert below == (kind != "large")
    assert bool([w for w in warnings if "it will look soft" in w]) == below, warnings
