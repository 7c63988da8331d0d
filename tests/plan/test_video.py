"""The video plan across fit modes: a fit that changes nothing leaves the plan (and so the
bundle's fingerprint) as it is; one that reframes the video or the cover shows in it."""

import pytest

from repost.media.commands import ffmpeg_args
from repost.plan.cover import cover_fit
from repost.plan.options import PlanOptions
from repost.plan.video import plan_video
from repost.post.model import Post

FITS = [None, "crop", "pad", "blur"]
# Cover shapes: RedNote and Lemon8 show a 3:4 cover, the others 9:16 (Shorts takes no cover image).
COVER_34 = {"rednote", "lemon8"}


@pytest.fixture(scope="module")
def plan(profiles):
    """``plan(clip, pid, fit, post=None)``: the video plan's steps (as tuples) and changes."""

    def make(clip, pid, fit, post=None):
        post = post or Post(id="x")
        # --fit over post.yaml's fit, resolved once as plan_bundle resolves it
        planned = plan_video(post, profiles[pid], clip, PlanOptions(fit=fit or post.fit))
        assert not planned.blockers
        return [(s.action, s.dest, ffmpeg_args(s, s.dest), s.op) for s in planned.steps], list(
            planned.changes
        )

    return make


def video_step(steps):
    return next(s for s in steps if s[1] == "01.mp4")


def cover_step(steps):
    return next((s for s in steps if s[1] == "cover.jpg"), None)


def test_a_916_clip_that_fits_is_stream_copied_whatever_the_fit(plan, facts, profile_id):
    pid = profile_id
    for fit in FITS:
        steps, changes = plan(facts(1080, 1920), pid, fit)
        args = video_step(steps)[2]
        assert "libx264" not in args and args[args.index("-c") + 1] == "copy", (pid, fit)
        assert changes[0].startswith("copied"), (pid, fit)


@pytest.mark.parametrize(
    "clip",
    [
        dict(width=1080, height=1920),
        dict(width=360, height=640, duration_s=2.0),  # re-encoded (RedNote's 720 px minimum, Reels' 3 s)
        dict(width=1080, height=1920, coded_width=1920, coded_height=1080, rotation=90),  # held upright
    ],
    ids=["1080x1920", "360x640-2s", "rotated"],
)
def test_a_916_clip_is_planned_the_same_whatever_the_fit_where_the_cover_is_916(
    plan, facts, profile_id, clip
):
    pid = profile_id
    plans = [plan(facts(**clip), pid, fit) for fit in FITS]
    # The video is 9:16 everywhere: no fit touches it.
    assert len({video_step(steps) for steps, _ in plans}) == 1, pid
    assert len({tuple(changes) for _, changes in plans}) == 1, pid
    covers = {cover_step(steps) for steps, _ in plans}
    if pid in COVER_34:
        # A 3:4 cover from a 9:16 frame: cropped, padded or blurred, three different covers.
        assert {c[3].fit for c in covers} == {"crop", "pad", "blur"}, pid
    else:
        assert len(covers) == 1, (pid, covers)


@pytest.mark.parametrize("pid", ["tiktok", "reels", "rednote", "lemon8"])
def test_a_169_clip_is_planned_differently_for_each_fit(facts, plan, pid):
    plans = [plan(facts(1920, 1080), pid, fit) for fit in ("crop", "pad", "blur")]
    assert len({video_step(steps) for steps, _ in plans}) == 3, pid
    assert [cover_step(steps)[3].fit for steps, _ in plans] == ["crop", "pad", "blur"]
    assert plan(facts(1920, 1080), pid, None) == plans[2]  # blur: every built-in profile's default


def test_a_34_clip_keeps_one_rednote_plan_and_gets_a_reels_one_per_fit(facts, plan):
    clip = facts(1080, 1440)
    rednote = {cover_step(plan(clip, "rednote", fit)[0]) for fit in FITS}
    assert len(rednote) == 1 and rednote.pop()[3].fit == "blur"
    reels = [plan(clip, "reels", fit)[0] for fit in ("crop", "pad", "blur")]
    assert len({cover_step(s) for s in reels}) == 3 and len({video_step(s) for s in reels}) == 3


def test_the_cover_follows_post_yaml_fit_like_the_video(facts, plan):
    steps, changes = plan(facts(1920, 1080), "reels", None, Post(id="x", fit="crop"))
    assert any(c.startswith("cropped 16:9 to 9:16") for c in changes)
    assert cover_step(steps)[3].fit == "crop"
    steps, _ = plan(facts(1920, 1080), "reels", "pad", Post(id="x", fit="crop"))
    assert cover_step(steps)[3].fit == "pad"  # --fit wins over post.yaml


def test_cover_fit_keeps_what_it_cannot_judge_and_what_shapes_the_cover():
    frame = (1080, 1920)
    assert cover_fit((720, 1280), "9:16", frame, "crop", "blur") == "blur"
    assert cover_fit((608, 1080), "9:16", frame, "crop", "blur") == "crop"  # 0.09% off: a sliver cut
    assert cover_fit((1280, 720), "9:16", frame, "pad", "blur") == "pad"
    assert cover_fit(None, "9:16", frame, "crop", "blur") == "crop"  # a cover image, not probed
    assert cover_fit((5000, 1), "9:16", frame, "crop", "blur") == "crop"  # too thin: said when made
    assert cover_fit((1280, 720), "9:16", frame, None, "blur") == "blur"
