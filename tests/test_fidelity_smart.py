"""validate --against-source on bundles made with fit smart: the source is compared through the
same moving crop the video was made with (the path provenance records), and a photo or cover
through the box that followed the faces (issue 17)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.timeout(300)


def _export(root: Path, media: dict[str, Path], to: str) -> Path:
    from repost.cli.main import main

    post = root / "post"
    post.mkdir(parents=True)
    for name, src in media.items():
        shutil.copyfile(src, post / name)
    listed = ", ".join(media)
    (post / "post.yaml").write_text(f"caption: a walk\nmedia: [{listed}]\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["export", str(post), "--to", to, "--out", str(root / "out"), "--fit", "smart"])
    assert info.value.code == 0
    return root / "out" / "post" / to


def _errors(run, bundle: Path) -> dict[str, dict]:
    result = run("validate", bundle, "--against-source", "--json")
    found = result.json()["bundles"][0]["findings"]
    return {f"{f['file']}:{f['field']}": f for f in found if f["severity"] == "error"}


@pytest.fixture(scope="module")
def smart_video(tmp_path_factory, smart_clips):
    root = tmp_path_factory.mktemp("smart-fidelity")
    return _export(root, {"walk.mp4": smart_clips.walking().path}, "tiktok")


def test_the_moving_crop_is_recorded_and_compared(run, smart_video):
    manifest = json.loads((smart_video / "manifest.json").read_text(encoding="utf-8"))
    video = next(f for f in manifest["files"] if f["role"] == "video")
    edit = video["source"]["edit"]
    assert edit["fit"] == "smart" and edit["path"]["axis"] == "x"
    assert edit["path"]["keys"] == [[k["t"], k["x"]] for k in video["reframe"]["keys"]]
    window = video["reframe"]["window"]
    assert edit["source_box"][2:] == [window["width"], window["height"]]
    assert _errors(run, smart_video) == {}


def test_a_path_other_than_the_one_rendered_is_caught(run, smart_video, tmp_path):
    """The comparison follows the recorded path: held still at the start, the walk is lost."""
    bundle = tmp_path / "tiktok"
    shutil.copytree(smart_video, bundle)
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    video = next(f for f in manifest["files"] if f["role"] == "video")
    path = video["source"]["edit"]["path"]
    path["keys"] = [[t, path["keys"][0][1]] for t, _ in path["keys"]]
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    found = _errors(run, bundle)
    assert f"{video['path']}:ssim" in found and found[f"{video['path']}:ssim"]["actual"] < 0.95


def test_a_photo_slid_over_a_face_is_compared_through_that_box(run, tmp_path, smart_clips):
    """An 8:3 photo with a face at its far left, cropped to RedNote's 3:4 around the face."""
    head, _ = smart_clips.head()
    photo = Image.new("RGB", (1200, 450), (40, 60, 80))
    photo.paste(Image.open(head).convert("RGB"), (30, 150))
    for x in range(0, 1200, 40):  # texture, so a box in the wrong place scores low
        photo.paste((200, 120 + x % 100, 60), (x, 20, x + 20, 60))
    src = tmp_path / "wide.jpg"
    photo.save(src, quality=95)
    bundle = _export(tmp_path / "p", {"wide.jpg": src}, "rednote")
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    edit = next(f for f in manifest["files"] if f["role"] == "image")["source"]["edit"]
    assert edit["fit"] == "crop"
    left, _, width, _ = edit["source_box"]
    assert left < 30 < left + width  # the box holds the face, not the centre (left 431)
    assert _errors(run, bundle) == {}
