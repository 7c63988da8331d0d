"""Sources' measurements kept between runs in DIR/.repost: an up-to-date re-run decodes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repost.media import loudness, measure, remembered, watermark
from repost.media.loudness import clear_loudness_cache

pytestmark = pytest.mark.timeout(300)


def _refuse(what: str):
    def refuse(*_a, **_k):
        raise AssertionError(f"{what} again")

    return refuse


def _no_metering(monkeypatch, refuse=None):
    refuse = refuse or _refuse("the source's sound was metered")
    monkeypatch.setattr(measure, "run_ffmpeg", refuse)  # ebur128 loudness
    monkeypatch.setattr(measure, "measure_whole", refuse)  # the in-process meter
    monkeypatch.setattr(loudness._Listening, "of", refuse)  # the meter on a stream copy's way


def _no_decoding(monkeypatch):
    refuse = _refuse("a source was decoded")
    _no_metering(monkeypatch, refuse)
    monkeypatch.setattr(watermark, "sample_video", refuse)  # the scan's (and OCR's, cover's) decode


def test_an_up_to_date_rerun_measures_no_source_again(run, write_post, media_factory, tmp_path, monkeypatch):
    # A 9:16 clip with 44.1 kHz sound, to RedNote and Lemon8: its loudness is measured for the
    # manifest (and for the gain of any re-encoded sound), and Lemon8 looks for a watermark.
    clip = media_factory("remember-clip.mp4", size="720x1280", duration=2)
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip})
    out = tmp_path / "out"
    first = run("export", post, "--to", "rednote,lemon8", "--out", out, "--json")
    assert first.code == 0, first.err
    assert (out / ".repost" / remembered.STORE_NAME).is_file()
    manifests = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/*/manifest.json")}
    clear_loudness_cache()  # a new run: nothing in memory
    _no_decoding(monkeypatch)
    again = run("export", post, "--to", "rednote,lemon8", "--out", out, "--json")
    assert again.code == 0, again.err
    assert {b["status"] for b in again.json()["bundles"]} == {"up_to_date"}
    dry = run("export", post, "--to", "rednote,lemon8", "--out", out, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    for plan in dry.json()["plans"]:
        assert plan["warnings"] == manifests[plan["platform"]]["warnings"][: len(plan["warnings"])]


def test_a_rewritten_source_is_measured_again(tmp_path, media_factory):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(media_factory("remember-clip.mp4", size="720x1280", duration=2).read_bytes())
    calls = []

    def measured():
        calls.append(1)
        return {"n": len(calls)}

    with remembered.remembered(tmp_path / "store"):
        key = ("probe-test", *remembered.file_key(clip))
        assert remembered.recall(key, measured, dict, dict) == {"n": 1}
        assert remembered.recall(key, measured, dict, dict) == {"n": 1}
        clip.write_bytes(clip.read_bytes() + b"\0")  # size and mtime change: another key
        key = ("probe-test", *remembered.file_key(clip))
        assert remembered.recall(key, measured, dict, dict) == {"n": 2}
    with remembered.remembered(tmp_path / "store", read_only=True):
        assert remembered.recall(key, measured, dict, dict) == {"n": 2}
    assert remembered.recall(key, measured, dict, dict) == {"n": 3}  # no store open: measured


def test_an_unwritable_store_only_costs_a_measurement(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would go")
    with remembered.remembered(blocked / "sub"):
        assert remembered.recall(("k",), lambda: 7, int, int) == 7


def test_a_dry_run_scans_no_pictures_for_a_watermark(run, write_post, media_factory, tmp_path, monkeypatch):
    clip = media_factory("remember-clip.mp4", size="720x1280", duration=2)
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip})
    monkeypatch.setattr(watermark, "sample_video", lambda *_a: pytest.fail("scanned on a dry run"))
    dry = run("export", post, "--to", "lemon8", "--out", tmp_path / "out", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert not (tmp_path / "out").exists()  # and a dry run writes nothing


def test_a_smart_analysis_is_remembered(tmp_path, media_factory, monkeypatch):
    from repost.media import subject
    from repost.media.probe import probe_media

    clip = media_factory("remember-clip.mp4", size="720x1280", duration=2)
    with remembered.remembered(tmp_path / "store"):
        first = subject._remembered_analysis(clip, probe_media(clip))
    monkeypatch.setattr(subject, "analyse_video", lambda *_a: pytest.fail("analysed again"))
    with remembered.remembered(tmp_path / "store", read_only=True):
        assert subject._remembered_analysis(clip, probe_media(clip)) == first


def test_migrate_keeps_measurements_too(run, media_factory, tmp_path, monkeypatch):
    # A backlog migrated again with --force (or grown by new posts) decodes none of the sources
    # it measured before: migrate opens DIR/.repost/measured.db as export does. (What the run
    # makes anew, a re-encoded sound, is measured as made.)
    src = tmp_path / "backlog" / "p1"
    src.mkdir(parents=True)
    clip = media_factory("remember-clip.mp4", size="720x1280", duration=2)
    (src / "clip.mp4").write_bytes(clip.read_bytes())
    (src / "post.yaml").write_text("media: [clip.mp4]\n")
    out = tmp_path / "out"
    assert run("migrate", src.parent, "--to", "lemon8", "--out", out).code == 0
    assert (out / ".repost" / remembered.STORE_NAME).is_file()
    clear_loudness_cache()
    measured, real = [], measure.run_ffmpeg
    monkeypatch.setattr(
        measure, "run_ffmpeg", lambda a, where=None, **k: measured.append(where) or real(a, where=where, **k)
    )
    monkeypatch.setattr(watermark, "sample_video", lambda *_a: pytest.fail("scanned again"))
    whole = measure.measure_whole  # the in-process meter
    monkeypatch.setattr(measure, "measure_whole", lambda path: measured.append(path) or whole(path))
    monkeypatch.setattr(loudness._Listening, "of", lambda *_a: pytest.fail("metered again on the copy's way"))
    again = run("migrate", src.parent, "--to", "lemon8", "--out", out, "--force", "--json")
    assert again.code == 0, again.out
    assert str((src / "clip.mp4").resolve()) not in [str(Path(w).resolve()) for w in measured if w]


def test_a_forced_stream_copy_does_not_meter_its_source_again(run, clip_fits_all, tmp_path, monkeypatch):
    # A stream copy meters its source's sound while it reads the file (media/remux.py); made
    # again with --force, it finds the figures migrate's store kept instead of decoding it.
    post = tmp_path / "backlog" / "p1"
    post.mkdir(parents=True)
    (post / "clip.mp4").write_bytes(clip_fits_all.read_bytes())
    (post / "post.yaml").write_text("media: [clip.mp4]\n")
    out = tmp_path / "out"
    first = run("migrate", post.parent, "--to", "reels", "--out", out)
    assert first.code == 0, first.out
    manifest = json.loads(next(out.glob("*/reels/manifest.json")).read_text())
    assert "copied" in " ".join(manifest["changes"])
    clear_loudness_cache()
    _no_metering(monkeypatch)
    again = run("migrate", post.parent, "--to", "reels", "--out", out, "--force")
    assert again.code == 0, again.out
    remade = json.loads(next(out.glob("*/reels/manifest.json")).read_text())
    assert remade["files"][0]["loudness"] == manifest["files"][0]["loudness"]


def test_an_exported_stream_copy_remade_meters_nothing_again(run, clip_fits_all, tmp_path, monkeypatch):
    # export keeps the store open while it writes bundles too: what a stream copy metered on its
    # way is there for the next run that remakes the bundle (--force, a changed caption).
    post = tmp_path / "p1"
    post.mkdir()
    (post / "clip.mp4").write_bytes(clip_fits_all.read_bytes())
    (post / "post.yaml").write_text("media: [clip.mp4]\n")
    out = tmp_path / "out"
    first = run("export", post, "--to", "reels", "--out", out)
    assert first.code == 0, first.out + first.err
    manifest = json.loads((out / "p1" / "reels" / "manifest.json").read_text())
    assert "copied" in " ".join(manifest["changes"]) and manifest["files"][0]["loudness"]
    clear_loudness_cache()
    _no_metering(monkeypatch)
    again = run("export", post, "--to", "reels", "--out", out, "--force")
    assert again.code == 0, again.out + again.err
    remade = json.loads((out / "p1" / "reels" / "manifest.json").read_text())
    assert remade["files"][0]["loudness"] == manifest["files"][0]["loudness"]
