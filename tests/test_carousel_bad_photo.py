"""A carousel with a photo that cannot be read goes on without it, saying so (issue 16 part 7)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image


def manifest(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def _bad_photos(tmp_path: Path, good: Path) -> dict[str, Path]:
    """A JPEG cut short (its header reads, its pixels do not) and a file that is no picture."""
    truncated = tmp_path / "cut.jpg"
    data = good.read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not a picture at all\n" * 20)
    return {"cut.jpg": truncated, "garbage.jpg": garbage}


def _carousel(write_post, image_factory, tmp_path, extra: str = ""):
    good = {f"{i}.jpg": image_factory(f"carousel{i}.jpg", size=(600, 800)) for i in (1, 2, 3)}
    media = {**good, **_bad_photos(tmp_path, good["1.jpg"])}
    text = (
        "id: six\ncaption: a carousel\n"
        "media: [{path: 1.jpg, alt: first}, {path: cut.jpg, alt: cut}, {path: 2.jpg, alt: second},"
        " {path: garbage.jpg, alt: bad}, {path: 3.jpg, alt: third}]\n"
        "translations:\n  zh: {caption: 图片, alt: [一, 二, 三, 四, 五]}\n" + extra
    )
    return write_post(text, media=media)


def test_a_carousel_goes_on_without_unreadable_photos(run, write_post, image_factory, tmp_path):
    post = _carousel(write_post, image_factory, tmp_path)
    out = tmp_path / "out"
    result = run("export", post, "--to", "rednote,lemon8", "--out", out)
    assert result.code == 0, result.out + result.err
    for platform in ("rednote", "lemon8"):
        bundle = out / "six" / platform
        pictures = sorted(p.name for p in bundle.glob("0*.jpg"))
        assert pictures == ["01.jpg", "02.jpg", "03.jpg"]
        with Image.open(bundle / "03.jpg") as im:
            assert im.size[0] > 0
        warnings = manifest(bundle)["warnings"]
        left_out = [w for w in warnings if w.startswith("left out")]
        assert len(left_out) == 2
        assert "cut.jpg" in left_out[0] and "truncated" in left_out[0]
        assert "garbage.jpg" in left_out[1]
        assert all("3 of 5 photos" in w for w in left_out)
    # The result lines name them too: under the first bundle, and counted under the second
    # (the same warnings: one post, two platforms).
    assert result.out.count("left out cut.jpg") == 1
    assert result.out.count("left out garbage.jpg") == 1
    assert any(f"(5 warnings as for {first} above)" in result.out for first in ("rednote", "lemon8"))
    assert run("validate", out / "six" / "rednote").code == 0


def _alts(out: Path) -> list:
    return [f.get("alt") for f in manifest(out / "six" / "rednote")["files"] if f["role"] == "image"]


def test_alt_texts_follow_the_photos_kept(run, write_post, image_factory, tmp_path):
    post = _carousel(write_post, image_factory, tmp_path, extra="lang: en\n")
    out = tmp_path / "out"
    assert run("export", post, "--to", "rednote", "--out", out, "--lang", "zh").code == 0
    assert _alts(out) == ["一", "三", "五"]  # the second and fourth photo were left out, with their alt
    assert run("export", post, "--to", "rednote", "--out", tmp_path / "en", "--lang", "en").code == 0
    assert _alts(tmp_path / "en") == ["first", "second", "third"]


def test_strict_photos_fails_the_post_naming_the_file(run, write_post, image_factory, tmp_path):
    post = _carousel(write_post, image_factory, tmp_path)
    out = tmp_path / "out"
    result = run("export", post, "--to", "rednote", "--out", out, "--strict-photos")
    assert result.code == 2
    assert "cut.jpg" in result.err and "Traceback" not in result.err
    assert not (out / "six").exists()


def test_strict_photos_in_post_yaml_fails_the_post(run, write_post, image_factory, tmp_path):
    post = _carousel(write_post, image_factory, tmp_path, extra="strict_photos: true\n")
    result = run("export", post, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2 and "cut.jpg" in result.err


def test_strict_photos_is_refused_under_platforms(run, write_post, image_factory, tmp_path):
    extra = "platforms:\n  rednote: {strict_photos: true}\n"
    result = run("check", _carousel(write_post, image_factory, tmp_path, extra=extra), "--to", "rednote")
    assert result.code != 0 and "platforms.rednote.strict_photos" in result.out + result.err


def test_no_photo_left_fails_the_post(run, write_post, image_factory, tmp_path):
    bad = _bad_photos(tmp_path, image_factory("carousel1.jpg", size=(600, 800)))
    post = write_post("id: none\nmedia: [cut.jpg, garbage.jpg]\n", media=bad)
    result = run("export", post, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2
    assert "cut.jpg" in result.err


def test_a_bad_file_beside_a_video_still_fails(run, write_post, clip_916, image_factory, tmp_path):
    bad = _bad_photos(tmp_path, image_factory("carousel1.jpg", size=(600, 800)))
    post = write_post("id: mixed\nmedia: [clip.mp4, garbage.jpg]\n", media={"clip.mp4": clip_916, **bad})
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out")
    assert result.code == 2
    assert "garbage.jpg" in result.err


def test_check_reports_the_photo_left_out(run, write_post, image_factory, tmp_path):
    post = _carousel(write_post, image_factory, tmp_path)
    result = run("check", post, "--to", "rednote", "--json")
    assert "left out cut.jpg" in result.out
