"""export: a fitting clip becomes a valid bundle per built-in platform by stream copy, whole or not at all."""

import json
import os
from pathlib import Path

import pytest

from repost.media.probe import probe_media

PLATFORMS = ["lemon8", "rednote", "reels", "shorts", "tiktok"]
VIDEO_POST = """
title: Cats at sunset
caption: |
  Evening with the cats. #cats
hashtags: [sunset, cats]
media: [clip.mp4]
"""


def video_packets(path: Path) -> list[bytes]:
    import av

    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


@pytest.fixture
def fitting_post(write_post, clip_fits_all):
    return write_post(VIDEO_POST, media={"clip.mp4": clip_fits_all}, folder="cats")


def test_fitting_clip_to_all_builtin_platforms_by_stream_copy(run, fitting_post, clip_fits_all, tmp_path):
    out = tmp_path / "out"
    result = run("export", fitting_post, "--to", "all", "--out", out, "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["ok"] and sorted(b["platform"] for b in doc["bundles"]) == PLATFORMS
    source_packets = video_packets(clip_fits_all)
    for pid in PLATFORMS:
        bundle = out / "cats" / pid
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        assert set(manifest) >= {
            "schema",
            "tool",
            "profile",
            "post",
            "created",
            "files",
            "text",
            "changes",
            "warnings",
        }
        assert manifest["schema"] == 1 and manifest["tool"]["name"] == "repost"
        assert manifest["profile"]["id"] == pid and manifest["post"]["id"] == "cats"
        assert manifest["changes"][0].startswith("copied")
        video = next(f for f in manifest["files"] if f["role"] == "video")
        assert video["path"] == "01.mp4" and video["codecs"]["video"] == "h264"
        assert (video["width"], video["height"], video["fps"]) == (720, 1280, 30.0)
        assert {f["path"] for f in manifest["files"]} >= {"01.mp4", "caption.txt", "hashtags.txt"}
        facts = probe_media(bundle / "01.mp4")
        assert facts.moov_first and not facts.edit_list
        # stream copy: the very same compressed pictures, not a re-encode
        assert video_packets(bundle / "01.mp4") == source_packets
        caption = (bundle / "caption.txt").read_text(encoding="utf-8")
        assert "Evening with the cats. #cats" in caption and "#sunset" in caption
        assert (bundle / "hashtags.txt").read_text(encoding="utf-8") == "sunset\ncats\n"
    assert (out / "cats" / "rednote" / "title.txt").read_text(encoding="utf-8") == "Cats at sunset\n"
    assert not (out / "cats" / "reels" / "title.txt").exists()
    assert (out / "cats" / "reels" / "cover.jpg").is_file()
    check = run("validate", out, "--json")
    assert check.code == 0, check.out
    assert [b["ok"] for b in check.json()["bundles"]] == [True] * len(PLATFORMS)


def test_up_to_date_bundle_is_left_alone_and_force_rebuilds(run, fitting_post, tmp_path):
    out = tmp_path / "out"
    assert run("export", fitting_post, "--to", "tiktok", "--out", out).code == 0
    manifest = out / "cats" / "tiktok" / "manifest.json"
    first = manifest.stat().st_mtime_ns
    again = run("export", fitting_post, "--to", "tiktok", "--out", out, "--json")
    assert again.json()["bundles"][0]["status"] == "up_to_date"
    assert manifest.stat().st_mtime_ns == first
    forced = run("export", fitting_post, "--to", "tiktok", "--out", out, "--force", "--json")
    assert forced.json()["bundles"][0]["status"] == "made"
    # a changed input makes the bundle stale: rebuilt without --force
    (fitting_post / "post.yaml").write_text(VIDEO_POST.replace("Evening", "Night"), encoding="utf-8")
    stale = run("export", fitting_post, "--to", "tiktok", "--out", out, "--json")
    assert stale.json()["bundles"][0]["status"] == "made"
    assert "Night" in (out / "cats" / "tiktok" / "caption.txt").read_text(encoding="utf-8")


def test_media_that_does_not_fit_is_conformed_with_reasons(run, write_post, clip_51, tmp_path):
    # 360x640 with 5.1 audio, 1 s: Reels wants stereo and 3 s; RedNote (assumed) a short side of 720.
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_51}, folder="loud")
    out = tmp_path / "out"
    result = run("export", post, "--to", "reels,rednote", "--out", out, "--json")
    assert result.code == 0, result.out
    by_platform = {b["platform"]: b for b in result.json()["bundles"]}
    reels = " / ".join(by_platform["reels"]["changes"])
    assert "audio channels 6 > 2" not in reels and "downmixed to stereo" in reels
    assert "duration 1 s < 3 s" in reels and "held the last frame" in reels
    assert "smaller side 360 px < 720 px" in " / ".join(by_platform["rednote"]["changes"])
    facts = probe_media(out / "loud" / "reels" / "01.mp4")
    assert facts.audio.channels == 2 and facts.duration_s >= 3
    assert min(probe_media(out / "loud" / "rednote" / "01.mp4").width, 720) == 720


def test_wrong_aspect_is_named_and_reframed(run, write_post, clip_169, tmp_path):
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_169})
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out", "-v")  # -v: every change
    assert result.code == 0, result.out
    assert "aspect 16:9 (640x360) not in 9:16" in result.out
    assert "fitted 16:9 to 9:16 over a blurred copy of the picture" in result.out


def test_moov_at_end_is_fixed_by_remux_not_reencode(run, write_post, media_factory, tmp_path):
    clip = media_factory(
        "fits_moov_end.mp4", size="720x1280", duration=3.2, sample_rate=48000, faststart=False
    )
    assert probe_media(clip).moov_first is False and probe_media(clip).edit_list
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip}, folder="late")
    out = tmp_path / "out"
    result = run("export", post, "--to", "reels", "--out", out, "--json")
    assert result.code == 0, result.out
    change = result.json()["bundles"][0]["changes"][0]
    assert "moved the moov atom to the front" in change and "dropped the edit list" in change
    facts = probe_media(out / "late" / "reels" / "01.mp4")
    assert facts.moov_first and not facts.edit_list


def test_one_bad_post_does_not_stop_the_batch(run, fitting_post, write_post, tmp_path):
    bad = write_post("media: [missing.mp4]\ncolour: red\n", folder="bad")
    out = tmp_path / "out"
    result = run("export", bad, fitting_post, "--to", "tiktok", "--out", out)
    assert result.code == 2  # unreadable input, the rest still done
    first_line = result.err.splitlines()[0]
    assert first_line.startswith("Error: colour: unknown key")
    assert "media[0]: media file not found: missing.mp4" in first_line
    assert str(bad / "post.yaml") in result.err
    assert (out / "cats" / "tiktok" / "manifest.json").is_file()


def test_post_id_is_made_path_safe(run, write_post, clip_fits_all, tmp_path):
    post = write_post('id: "../../../etc/evil name"\nmedia: [clip.mp4]\n', media={"clip.mp4": clip_fits_all})
    out = tmp_path / "deep" / "out"
    result = run("export", post, "--to", "tiktok", "--out", out)
    assert result.code == 0, result.out
    made = [p for p in out.iterdir() if p.name != ".repost"]
    assert [p.name for p in made] == ["etc-evil-name"]
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"]


def test_a_foreign_folder_in_the_way_is_never_overwritten(run, fitting_post, tmp_path):
    out = tmp_path / "out"
    mine = out / "cats" / "tiktok"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("my own notes", encoding="utf-8")
    result = run("export", fitting_post, "--to", "tiktok", "--out", out, "--force")
    assert result.code == 1 and "is not a repost bundle" in result.out
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "my own notes"


def test_a_failing_step_leaves_no_bundle_and_no_debris(run, fitting_post, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("REPOST_FFMPEG", "false")  # an "ffmpeg" that always fails
    # The stream copy this post needs is made in process (media/remux.py), as is its loudness:
    # have the copy fall to ffmpeg's command line, as for a source the in-process path skips.
    monkeypatch.setattr("repost.media.files.remux_all_in_process", lambda *args, **kwargs: False)
    result = run("export", fitting_post, "--to", "tiktok", "--out", out)
    assert result.code == 1 and "ffmpeg failed" in result.out
    assert not (out / "cats" / "tiktok").exists()
    assert list((out / ".repost" / "tmp").iterdir()) == []


def test_dry_run_prints_the_plan_and_writes_nothing(run, fitting_post, tmp_path):
    out = tmp_path / "out"
    result = run("export", fitting_post, "--to", "reels", "--out", out, "--dry-run")
    assert result.code == 0
    assert "01.mp4:" in result.out and "-c copy" in result.out and "+faststart" in result.out
    assert not out.exists()
    doc = run("export", fitting_post, "--to", "reels", "--out", out, "--dry-run", "--json").json()
    command = doc["plans"][0]["steps"][0]["command"]
    assert command[command.index("-c") + 1] == "copy" and "-use_editlist" in command


def test_identical_renditions_are_made_once(fitting_post, tmp_path, monkeypatch):
    from repost.bundle import renditions as bundle_module
    from repost.bundle.export import export_posts
    from repost.bundle.make import ExportOptions
    from repost.platforms.profiles import load_profiles

    calls = []
    real = bundle_module.make_file
    monkeypatch.setattr(
        bundle_module,
        "make_file",
        lambda step, dest, **kw: (calls.append(step.dest), real(step, dest, **kw)),
    )
    options = ExportOptions(out=tmp_path / "out", to="lemon8,rednote")
    outcome = export_posts([fitting_post], load_profiles(), options)
    assert [r.status for r in outcome.results] == ["made", "made"]
    # RedNote and Lemon8 want the same remux: one ffmpeg run, the second bundle gets a copy
    assert calls.count("01.mp4") == 1
    a, b = (tmp_path / "out" / "cats" / p / "01.mp4" for p in ("lemon8", "rednote"))
    assert a.read_bytes() == b.read_bytes()


def test_photo_post_copied_when_it_fits(run, write_post, image_factory, tmp_path):
    photos = {f"{i}.jpg": image_factory(f"rn{i}.jpg", size=(1080, 1440)) for i in (1, 2)}
    post = write_post("title: 小红书笔记\nmedia: [1.jpg, 2.jpg]\n", media=photos, folder="notes")
    out = tmp_path / "out"
    result = run("export", post, "--to", "rednote", "--out", out)
    assert result.code == 0, result.out
    bundle = out / "notes" / "rednote"
    assert sorted(p.name for p in bundle.iterdir()) == [
        "01.jpg",
        "02.jpg",
        "caption.txt",
        "hashtags.txt",
        "manifest.json",
        "title.txt",
    ]
    assert (bundle / "01.jpg").read_bytes() == photos["1.jpg"].read_bytes()
    assert run("validate", bundle).code == 0


def test_photo_post_to_a_video_only_platform_is_planned_as_a_slideshow(
    run, write_post, image_jpeg_34, tmp_path
):
    post = write_post("media: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
    result = run("export", post, "--to", "reels", "--out", tmp_path / "out", "--dry-run", "--json")
    assert result.code == 0, result.out
    (plan,) = result.json()["plans"]
    assert plan["ok"] and [(s["file"], s["action"]) for s in plan["steps"]] == [("01.mp4", "slideshow")]
    # the 600x800 photo padded to 9:16 fills 600x1066: the frame is no larger (the size policy)
    assert "slideshow video of 1 photo(s): 600x1066" in plan["changes"][0]


def test_nothing_written_outside_out(run, fitting_post, tmp_path):
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "out"
    assert run("export", fitting_post, "--to", "all", "--out", out).code == 0
    after = {p for p in tmp_path.rglob("*")}
    assert all(p.is_relative_to(out) for p in after - before)
    assert os.listdir(out / ".repost" / "tmp") == []


def test_a_per_platform_media_override_is_probed_and_used(run, write_post, clip_fits_all, clip_916, tmp_path):
    text = "media: [a.mp4]\nplatforms: {tiktok: {media: [b.mp4]}}\n"
    post = write_post(text, media={"a.mp4": clip_fits_all, "b.mp4": clip_916})
    doc = run("export", post, "--to", "tiktok,reels", "--out", tmp_path / "out", "--dry-run", "--json").json()
    sources = {p["platform"]: p["steps"][0]["source"] for p in doc["plans"]}
    assert sources["tiktok"].endswith("b.mp4") and sources["reels"].endswith("a.mp4")


def test_dry_run_exits_1_when_a_plan_cannot_be_made(run, write_post, clip_fits_all, image_jpeg_34, tmp_path):
    post = write_post("media: [a.mp4, b.jpg]\n", media={"a.mp4": clip_fits_all, "b.jpg": image_jpeg_34})
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out", "--dry-run", "--json")
    assert result.code == 1 and result.json()["ok"] is False


def test_two_posts_with_one_id_never_overwrite_each_other(run, write_post, clip_fits_all, tmp_path):
    a = write_post("id: same\ncaption: A\nmedia: [c.mp4]\n", media={"c.mp4": clip_fits_all}, folder="a")
    b = write_post("id: same\ncaption: B\nmedia: [c.mp4]\n", media={"c.mp4": clip_fits_all}, folder="b")
    out = tmp_path / "out"
    result = run("export", a, b, "--to", "tiktok", "--out", out)
    assert result.code == 2 and "post id 'same' is already used by" in result.err
    assert (out / "same" / "tiktok" / "caption.txt").read_text(encoding="utf-8").startswith("A")
