"""End to end: a source below the recommended size is warned about in the manifest and by
validate (never an error); frame rates are changed only where a profile demands it."""

import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from repost.media.probe import clear_probe_cache, probe_media
from repost.platforms.profiles import builtin_profile_dir

SOFT = "it will look soft"


def manifest(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def rednote_with(tmp_path: Path, **video) -> Path:
    """A profiles folder whose rednote.yaml has the video figures given (min_fps=23, ...)."""
    data = yaml.safe_load((builtin_profile_dir() / "rednote.yaml").read_text(encoding="utf-8"))
    for key, value in video.items():
        data["video"][key]["value"] = value
    folder = tmp_path / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rednote.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.timeout(300)
def test_a_qcif_clip_is_warned_about_in_the_manifest_and_by_validate(
    run, write_post, media_factory, tmp_path
):
    clip = media_factory("qcif.mp4", size="176x144", duration=3.2, sample_rate=48000)
    post = write_post("caption: tiny\nmedia: [clip.mp4]\n", media={"clip.mp4": clip}, folder="qcif")
    out = tmp_path / "out"
    result = run("export", post, "--to", "all", "--out", out)
    assert result.code == 0, result.out + result.err
    checked = run("validate", out, "--json")
    assert checked.code == 0, checked.out
    reports = {Path(b["path"]).name: b for b in checked.json()["bundles"]}
    assert set(reports) == {"lemon8", "rednote", "reels", "shorts", "tiktok"}
    for platform, report in reports.items():
        m = manifest(out / "qcif" / platform)
        (warning,) = [w for w in m["warnings"] if SOFT in w]
        assert warning.startswith("source 176x144 is below the recommended 10"), warning
        video = next(f for f in m["files"] if f["role"] == "video")
        size = f"{video['width']}x{video['height']}"
        assert report["ok"], report
        soft = {f["file"]: f for f in report["findings"] if f["field"] == "size"}
        # the video and its cover, from their own sizes, each a warning naming both sizes
        assert soft["01.mp4"]["severity"] == "warning" and soft["01.mp4"]["actual"] == size
        assert f"01.mp4: {size} is below the recommended" in soft["01.mp4"]["message"]
        assert soft["01.mp4"]["limit"] in warning
        assert ("cover.jpg" in soft) == any(f["role"] == "cover" for f in m["files"]), platform


@pytest.mark.timeout(300)
def test_a_16x16_image_is_warned_about_on_every_platform(run, write_post, image_factory, tmp_path):
    icon = image_factory("icon16.png", size=(16, 16))
    post = write_post("media: [icon.png]\n", media={"icon.png": icon}, folder="icon")
    out = tmp_path / "out"
    assert run("export", post, "--to", "all", "--out", out).code == 0
    for bundle in sorted((out / "icon").iterdir()):
        soft = [w for w in manifest(bundle)["warnings"] if SOFT in w]
        assert len(soft) == 1 and "source 16x16 is below the recommended" in soft[0], bundle.name
    checked = run("validate", out, "--json")
    assert checked.code == 0, checked.out
    for report in checked.json()["bundles"]:
        assert any(f["field"] == "size" and f["severity"] == "warning" for f in report["findings"])


def test_a_clip_at_the_recommended_size_is_not_warned_about(run, write_post, media_factory, tmp_path):
    clip = media_factory("hd_916.mp4", size="1080x1920", duration=3.2, sample_rate=48000)
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip}, folder="hd")
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out", "--dry-run", "--json")
    (plan,) = result.json()["plans"]
    assert not [w for w in plan["warnings"] if SOFT in w]


def _export(run, post, out, profiles, *more):
    result = run("export", post, "--to", "rednote", "--out", out, "--profiles", profiles, *more)
    assert result.code == 0, result.out + result.err
    return manifest(next(out.glob("*/rednote")))


@pytest.mark.timeout(300)
def test_a_25_fps_clip_is_copied_where_the_minimum_allows_it(run, write_post, media_factory, tmp_path):
    clip = media_factory(
        "pal_916.mp4",
        size="720x1280",
        fps=25,
        duration=3.2,
        sample_rate=48000,
        extra_args=("-use_editlist", "0"),
    )
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip}, folder="pal")
    m = _export(run, post, tmp_path / "low", rednote_with(tmp_path / "a", min_fps=23))
    assert m["changes"][0].startswith("copied H264/AAC streams as they are (no re-encode)"), m["changes"]
    assert not any("frame rate" in c for c in m["changes"])
    # A profile that does demand 30 fps gets it, and says so.
    m = _export(run, post, tmp_path / "high", rednote_with(tmp_path / "b", min_fps=30))
    assert "frame rate 25 fps to constant 30 fps" in m["changes"], m["changes"]


@pytest.mark.timeout(300)
def test_a_2997_fps_clip_is_never_retimed_to_30(run, write_post, media_factory, tmp_path):
    profiles = rednote_with(tmp_path, min_fps=30)
    ntsc = media_factory(
        "ntsc_916.mp4",
        size="720x1280",
        fps="30000/1001",
        duration=3.2,
        sample_rate=48000,
        extra_args=("-use_editlist", "0"),
    )
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": ntsc}, folder="ntsc")
    m = _export(run, post, tmp_path / "copy", profiles)
    assert m["changes"][0].startswith("copied"), m["changes"]  # 29.97 is within a 30 fps minimum
    assert run("validate", tmp_path / "copy", "--profiles", profiles).code == 0
    # Re-encoded for another reason (16:9 reframed to 3:4): the rate stays 30000/1001.
    wide = media_factory("ntsc_169.mp4", size="640x360", fps="30000/1001", duration=3.2, sample_rate=48000)
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": wide}, folder="ntsc-wide")
    m = _export(run, post, tmp_path / "encode", profiles)
    assert any(c.startswith("re-encoded") for c in m["changes"]), m["changes"]
    assert not any("frame rate" in c for c in m["changes"]), m["changes"]
    clear_probe_cache()
    video = probe_media(tmp_path / "encode" / "ntsc-wide" / "rednote" / "01.mp4")
    assert Fraction(video.fps_fraction) == Fraction(30000, 1001), video.fps_fraction
