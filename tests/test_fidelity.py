"""validate --against-source: faults planted in a bundle's video are caught, each with its field,
and clean bundles of every fit pass (no false alarm)."""

import json
import shutil
from pathlib import Path

import pytest

from repost.media.ffmpeg import run_ffmpeg
from repost.media.files import sha256_of
from repost.media.mp4 import MP4_NO_EDIT_LIST

POST = "caption: Evening with the cats.\nmedia: [clip.mp4]\n"
PHOTO_POST = "caption: Evening with the cats.\nmedia: [photo.jpg]\ncover: photo.jpg\n"


def _export(root: Path, media: dict[str, Path], text: str, *options: str) -> Path:
    from repost.cli.main import main

    post = root / "post"
    post.mkdir(parents=True)
    for name, src in media.items():
        shutil.copyfile(src, post / name)
    (post / "post.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["export", str(post), "--to", "tiktok", "--out", str(root / "out"), *options])
    assert info.value.code == 0
    return root / "out" / "post" / "tiktok"


@pytest.fixture(scope="module")
def clip_4s(media_factory):
    """A 4 s 16:9 clip: over TikTok's 3 s minimum, so nothing is held, and 2 s can be cut."""
    return media_factory("fidelity_169_4s.mp4", size="640x360", duration=4.0)


@pytest.fixture(scope="module")
def made(tmp_path_factory, clip_4s):
    """One clean TikTok bundle of the 4 s clip (blur, the profile's fit); tests plant in copies."""
    return _export(tmp_path_factory.mktemp("fidelity"), {"clip.mp4": clip_4s}, POST)


@pytest.fixture
def bundle(made, tmp_path):
    dest = tmp_path / "tiktok"
    shutil.copytree(made, dest)
    return dest


def plant(bundle: Path, *ffmpeg_args: str, vf: str = "") -> None:
    """Rewrite 01.mp4 through ffmpeg and update its manifest entry (sha256, bytes), so that
    plain validate sees a consistent bundle and only the comparison with the source can tell.
    The picture is re-encoded near-losslessly, ``vf`` applied, on a clean 30 fps timeline:
    ffmpeg 9 re-reading a file without edit lists gives its frames uneven times."""
    target = bundle / "01.mp4"
    planted = bundle.parent / "planted.mp4"
    chain = ",".join(p for p in ("setpts=N/(30*TB)", vf) if p)
    video = ["-vf", chain, "-c:v", "libx264", "-preset", "superfast", "-crf", "12"]
    args = ["-y", "-i", target, *video, *ffmpeg_args, *MP4_NO_EDIT_LIST]  # picture and sound start together
    run_ffmpeg([*args, planted])
    shutil.move(planted, target)
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == "01.mp4":
            entry.update(sha256=sha256_of(target), bytes=target.stat().st_size)
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def findings(run, bundle: Path) -> list[dict]:
    """validate --against-source's findings, without plain validate's advice that has nothing
    to do with the source (a small test clip's 'size' warning, norms)."""
    result = run("validate", bundle, "--against-source", "--json")
    data = result.json()
    assert result.code == (0 if data["ok"] else 1)
    return [f for f in data["bundles"][0]["findings"] if not _advice(f)]


def _advice(finding: dict) -> bool:
    return finding["severity"] == "warning" and (
        finding["field"] == "size" or finding["field"].startswith("norm:")
    )


def errors_by_field(found: list[dict]) -> dict[str, dict]:
    return {f["field"]: f for f in found if f["severity"] == "error"}


@pytest.mark.timeout(120)
def test_clean_export_passes_and_records_its_source(run, made, clip_4s):
    assert findings(run, made) == []
    entry = json.loads((made / "manifest.json").read_text(encoding="utf-8"))["files"][0]
    source = entry["source"]
    assert source["path"] == "clip.mp4" and source["bytes"] == clip_4s.stat().st_size
    assert (source["width"], source["height"], source["duration_s"]) == (640, 360, 4.0)
    assert source["audio"] == {"channels": 2, "sample_rate_hz": 44100}
    edit = source["edit"]
    assert edit["fit"] == "blur" and edit["source_box"] == [0, 0, 640, 360]
    x, y, w, h = edit["content_box"]
    assert (w, h) == (640, 360) and y == (entry["height"] - 360) // 2 and x == 0
    assert (edit["start_s"], edit["duration_s"], edit["hold_s"], edit["loudness_lufs"]) == (
        0.0,
        None,
        0.0,
        None,
    )


@pytest.mark.timeout(120)
def test_a_6_db_level_drop_is_caught(run, bundle):
    plant(bundle, "-af", "volume=-6dB", "-c:a", "aac")
    found = errors_by_field(findings(run, bundle))
    assert set(found) == {"integrated_lufs"}, found
    f = found["integrated_lufs"]
    assert f["file"] == "01.mp4" and "± 1" in f["limit"]
    ref = float(f["limit"].split(" ")[0])
    assert 5.0 < ref - f["actual"] < 7.0, f  # measured: the 6 dB drop, give or take the encode
    assert f["message"].startswith("01.mp4: loudness")


@pytest.mark.timeout(120)
def test_a_black_opening_second_is_caught(run, bundle):
    plant(bundle, "-c:a", "copy", vf="drawbox=c=black:t=fill:enable='lt(t,1)'")
    found = errors_by_field(findings(run, bundle))
    assert "black_opening_s" in found, found
    f = found["black_opening_s"]
    assert 0.9 <= f["actual"] <= 1.1 and f["limit"] == pytest.approx(0.1)
    assert "frozen_opening_s" in found  # a black second is also one unchanging picture
    assert "integrated_lufs" not in found and "duration_s" not in found


@pytest.mark.timeout(120)
def test_a_2_second_cut_is_caught(run, bundle):
    plant(bundle, "-t", "2", "-c:a", "copy")
    found = errors_by_field(findings(run, bundle))
    assert "duration_s" in found, found
    f = found["duration_s"]
    assert f["actual"] == pytest.approx(2.0, abs=0.1)
    assert f["limit"].startswith("4.000 ± 0.033")
    assert "no trim, split or hold recorded" in f["message"]


@pytest.mark.timeout(120)
def test_a_deleted_source_is_an_error_naming_it(run, bundle):
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    moved = Path(manifest["files"][0]["source"]["resolved"])
    aside = moved.with_name("aside.mp4")
    moved.rename(aside)
    try:
        found = findings(run, bundle)
    finally:
        aside.rename(moved)
    errors = [f for f in found if f["field"] == "source" and f["severity"] == "error"]
    assert {f["file"] for f in errors} == {"01.mp4", "cover.jpg"}
    assert all(str(moved) in f["message"] and f["actual"] == "missing" for f in errors)
    assert run("validate", bundle).code == 0  # plain validate needs only the bundle


@pytest.mark.timeout(120)
def test_a_changed_source_is_an_error(run, bundle, tmp_path):
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["files"][0]["source"]
    record["bytes"] += 1  # as if the source had been edited since
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    found = errors_by_field(findings(run, bundle))
    assert found["source_bytes"]["actual"] == record["bytes"] - 1


@pytest.mark.timeout(180)
@pytest.mark.parametrize("fit", ["crop", "pad", "blur"])
def test_every_fit_passes_the_picture_comparison(run, tmp_path, clip_4s, fit):
    bundle = _export(tmp_path, {"clip.mp4": clip_4s}, POST, "--fit", fit)
    edit = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["files"][0]["source"]["edit"]
    assert edit["fit"] == fit
    if fit == "crop":
        assert edit["source_box"][2] < 640 and edit["content_box"][:2] == [0, 0]
    else:
        assert edit["source_box"] == [0, 0, 640, 360] and edit["content_box"][1] > 0
    assert findings(run, bundle) == []


@pytest.mark.timeout(180)
def test_a_wrong_picture_is_caught_by_ssim(run, bundle):
    plant(bundle, "-c:a", "copy", vf="hflip")  # same length, sound and opening; mirrored
    found = errors_by_field(findings(run, bundle))
    assert set(found) == {"ssim"}, found
    assert found["ssim"]["actual"] < 0.95 and found["ssim"]["limit"] == 0.95


@pytest.mark.timeout(180)
def test_a_held_rotated_clip_passes(run, tmp_path, clip_rotated):
    bundle = _export(tmp_path, {"clip.mp4": clip_rotated}, POST)
    source = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["files"][0]["source"]
    assert source["rotation"] and source["edit"]["hold_s"] > 1.5  # 1 s held to the 3 s minimum
    assert findings(run, bundle) == []


@pytest.fixture(scope="module")
def textured_photo(tmp_path_factory):
    """A 4:3 photo with detail everywhere (testsrc2), so SSIM has structure to compare."""
    path = tmp_path_factory.mktemp("photo") / "photo.jpg"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "testsrc2=size=800x600", "-frames:v", "1", path])
    return path


@pytest.mark.timeout(120)
@pytest.mark.parametrize("fit", ["crop", "pad", "blur"])
def test_photos_and_covers_pass_for_every_fit(run, tmp_path, textured_photo, fit):
    bundle = _export(tmp_path, {"photo.jpg": textured_photo}, PHOTO_POST, "--fit", fit)
    entries = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["files"]
    edits = {e["path"]: e["source"]["edit"] for e in entries if "source" in e}
    assert set(edits) == {"01.jpg", "cover.jpg"} and edits["01.jpg"]["fit"] == fit
    assert findings(run, bundle) == []


@pytest.mark.timeout(120)
def test_a_replaced_photo_is_caught(run, tmp_path, textured_photo):
    from PIL import Image, ImageOps

    bundle = _export(tmp_path, {"photo.jpg": textured_photo}, PHOTO_POST)
    target = bundle / "01.jpg"
    with Image.open(target) as im:
        ImageOps.mirror(im).save(target, quality=92)
    found = [f for f in findings(run, bundle) if f["severity"] == "error"]
    # sha256: plain validate's own finding (the file changed); ssim: it is not the source's picture
    assert {(f["file"], f["field"]) for f in found} == {("01.jpg", "sha256"), ("01.jpg", "ssim")}


@pytest.mark.timeout(120)
def test_json_findings_shape(run, bundle):
    plant(bundle, "-t", "2", "-c:a", "copy")
    result = run("validate", bundle, "--against-source", "--json")
    data = result.json()
    assert result.code == 1 and data["ok"] is False
    (report,) = data["bundles"]
    assert report["ok"] is False and report["platform"] == "tiktok"
    for f in report["findings"]:
        assert set(f) == {"file", "field", "limit", "actual", "severity", "message"}
        assert f["severity"] in ("error", "warning") and f["message"].startswith(f"{f['file']}: ")


@pytest.mark.timeout(120)
def test_a_bundle_without_source_records_is_warned_not_failed(run, bundle):
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        entry.pop("source", None)
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    found = findings(run, bundle)
    assert {(f["file"], f["field"], f["severity"]) for f in found} == {
        ("01.mp4", "source", "warning"),
        ("cover.jpg", "source", "warning"),
    }


@pytest.fixture
def short_profile(tmp_path):
    """A folder with profile "brief": TikTok's, but at most 2.5 s long (so a 4 s clip is
    trimmed, or split in two 2 s parts) and at least 1 s."""
    import yaml

    from repost.platforms.profiles import builtin_profile_dir

    data = yaml.safe_load((builtin_profile_dir() / "tiktok.yaml").read_text(encoding="utf-8"))
    data["id"], data["name"] = "brief", "Brief"
    data.pop("aliases", None)  # TikTok's own names stay TikTok's
    figure = {"source": "test", "checked": "2026-12-02", "confidence": "assumed", "note": "a test"}
    data["video"]["max_duration_s"] = {"value": 2.5, **figure}
    data["video"]["min_duration_s"] = {"value": 1, **figure}
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "brief.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.timeout(240)
@pytest.mark.parametrize("how", ["trim", "split"])
def test_a_recorded_trim_or_split_is_the_length_checked(run, tmp_path, clip_4s, short_profile, how):
    post = tmp_path / "post"
    post.mkdir()
    shutil.copyfile(clip_4s, post / "clip.mp4")
    (post / "post.yaml").write_text(POST, encoding="utf-8")
    split = ["--split"] if how == "split" else []
    result = run(
        "export", post, "--to", "brief", "--out", tmp_path / "out", "--profiles", short_profile, *split
    )
    assert result.code == 0, result.out + result.err
    names = ["post-part1", "post-part2"] if how == "split" else ["post"]
    for i, name in enumerate(names):
        bundle = tmp_path / "out" / name / "brief"
        edit = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["files"][0]["source"][
            "edit"
        ]
        expected = (2.0 * i, 2.0) if how == "split" else (0.0, 2.4)
        assert (edit["start_s"], edit["duration_s"]) == expected
        found = run("validate", bundle, "--against-source", "--json", "--profiles", short_profile).json()
        assert [f for f in found["bundles"][0]["findings"] if not _advice(f)] == [], found


@pytest.mark.timeout(60)
@pytest.mark.parametrize("hostile", ["fifo", "dev-zero", "not-a-string"])
def test_a_source_that_is_no_regular_file_is_refused_not_read(run, bundle, tmp_path, hostile):
    """A manifest may come from anyone: a recorded source that is a FIFO (which would hang the
    read), a symlink to /dev/zero (endless), or a path of the wrong type is a finding naming it."""
    import os

    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["files"][0]["source"]
    if hostile == "fifo":
        os.mkfifo(tmp_path / "fifo.mp4")
        record["resolved"] = record["path"] = str(tmp_path / "fifo.mp4")
    elif hostile == "dev-zero":
        (tmp_path / "zero.mp4").symlink_to("/dev/zero")
        record["resolved"] = record["path"] = str(tmp_path / "zero.mp4")
    else:
        record["resolved"], record["path"] = 123, ["x"]
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run("validate", bundle, "--against-source", "--json")
    assert result.code == 1 and "internal error" not in result.err
    video = [f for f in result.json()["bundles"][0]["findings"] if f["file"] == "01.mp4" and not _advice(f)]
    assert [(f["field"], f["severity"]) for f in video] == [("source", "error")]
    if hostile == "fifo":
        assert "fifo.mp4 is a named pipe (FIFO), not a regular file" in video[0]["message"]
    elif hostile == "dev-zero":
        assert "zero is a character device, not a regular file" in video[0]["message"]
    else:
        assert video[0]["actual"] == "unreadable"
