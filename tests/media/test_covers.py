"""Covers: the automatic frame pick, fitting to the cover shape, and text without tofu."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from repost.media import fonts
from repost.media.covers import decode_frames, make_cover, score_frame
from repost.media.ffmpeg import run_ffmpeg
from repost.media.probe import probe_media
from repost.plan.cover import plan_cover, plan_photo_cover
from repost.plan.options import PlanOptions
from repost.post.model import Cover, Post

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@pytest.fixture(scope="module")
def clip_black_start(tmp_path_factory) -> Path:
    """3 s: black for the first 1.5 s, then a test picture (a fade-in gone wrong)."""
    path = tmp_path_factory.mktemp("covers") / "black_start.mp4"
    graph = (
        "color=black:size=180x320:rate=30:duration=1.5[a];"
        "testsrc2=size=180x320:rate=30:duration=1.5[b];[a][b]concat=n=2:v=1:a=0[v]"
    )
    run_ffmpeg(["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "superfast",
                "-pix_fmt", "yuv420p", "-y", path])  # fmt: skip
    return path


def _make(tmp_path, post, profile, facts=None, first_photo=None) -> tuple[Image.Image, list[str]]:
    text = (post.cover_text or "").strip()
    chosen = {text: fonts.choose_font(text)} if text else {}  # as export chooses them
    if facts is not None:
        planned = plan_cover(post, profile, facts, PlanOptions(), chosen)
    else:
        photo = probe_media(first_photo)  # probed before planning, as export does
        cover = probe_media(post.cover.path) if post.cover is not None and post.cover.path else None
        size = (photo.width, photo.height)
        planned = plan_photo_cover(
            post, profile, first_photo, PlanOptions(), chosen, size=size, cover_facts=cover
        )
    (step,) = planned.steps
    warnings = list(planned.warnings)
    dest = tmp_path / f"cover-{len(list(tmp_path.iterdir()))}.jpg"
    make_cover(step, dest)
    return Image.open(dest).convert("RGB"), warnings


def _luma(im) -> float:
    return float(np.asarray(im.convert("L"), dtype=np.float32).mean())


def test_automatic_cover_avoids_a_black_opening(tmp_path, profiles, clip_black_start):
    facts = probe_media(clip_black_start)
    (quarter,) = decode_frames(clip_black_start, (facts.duration_s * 0.25,))
    assert _luma(quarter) < 10  # the old "25% in" rule would have made a black cover
    cover, _ = _make(tmp_path, Post(id="x"), profiles["rednote"], facts)
    assert _luma(cover) > 40 and float(np.asarray(cover.convert("L")).std()) > 20
    assert abs(cover.width / cover.height - 3 / 4) < 0.01  # RedNote's cover shape


def test_cover_at_a_time_is_that_frame(tmp_path, profiles, clip_black_start):
    facts = probe_media(clip_black_start)
    cover, _ = _make(tmp_path, Post(id="x", cover=Cover(time_s=0.5)), profiles["tiktok"], facts)
    # asked for: black, at 9:16, enlarged from 180x320 only as far as TikTok's 360 px minimum
    # side makes the video (the size policy: a cover is sized as the post it stands for)
    assert _luma(cover) < 10 and cover.size == (360, 640)


def test_score_prefers_sharp_over_black_blurred_and_faded(image_factory):
    sharp = Image.open(image_factory("score.png", size=(320, 240))).convert("RGB")
    sharp = Image.effect_noise((320, 240), 60).convert("RGB").resize((320, 240))
    black = Image.new("RGB", (320, 240))
    blurred = sharp.filter(ImageFilter.GaussianBlur(6))
    faded = Image.blend(black, sharp, 0.25)  # the middle of a fade from black
    assert score_frame(black) == 0
    assert score_frame(sharp) > score_frame(blurred) and score_frame(sharp) > score_frame(faded)


def test_reels_cover_text_stays_inside_the_grid_crop(tmp_path, profiles, image_factory):
    photo = image_factory("cover_src.jpg", size=(540, 960))
    reels = profiles["reels"]
    assert reels.cover.safe_aspect == "3:4"
    plain, _ = _make(tmp_path, Post(id="x", cover=Cover(path=photo)), reels, first_photo=photo)
    texted, warnings = _make(
        tmp_path, Post(id="x", cover=Cover(path=photo), cover_text="Matcha week"), reels, first_photo=photo
    )
    assert not warnings
    diff = np.abs(np.asarray(texted, dtype=np.int16) - np.asarray(plain, dtype=np.int16)).sum(axis=2) > 60
    rows = np.nonzero(diff.any(axis=1))[0]
    band = (960 - 540 * 4 / 3) / 2  # the 3:4 grid shows rows 120-840 of a 540x960 cover
    assert rows.size and rows.min() >= band and rows.max() <= 960 - band


def test_missing_glyphs_warn_and_are_never_drawn(tmp_path, profiles, image_factory, monkeypatch):
    if not DEJAVU.is_file():
        pytest.skip("needs DejaVu Sans (fonts-dejavu-core), a font without CJK glyphs")
    monkeypatch.setattr(fonts, "font_paths", lambda: [DEJAVU])
    photo = image_factory("cover_src2.jpg", size=(300, 400))
    post = Post(id="x", cover_text="小红书 Hi")
    cover, warnings = _make(tmp_path, post, profiles["rednote"], first_photo=photo)
    assert any("'书小红'" in w and "drawn without them" in w for w in warnings), warnings
    ascii_only, _ = _make(tmp_path, Post(id="x", cover_text="Hi"), profiles["rednote"], first_photo=photo)
    assert np.array_equal(np.asarray(cover), np.asarray(ascii_only))  # no boxes where CJK was
    _, none = _make(tmp_path, Post(id="x", cover_text="小红书"), profiles["rednote"], first_photo=photo)
    assert any("not drawn" in w for w in none)


def test_cjk_cover_text_with_an_installed_cjk_font(tmp_path, profiles, image_factory):
    if fonts.choose_font("小红书").missing:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    photo = image_factory("cover_src3.jpg", size=(300, 400))
    cover, warnings = _make(
        tmp_path, Post(id="x", cover_text="小红书笔记"), profiles["rednote"], first_photo=photo
    )
    plain, _ = _make(tmp_path, Post(id="x", cover=Cover(path=photo)), profiles["rednote"], first_photo=photo)
    assert not warnings and not np.array_equal(np.asarray(cover), np.asarray(plain))


def test_cover_frame_of_a_rotated_phone_video_is_upright(tmp_path, clip_rotated):
    facts = probe_media(clip_rotated)
    (ours,) = decode_frames(clip_rotated, (0.5,), facts.rotation)
    reference = tmp_path / "ffmpeg.png"  # ffmpeg applies the display matrix itself (autorotate)
    run_ffmpeg(["-ss", "0.5", "-i", clip_rotated, "-frames:v", "1", "-update", "1", "-y", reference])
    theirs = np.asarray(Image.open(reference).convert("RGB"), dtype=np.int16)
    assert ours.size == (facts.width, facts.height) == (360, 640)
    assert np.abs(np.asarray(ours, dtype=np.int16) - theirs).mean() < 8
    wrong = ours.rotate(180)
    assert np.abs(np.asarray(wrong, dtype=np.int16) - theirs).mean() > 20


def test_a_source_is_decoded_once_for_every_platform_s_cover(clip_black_start, monkeypatch, tmp_path):
    from repost.media import covers

    calls = []
    real = covers._decode_frames
    monkeypatch.setattr(covers, "_decode_frames", lambda *a, **k: calls.append(a) or real(*a, **k))
    covers._decode_frames_once.cache_clear()
    times = (0.5, 2.0, 2.5)
    (first,) = decode_frames(clip_black_start, times, best=True)
    (second,) = decode_frames(clip_black_start, times, best=True)
    assert len(calls) == 1 and np.array_equal(np.asarray(first), np.asarray(second))
    first.paste((255, 0, 0), (0, 0, 64, 64))  # a caller drawing on its copy changes no other
    assert not np.array_equal(np.asarray(first), np.asarray(second))
    decode_frames(clip_black_start, times, best=False)  # other questions are decoded afresh
    changed = tmp_path / "changed.mp4"
    changed.write_bytes(clip_black_start.read_bytes())
    decode_frames(changed, times, best=True)
    assert len(calls) == 3


FRAME_KINDS = [("360x640", "yuv420p"), ("174x98", "yuv420p"), ("176x144", "yuvj420p"), ("250x142", "yuv444p")]


def test_a_frame_becomes_the_picture_pyav_makes_of_it(media_factory):
    """Frames turned into RGB (and small grey) by converters reused from frame to frame are
    PyAV's own to_image() (and reformat()), pixel for pixel, whatever their size (rows padded
    in memory) or pixel format, as the frames' kind changes from one to the next."""
    import av

    from repost.media.covers import picture_of, small_score_grey

    clips = [
        media_factory(f"frames-{size}-{fmt}.mp4", size=size, pix_fmt=fmt, audio=None)
        for size, fmt in FRAME_KINDS
    ]
    for clip in [*clips, *reversed(clips)]:
        with av.open(str(clip)) as container:
            for _, frame in zip(range(2), container.decode(video=0), strict=False):
                ours = picture_of(frame)
                assert ours.mode == "RGB" and ours.size == (frame.width, frame.height)
                assert ours.tobytes() == frame.to_image().tobytes()
                grey = frame.reformat(width=256, height=small_score_grey(frame).shape[0], format="gray")
                assert np.array_equal(small_score_grey(frame), grey.to_ndarray())


def test_covers_of_two_shapes_scale_the_frame_once(tmp_path, profiles, media_factory, monkeypatch):
    """A 16:9 frame fitted with a blurred border is the same picture, as wide as the cover, on
    a 9:16 and on a 3:4 canvas: scaled once for both, each cover exactly as if made alone."""
    from repost.media import covers
    from repost.plan.options import PlanOptions

    facts = probe_media(media_factory("wide-720p.mp4", size="1280x720", audio=None))
    steps = [
        plan_cover(Post(id="x"), profiles[p], facts, PlanOptions(fit="blur"), {}).steps[0]
        for p in ("reels", "rednote")
    ]
    assert steps[0].op.photo.canvas != steps[1].op.photo.canvas
    assert steps[0].op.photo.place[2:] == steps[1].op.photo.place[2:]  # the same scaled picture
    alone = []
    for i, step in enumerate(steps):
        vars(covers).get("_scaled", {}).clear()  # each made alone: nothing remembered
        make_cover(step, tmp_path / f"alone-{i}.jpg")
        alone.append((tmp_path / f"alone-{i}.jpg").read_bytes())
    vars(covers).get("_scaled", {}).clear()
    scalings = []
    real = Image.Image.resize

    def resize(im, size, *a, **k):
        if size == tuple(steps[0].op.photo.place[2:]):
            scalings.append(size)
        return real(im, size, *a, **k)

    monkeypatch.setattr(Image.Image, "resize", resize)
    for i, step in enumerate(steps):
        make_cover(step, tmp_path / f"both-{i}.jpg")
        assert (tmp_path / f"both-{i}.jpg").read_bytes() == alone[i]
    assert len(scalings) == 1
