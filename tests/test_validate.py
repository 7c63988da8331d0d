"""validate: every planted fault is caught and named by file, field, limit and actual value."""

import json
import shutil
from pathlib import Path

import pytest

from repost.media.files import sha256_of
from repost.media.mp4 import MP4_NO_EDIT_LIST as IN_SYNC_NO_EDIT_LIST

POST = """
title: Cats
caption: Evening with the cats.
hashtags: [cats]
media: [clip.mp4]
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory, clip_fits_all):
    """Bundles of one fitting clip for all four platforms, made once; tests plant faults in copies."""
    from repost.cli.main import main

    root = tmp_path_factory.mktemp("validate")
    post = root / "post"
    post.mkdir()
    shutil.copyfile(clip_fits_all, post / "clip.mp4")
    (post / "post.yaml").write_text(POST, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["export", str(post), "--to", "all", "--out", str(root / "out")])
    assert info.value.code == 0
    return root / "out" / "post"


@pytest.fixture
def bundle(made, tmp_path):
    """A fresh copy of one platform's bundle: ``bundle("reels")``."""

    def copy(pid: str) -> Path:
        dest = tmp_path / pid
        shutil.copytree(made / pid, dest)
        return dest

    return copy


def replant(bundle: Path, name: str, data: bytes | None = None, source: Path | None = None) -> None:
    """Replace a file and update its manifest entry, so that only the planted fault shows."""
    target = bundle / name
    if source is not None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(data)
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == name:
            entry.update(sha256=sha256_of(target), bytes=target.stat().st_size)
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def findings(run, path, *extra):
    result = run("validate", path, "--json", *extra)
    doc = result.json()
    return result.code, [f for b in doc["bundles"] for f in b["findings"] if f["severity"] == "error"]


def test_clean_bundles_pass(run, made):
    code, found = findings(run, made)
    assert (code, found) == (0, [])


def only(found, field):
    assert [f["field"] for f in found] == [field], found
    return found[0]


def test_over_long_caption(run, bundle):
    b = bundle("reels")
    replant(b, "caption.txt", ("word " * 500).encode())
    code, found = findings(run, b)
    f = only(found, "caption_length")
    assert code == 1 and (f["file"], f["limit"], f["actual"]) == ("caption.txt", 2200, 2500)
    assert f["message"] == "caption.txt: caption length 2,500 > 2,200 characters (chars)"


def test_caption_counted_as_tiktok_counts_utf16(run, bundle):
    b = bundle("tiktok")
    replant(b, "caption.txt", ("🐱" * 2001).encode())  # 2,001 characters but 4,002 UTF-16 units
    f = only(findings(run, b)[1], "caption_length")
    assert (f["limit"], f["actual"]) == (4000, 4002)


def test_too_many_hashtags(run, bundle):
    b = bundle("reels")
    # the caption already carries #cats: the bundle's hashtags are the union, counted once each
    replant(b, "hashtags.txt", "\n".join(["cats"] + [f"tag{i}" for i in range(30)]).encode() + b"\n")
    f = only(findings(run, b)[1], "hashtag_count")
    assert (f["file"], f["limit"], f["actual"]) == ("hashtags.txt", 30, 31)


def test_rednote_title_weighing_more_than_20(run, bundle):
    b = bundle("rednote")
    replant(b, "title.txt", "小红书的标题超过二十个字会被平台拒绝的哦真的".encode())  # 22 CJK = 22
    f = only(findings(run, b)[1], "title_length")
    assert (f["file"], f["limit"], f["actual"]) == ("title.txt", 20, 22)
    replant(b, "title.txt", ("a" * 40).encode())  # 40 ASCII weigh 20: fits
    assert findings(run, b) == (0, [])


def test_five_one_audio(run, bundle, media_factory):
    b = bundle("reels")
    clip = media_factory("v51.mp4", size="720x1280", duration=3.2, audio="5.1", sample_rate=48000,
                         extra_args=IN_SYNC_NO_EDIT_LIST)  # fmt: skip
    replant(b, "01.mp4", source=clip)
    f = only(findings(run, b)[1], "audio_channels")
    assert (f["file"], f["limit"], f["actual"]) == ("01.mp4", 2, 6)
    assert f["message"] == "01.mp4: audio channels 6 > 2"


def test_moov_at_the_end(run, bundle, media_factory):
    b = bundle("reels")
    no_edit_list = ("-movflags", "+negative_cts_offsets", "-use_editlist", "0")  # moov last
    clip = media_factory("vmoov.mp4", size="720x1280", duration=3.2, sample_rate=48000,
                         faststart=False, extra_args=no_edit_list)  # fmt: skip
    replant(b, "01.mp4", source=clip)
    f = only(findings(run, b)[1], "faststart")
    assert f["message"] == "01.mp4: moov atom after mdat (not faststart)"


def test_wrong_aspect(run, bundle, media_factory):
    b = bundle("tiktok")
    clip = media_factory("vsq.mp4", size="720x720", duration=3.2, sample_rate=48000,
                         extra_args=IN_SYNC_NO_EDIT_LIST)  # fmt: skip
    replant(b, "01.mp4", source=clip)
    f = only(findings(run, b)[1], "aspect")
    assert (f["limit"], f["actual"]) == (["9:16"], "1:1")


def test_changed_file(run, bundle):
    b = bundle("tiktok")
    (b / "caption.txt").write_text("edited by hand\n", encoding="utf-8")
    f = only(findings(run, b)[1], "sha256")
    assert f["file"] == "caption.txt" and "changed since the bundle was made" in f["message"]


def test_missing_file(run, bundle):
    b = bundle("tiktok")
    (b / "01.mp4").unlink()
    f = only(findings(run, b)[1], "missing")
    assert f["file"] == "01.mp4"


def test_extra_file(run, bundle):
    b = bundle("tiktok")
    (b / "notes.txt").write_text("x", encoding="utf-8")
    assert only(findings(run, b)[1], "extra")["file"] == "notes.txt"


def test_a_media_file_against_a_profile(run, clip_51, clip_fits_all):
    code, found = findings(run, clip_51, "--profile", "reels")
    assert code == 1 and {"audio_channels", "duration_s"} <= {f["field"] for f in found}
    assert findings(run, clip_fits_all, "--profile", "reels") == (0, [])


def test_validate_json_shape(run, made):
    doc = run("validate", made / "reels", "--json").json()
    assert set(doc) == {"ok", "bundles"}
    (b,) = doc["bundles"]
    assert set(b) == {"path", "platform", "ok", "findings"} and b["platform"] == "reels"


def test_validate_text_output_names_each_finding(run, bundle):
    b = bundle("reels")
    replant(b, "hashtags.txt", "\n".join(["Cats"] + [f"t{i}" for i in range(39)]).encode())
    result = run("validate", b)
    assert result.code == 1 and "error: hashtags.txt: hashtags 40 > 30" in result.out


def test_unreadable_inputs_exit_2(run, tmp_path, clip_916):
    assert run("validate", tmp_path / "nope").code == 2
    assert run("validate", tmp_path).code == 2  # no bundle here
    assert run("validate", clip_916).code == 2  # a media file needs --profile
    assert run("validate", clip_916, "--profile", "myspace").code == 2


def test_a_media_file_replaced_by_garbage_is_a_finding_not_a_crash(run, bundle):
    b = bundle("tiktok")
    replant(b, "01.mp4", b"garbage bytes, not a video")
    code, found = findings(run, b)
    f = only(found, "media")
    assert code == 1 and f["file"] == "01.mp4" and "not a video or image file" in f["message"]


def test_garbage_named_jpg_is_refused_clearly(run, tmp_path):
    # ffmpeg's image2 demuxer opens any bytes named .jpg as a picture of 0x0
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"garbage bytes, not an image")
    result = run("validate", fake, "--profile", "rednote")
    assert result.code == 2 and "no picture in it" in result.err and "Traceback" not in result.err
