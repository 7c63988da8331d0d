"""Another platform's watermark: found in the picture and the files, warned about, never blocking."""

from __future__ import annotations

import json
import subprocess

import pytest

from repost.media import ocr, sampling, watermark
from repost.media.ffmpeg import find_ffmpeg
from repost.media.probe import probe_media
from repost.media.watermark import CHECKS, SAMPLES, find_watermark, judge_samples, no_mark_possible

pytestmark = pytest.mark.timeout(480)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("watermark")


def _find(path):
    return find_watermark(path, probe_media(path).duration_s)


@pytest.mark.parametrize("scene", ["testsrc2", "pan"])
def test_a_mark_that_jumps_corners_is_found(scene, watermark_clips):
    mark = _find(watermark_clips.marked(scene))
    assert mark is not None and mark.moved
    assert mark.corners == ("top-left", "bottom-right")


def test_a_mark_that_stays_put_over_a_moving_picture_is_found(watermark_clips):
    mark = _find(watermark_clips.marked("pan", jump_at=None))
    assert mark is not None and not mark.moved and "top-left" in mark.corners


def test_a_clip_with_a_keyframe_per_sample_is_read_at_its_keyframes_only(
    folder, monkeypatch, watermark_clips
):
    # A phone's keyframe every second or two: over a long clip every sample has a keyframe of
    # its own, and nothing between them is decoded (here: a keyframe every 5 frames of 8 s,
    # with B-frames, so the index's decoding times are not the frames' own).
    dense = folder / "marked-dense-keys.mp4"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i",
                    watermark_clips.marked("pan"), "-c:v", "libx264", "-preset", "veryfast",
                    "-g", "5", "-keyint_min", "5", dense], check=True)  # fmt: skip

    def no_full_decode(*_a):
        raise AssertionError("decoded every frame")

    monkeypatch.setattr(sampling, "_forward", no_full_decode)
    mark = _find(dense)
    assert mark is not None and mark.moved and mark.corners == ("top-left", "bottom-right")


@pytest.mark.parametrize(
    "make",
    [lambda c: c.clean("testsrc2"), lambda c: c.clean("pan"), lambda c: c.subtitled()],
    ids=["testsrc2", "pan", "subtitled"],
)
def test_text_of_the_video_s_own_is_no_watermark(watermark_clips, make):
    assert _find(make(watermark_clips)) is None


def _counted_export(write_post, run, out, clip, monkeypatch, tmp_path):
    """Export ``clip`` to Lemon8 with tesseract 'installed' (a script listing English) and
    counted: (what the analysis pass gave, how many frames tesseract was asked to read)."""
    fake = tmp_path / "tesseract"
    fake.write_text('#!/bin/sh\nif [ "$1" = "--list-langs" ]; then echo "List of (1):"; echo eng; fi\n')
    fake.chmod(0o755)
    monkeypatch.setenv(ocr.TESSERACT_ENV, str(fake))
    passes, reads = [], []
    monkeypatch.setattr(ocr, "read_words", lambda *a: reads.append(a) or [])
    real = watermark.sample_video
    monkeypatch.setattr(watermark, "sample_video", lambda *a: passes.append(real(*a)) or passes[-1])
    post = write_post("title: hi\nmedia: [clip.mp4]\n", {"clip.mp4": clip})
    assert run("export", post, "--to", "lemon8", "--out", out).code == 0
    return passes, reads


def test_a_clip_with_nothing_staying_in_its_corners_is_decoded_only_until_a_check_rules_it_out(
    write_post, run, tmp_path, monkeypatch, watermark_clips
):
    """No corner band of the panning scene keeps its edges through the first half: the analysis
    stops taking samples there, and tesseract reads nothing at all."""
    out = tmp_path / "clean"
    passes, reads = _counted_export(write_post, run, out, watermark_clips.clean("pan"), monkeypatch, tmp_path)
    (sampled,) = passes
    assert sampled.ruled_out and len(sampled.greys) in CHECKS and sampled.pictures == []
    assert reads == []
    manifest = json.loads((next(out.glob("*/lemon8")) / "manifest.json").read_text())
    assert not [w for w in manifest["warnings"] if "watermark" in w]
    # the same clip decoded whole: nothing found either
    assert judge_samples(watermark.sample_greys(watermark_clips.clean("pan"), 8.0)) is None


def test_validate_looks_at_a_bundle_video_once_and_as_export_does(
    write_post, run, tmp_path, monkeypatch, watermark_clips
):
    """validate decodes each video of a bundle once for the scan and tesseract together, with
    the same checks: a clean pan is ruled out, and nothing is read."""
    out = tmp_path / "clean"
    passes, reads = _counted_export(write_post, run, out, watermark_clips.clean("pan"), monkeypatch, tmp_path)
    passes.clear()
    assert run("validate", out, "--json").code == 0
    assert len(passes) == 1 and passes[0].ruled_out and reads == []


def test_a_marked_clip_is_decoded_whole_and_read(write_post, run, tmp_path, monkeypatch, watermark_clips):
    out = tmp_path / "marked"
    passes, reads = _counted_export(
        write_post, run, out, watermark_clips.marked("pan"), monkeypatch, tmp_path
    )
    (sampled,) = passes
    assert not sampled.ruled_out and len(sampled.greys) == SAMPLES and len(sampled.pictures) == 2
    assert reads  # tesseract asked to read


def test_corners_that_stay_but_hold_no_white_strokes_are_not_read(
    write_post, run, tmp_path, monkeypatch, watermark_clips
):
    """testsrc2 made darker: its corners keep their edges (no check rules a mark out), but no
    pixel is white enough for tesseract's ink, so it is not run at all."""
    dark = tmp_path / "dark.mp4"
    args = ["-vf", "lutyuv=y=val*0.7", "-c:v", "libx264", "-preset", "ultrafast"]
    source = watermark_clips.clean("testsrc2")
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", source, *args, dark], check=True
    )
    passes, reads = _counted_export(write_post, run, tmp_path / "out", dark, monkeypatch, tmp_path)
    (sampled,) = passes
    assert not sampled.ruled_out and len(sampled.pictures) == 2
    assert reads == []


def test_only_the_corners_holding_the_mark_are_read(write_post, run, tmp_path, monkeypatch, watermark_clips):
    """The mark jumps from top left to bottom right: tesseract is shown the top-left band of the
    first frame and the bottom-right band of the second, the other bands left blank, both
    frames as the pages of one run."""
    import numpy as np

    _, reads = _counted_export(
        write_post, run, tmp_path / "out", watermark_clips.marked("pan"), monkeypatch, tmp_path
    )
    ((_binary, pages, _langs),) = reads  # one run (English only here), a page a frame
    inked = []
    for sheet in pages:
        rows = np.asarray(sheet) < 128
        slot = sheet.height // len(ocr.CORNERS)
        inked.append([c for i, c in enumerate(ocr.CORNERS) if rows[i * slot : (i + 1) * slot].any()])
    assert inked == [["top-left"], ["bottom-right"]]


def _synthetic(corners_at, np):
    """SAMPLES 144x256 greys of waves moving across the picture (it changes everywhere) with a
    white box outline drawn in the corners ``corners_at(i)`` gives for sample i ("tl", "br")."""
    y, x = np.mgrid[0:144, 0:256]
    greys = []
    for i in range(SAMPLES):
        g = (60 + 50 * np.sin((x + 0.6 * y + 11 * i) / 4)).astype(np.uint8)
        for corner in corners_at(i):
            rows, cols = (
                (slice(4, 24), slice(4, 60)) if corner == "tl" else (slice(116, 136), slice(196, 252))
            )
            box = g[rows, cols]  # white strokes, 3 px, straight over the moving picture
            box[:3], box[-3:], box[:, :3], box[:, -3:] = 250, 250, 250, 250
        greys.append(g)
    return greys


@pytest.mark.parametrize(
    "corners_at",
    [
        lambda i: ["tl"],
        lambda i: [] if i in (0, 3, 5) else ["tl"],  # 21 of 24: it stays, just
        lambda i: [] if i in (8, 13, 22) else ["tl"],
        lambda i: ["tl"] if i < 6 else ["br"],  # jumps after the first quarter
        lambda i: ["tl"] if i < 18 else ["br"],  # jumps late
        lambda i: ([] if i == 3 else ["tl"]) if i < 16 else ["br"],
    ],
    ids=[
        "stays",
        "stays-3-missed-early",
        "stays-3-missed-late",
        "jumps-early",
        "jumps-late",
        "jumps-1-missed",
    ],
)
def test_no_check_rules_out_a_mark_the_whole_judgement_finds(corners_at):
    """The bound is exact: every mark the judgement of all SAMPLES finds is still possible at
    every check on the way."""
    import numpy as np

    greys = _synthetic(corners_at, np)
    assert judge_samples(greys) is not None
    assert not any(no_mark_possible(greys[:n]) for n in CHECKS)


def test_the_checks_rule_out_what_the_whole_judgement_cannot_find():
    import numpy as np

    assert judge_samples(_synthetic(lambda i: [], np)) is None
    assert no_mark_possible(_synthetic(lambda i: [], np)[: CHECKS[0]])  # nothing stays: the first check
    gone = _synthetic(lambda i: ["tl"] if i < 5 else [], np)  # leaves before any stretch ends
    assert judge_samples(gone) is None and no_mark_possible(gone[: CHECKS[1]])


def test_export_warns_for_lemon8_and_reels_only_and_validate_agrees(
    write_post, run, tmp_path, watermark_clips
):
    post = write_post("title: hi\nmedia: [clip.mp4]\n", {"clip.mp4": watermark_clips.marked("pan")})
    out = tmp_path / "out"
    result = run("export", post, "--to", "tiktok,reels,lemon8", "--out", out)
    assert result.code == 0, result.err  # a warning, never a blocker
    for platform, warned in (("tiktok", False), ("reels", True), ("lemon8", True)):
        manifest = json.loads((next(out.glob(f"*/{platform}")) / "manifest.json").read_text())
        hits = [w for w in manifest["warnings"] if "other_watermark" in w]
        assert bool(hits) is warned, (platform, manifest["warnings"])
        if warned:
            assert "jumps corners" in hits[0] and "data export" in hits[0]
    report = run("validate", out, "--json")
    assert report.code == 0, report.out
    by_platform = {b["platform"]: b for b in report.json()["bundles"]}
    found = [f for f in by_platform["reels"]["findings"] if f["field"] == "norm:other_watermark"]
    assert found and all(f["severity"] == "warning" for f in found)
    assert not [f for f in by_platform["tiktok"]["findings"] if f["field"] == "norm:other_watermark"]


def test_norms_off_skips_the_check(write_post, run, tmp_path, watermark_clips):
    post = write_post("title: hi\nmedia: [clip.mp4]\n", {"clip.mp4": watermark_clips.marked("pan")})
    out = tmp_path / "out"
    assert run("export", post, "--to", "reels", "--out", out, "--norms", "off").code == 0
    manifest = json.loads((next(out.glob("*/reels")) / "manifest.json").read_text())
    assert not [w for w in manifest["warnings"] if "watermark" in w]


def test_a_ytdlp_download_of_a_watermarked_format_is_warned(run, tmp_path, watermark_clips):
    src = tmp_path / "dl"
    src.mkdir()
    clip = watermark_clips.clean("pan")
    (src / "v1.mp4").write_bytes(clip.read_bytes())
    info = {
        "id": "v1",
        "title": "t",
        "description": "d",
        "format_id": "download_addr-0",
        "format_note": "watermarked",
    }
    (src / "v1.info.json").write_text(json.dumps(info))
    out = tmp_path / "out"
    assert run("migrate", src, "--to", "lemon8", "--out", out).code == 0
    manifest = json.loads((next(out.glob("*/lemon8")) / "manifest.json").read_text())
    assert any("watermarked format" in w for w in manifest["warnings"])


def test_tiktok_tags_in_the_mp4_are_named_and_plain_files_are_not(media_factory):
    from types import SimpleNamespace

    from repost.media.watermark import metadata_watermark

    post = SimpleNamespace(source=None)
    tagged = media_factory("tiktok_tagged.mp4", extra_args=["-metadata", "comment=vid:v09044g40000abc"])
    assert "TikTok" in metadata_watermark(post, tagged)
    assert metadata_watermark(post, media_factory("plain.mp4")) is None
    ytdlp = SimpleNamespace(source={"importer": "yt-dlp", "watermark": "watermarked"})
    assert "watermarked format" in metadata_watermark(ytdlp, media_factory("plain.mp4"))


def test_a_format_name_from_an_info_json_is_quoted_short_and_plain(media_factory):
    """An info.json may hold a 60 MB format_note: the warning it gives (in every bundle's
    manifest, whose reader stops at 8 MB, and on the terminal) quotes 80 plain characters."""
    from types import SimpleNamespace

    from repost.media.watermark import NOTE_MAX, metadata_watermark

    note = "watermarked \x1b]0;pwned\x07" + "x" * 10_000_000
    said = metadata_watermark(SimpleNamespace(source={"watermark": note}), media_factory("plain.mp4"))
    quoted = said.split("(", 1)[1].rstrip(")")
    assert len(quoted) == NOTE_MAX and quoted.startswith("watermarked  ]0;pwned ") and quoted.endswith("…")
    assert said.isprintable()


def test_each_sample_s_edges_are_found_once_for_every_question(watermark_clips, monkeypatch):
    """The early stop, the statistics and the OCR gate all ask for the samples' edges: Canny runs
    once a sample (it ran 84 times a video), and the answers are the same as found afresh."""
    import cv2
    import numpy as np
    from PIL import Image

    from repost.media import corner_ink

    clip = watermark_clips.marked("pan")
    greys = watermark.sample_greys(clip, probe_media(clip).duration_s)
    assert len(greys) == SAMPLES
    fresh = judge_samples(greys)
    ran = []
    canny = cv2.Canny
    monkeypatch.setattr(cv2, "Canny", lambda *a, **k: ran.append(1) or canny(*a, **k))
    copies = [g.copy() for g in greys]  # new samples: nothing known of them yet
    for n in CHECKS:
        no_mark_possible(copies[:n])
    assert judge_samples(copies) == fresh
    read = [Image.new("RGB", (greys[0].shape[1], greys[0].shape[0]))] * len(ocr.FRACTIONS)
    assert len(corner_ink.ink_corners(copies, read)) == len(read)
    assert len(ran) == SAMPLES
    direct = np.stack([canny(g, corner_ink.EDGE_LOW, corner_ink.EDGE_HIGH) > 0 for g in copies])
    assert np.array_equal(corner_ink.edge_maps(copies), direct)
