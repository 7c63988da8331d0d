"""Smart reframe on real pictures: a face photo walked, cut and doubled across a 16:9 frame."""

from __future__ import annotations

import json

import pytest

from repost.media.faces import find_faces
from repost.media.probe import probe_media
from repost.media.subject import analyse_video
from repost.plan.camera import plan_camera, position_at
from repost.plan.rendition import centre_crop

pytestmark = pytest.mark.timeout(240)
CROP = centre_crop(640, 360, 9 / 16)


@pytest.fixture(scope="module")
def clips(smart_clips):
    return {"walk": smart_clips.walking(), "cut": smart_clips.cut(), "two": smart_clips.two_faces()}


def test_the_detector_finds_the_face_in_the_photo(smart_clips):
    import numpy as np
    from PIL import Image

    head, (fx, fy, fw, fh) = smart_clips.head()
    bgr = np.ascontiguousarray(np.asarray(Image.open(head).convert("RGB"))[:, :, ::-1])
    faces = find_faces(bgr)
    assert len(faces) == 1
    f = faces[0]
    assert abs((f.x + f.w / 2) - (fx + fw / 2)) < fw / 4 and abs((f.y + f.h / 2) - (fy + fh / 2)) < fh / 3
    assert find_faces(np.full_like(bgr, 90)) == []  # a plain picture has none


def test_yunet_is_the_detector_from_the_model_repost_ships(smart_clips):
    """YuNet, not the Haar cascade: the model comes with repost's own package (never downloaded),
    and its faces carry YuNet's confidence (the cascade gives none, recorded as 1.0)."""
    import hashlib
    import importlib.resources

    import numpy as np
    from PIL import Image

    from repost.media import faces as faces_module

    shipped = importlib.resources.files("repost.media").joinpath("models/" + faces_module.YUNET_FILE)
    assert shipped.is_file()
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert digest == "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
    assert faces_module._yunet_model() == str(shipped)
    assert faces_module.detector_name() == "yunet"
    head, _ = smart_clips.head()
    bgr = np.ascontiguousarray(np.asarray(Image.open(head).convert("RGB"))[:, :, ::-1])
    found = find_faces(bgr)
    assert found and all(faces_module.YUNET_SCORE <= f.score < 1.0 for f in found)


@pytest.mark.parametrize("name", ["walk", "cut", "two"])
def test_smart_keeps_the_faces_in_the_window_where_the_centre_crop_loses_them(clips, smart_clips, name):
    clip = clips[name]
    track = analyse_video(clip.path, probe_media(clip.path))
    path = plan_camera(track, CROP)
    smart = clip.inside_share(lambda t: position_at(path, t), CROP[0])
    centre = clip.inside_share(lambda t: (smart_clips.WIDTH - CROP[0]) / 2, CROP[0])
    assert smart >= 0.95, (smart, path)
    assert centre < 0.6


def test_the_cut_is_found_on_its_frame_and_starts_a_new_shot(clips):
    clip = clips["cut"]
    track = analyse_video(clip.path, probe_media(clip.path))
    assert [round(c, 2) for c in track.cuts] == [3.0]
    path = plan_camera(track, CROP)
    assert [s.start_s for s in path.shots] == [0.0, 3.0]
    assert clips["walk"].path and not analyse_video(clips["walk"].path, probe_media(clips["walk"].path)).cuts


def test_export_fit_smart_renders_the_path_and_records_it(clips, write_post, run, tmp_path):
    post = write_post("title: walk\nmedia: [cut.mp4]\n", {"cut.mp4": clips["cut"].path})
    out = tmp_path / "out"
    result = run("export", post, "--to", "tiktok", "--fit", "smart", "--out", out)
    assert result.code == 0, result.err
    bundle = next(out.glob("*/tiktok"))
    manifest = json.loads((bundle / "manifest.json").read_text())
    reframe = manifest["files"][0]["reframe"]
    assert reframe["window"] == {"width": CROP[0], "height": CROP[1]}
    assert [s["start_s"] for s in reframe["shots"]] == [0.0, 3.0]
    assert any("following the faces" in c for c in manifest["changes"])
    # The rendered picture holds the face in (nearly) every sampled frame.
    import av

    with av.open(str(bundle / "01.mp4")) as c:
        frames = [f.to_ndarray(format="bgr24") for i, f in enumerate(c.decode(video=0)) if i % 10 == 0]
    assert sum(bool(find_faces(f)) for f in frames) >= 0.9 * len(frames)


def test_no_subject_falls_back_to_the_profile_fit_and_says_so(media_factory, write_post, run, tmp_path):
    flat = media_factory("flat_169.mp4", size="640x360", extra_args=["-vf", "drawbox=c=gray:t=fill"])
    post = write_post("title: flat\nfit: smart\nmedia: [flat.mp4]\n", {"flat.mp4": flat})
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok", "--out", out).code == 0
    manifest = json.loads((next(out.glob("*/tiktok")) / "manifest.json").read_text())
    assert "reframe" not in manifest["files"][0]
    assert any("smart reframe" in w and "blur" in w for w in manifest["warnings"])
    assert any("blurred copy" in c for c in manifest["changes"])
