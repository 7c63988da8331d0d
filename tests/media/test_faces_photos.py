"""fit smart on photos and covers: the crop window keeps the faces inside."""

from __future__ import annotations

import pytest
from PIL import Image

from repost.media.faces import box_over_faces, find_faces

pytestmark = pytest.mark.timeout(240)


def _faces_in(path) -> int:
    import numpy as np

    picture = Image.open(path).convert("RGB")
    return len(find_faces(np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])))


@pytest.fixture(scope="module")
def wide_photo(tmp_path_factory, smart_clips):
    """An 8:3 photo with a face at its far left: a centre crop to 4:3 cuts it off."""
    folder = tmp_path_factory.mktemp("faces")
    head, _ = smart_clips.head()
    photo = Image.new("RGB", (1200, 450), (40, 60, 80))
    photo.paste(Image.open(head).convert("RGB"), (30, 150))
    dest = folder / "wide.jpg"
    photo.save(dest, quality=92)
    return dest


def test_the_box_slides_over_the_face_and_stays_put_without_one(wide_photo):
    image = Image.open(wide_photo)
    centre = (300, 0, 900, 450)
    left, top, right, bottom = box_over_faces(image, centre)
    assert (right - left, top, bottom) == (600, 0, 450)
    assert left < 30 and right > 30 + 120
    assert box_over_faces(Image.new("RGB", (1200, 450), "gray"), centre) == centre


@pytest.mark.parametrize(("fit", "faces"), [("smart", 1), ("crop", 0)])
def test_photo_posts_keep_the_face_with_smart(wide_photo, write_post, run, tmp_path, fit, faces):
    post = write_post("title: hi\nmedia: [wide.jpg]\n", {"wide.jpg": wide_photo})
    out = tmp_path / "out"
    result = run("export", post, "--to", "rednote", "--fit", fit, "--out", out)
    assert result.code == 0, result.err
    bundle = next(out.glob("*/rednote"))
    assert _faces_in(bundle / "01.jpg") == faces
    if fit == "smart":
        assert "around the faces" in (bundle / "manifest.json").read_text()


@pytest.mark.parametrize(("fit", "faces"), [("smart", 1), ("crop", 0)])
def test_a_video_cover_keeps_the_face_with_smart(tmp_path, write_post, run, smart_clips, fit, faces):
    # the face still, at the far left
    clip = smart_clips.shots("left.mp4", [(smart_clips.DARK, 2.0, [("10", "100")])])
    post = write_post("title: hi\nmedia: [left.mp4]\n", {"left.mp4": clip})
    out = tmp_path / "out"
    result = run("export", post, "--to", "rednote", "--fit", fit, "--out", out)
    assert result.code == 0, result.err
    assert _faces_in(next(out.glob("*/rednote")) / "cover.jpg") == faces
