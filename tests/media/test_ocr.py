"""Optional OCR of the corner bands (issue 17): an app's name or @handle read by tesseract where
it is installed, nothing read on clean clips, and nothing required where it is missing."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from repost.media import ocr
from repost.media.ffmpeg import find_ffmpeg
from repost.media.fonts import choose_font
from repost.media.probe import probe_media

pytestmark = pytest.mark.timeout(300)
needs_tesseract = pytest.mark.skipif(
    ocr.find_tesseract() is None,
    reason="tesseract not installed (apt-get install tesseract-ocr): OCR is optional, its tests need it",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("ocr")


def _read(path):
    return ocr.ocr_watermark(path, probe_media(path).duration_s)


def _texted_clip(clips, folder, name: str, text: str, font_path=None):
    """The panning scene of ``clips`` with ``text`` in white, put in the bottom-right corner for
    the whole clip, written to ``folder``."""
    font = ImageFont.truetype(str(font_path), 22) if font_path else ImageFont.load_default(size=22)
    mark = Image.new("RGBA", (200, 40), (0, 0, 0, 0))
    ImageDraw.Draw(mark).text((4, 6), text, font=font, fill=(255, 255, 255, 235))
    png = folder / f"{name}.png"
    mark.save(png)
    dest = folder / f"{name}.mp4"
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(clips.clean("pan")),
         "-loop", "1", "-t", str(clips.SECONDS), "-i", str(png),
         "-filter_complex", "[0:v][1:v]overlay=W-w-8:H-h-30:shortest=1",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(dest)],
        check=True,
    )  # fmt: skip
    return dest


@needs_tesseract
def test_the_handle_of_a_mark_that_jumps_corners_is_read_in_both(watermark_clips):
    found = _read(watermark_clips.marked("testsrc2"))
    assert found and "'@creator'" in found and "top-left then bottom-right" in found


@needs_tesseract
def test_an_apps_name_in_a_corner_is_read(folder, watermark_clips):
    found = _read(_texted_clip(watermark_clips, folder, "named", "TikTok"))
    assert found and "'tiktok'" in found and "bottom-right" in found


@needs_tesseract
def test_douyin_is_read_where_chinese_data_and_a_font_are_installed(folder, watermark_clips):
    font = choose_font("抖音")
    binary = ocr.find_tesseract()
    if "chi_sim" not in ocr.installed_languages(binary) or font.missing or font.path is None:
        pytest.skip("needs tesseract's chi_sim data (tesseract-ocr-chi-sim) and a CJK font")
    found = _read(_texted_clip(watermark_clips, folder, "douyin", "抖音", font.path))
    assert found and "'抖音'" in found


@needs_tesseract
@pytest.mark.parametrize(
    "make",
    [lambda c: c.clean("testsrc2"), lambda c: c.clean("pan"), lambda c: c.subtitled()],
    ids=["testsrc2", "pan", "subtitled"],
)
def test_text_of_the_video_s_own_reads_as_no_mark(watermark_clips, make):
    assert _read(make(watermark_clips)) is None


@needs_tesseract
def test_export_names_what_tesseract_read(folder, write_post, run, tmp_path, watermark_clips):
    post = write_post(
        "caption: x\nmedia: [c.mp4]\n", {"c.mp4": _texted_clip(watermark_clips, folder, "named", "TikTok")}
    )
    assert run("export", post, "--to", "lemon8", "--out", tmp_path / "out").code == 0
    manifest = json.loads(next((tmp_path / "out").glob("*/lemon8/manifest.json")).read_text(encoding="utf-8"))
    assert any("read by tesseract" in w and "other_watermark" in w for w in manifest["warnings"])


def test_without_tesseract_nothing_is_read_and_nothing_fails(
    monkeypatch, write_post, run, tmp_path, caplog, watermark_clips
):
    monkeypatch.setenv(ocr.TESSERACT_ENV, "no-such-tesseract-binary")
    monkeypatch.setattr(ocr, "_WARNED", set())
    assert ocr.find_tesseract() is None
    clip = watermark_clips.marked("testsrc2")
    assert _read(clip) is None
    post = write_post("caption: x\nmedia: [c.mp4]\n", {"c.mp4": clip})
    assert run("export", post, "--to", "lemon8", "--out", tmp_path / "out").code == 0
    manifest = json.loads(next((tmp_path / "out").glob("*/lemon8/manifest.json")).read_text(encoding="utf-8"))
    warned = [w for w in manifest["warnings"] if "other_watermark" in w]
    assert warned and not any("tesseract" in w for w in warned)  # the picture check alone
    # the variable was set, so the user wanted OCR: told once in the whole run, not per look
    told = [r.getMessage() for r in caplog.records if ocr.TESSERACT_ENV in r.getMessage()]
    assert told == [
        "warning: REPOST_TESSERACT names 'no-such-tesseract-binary', which is not a program on PATH;"
        " no words are read in video corners (another platform's watermark is still looked for in"
        " the picture and the files)"
    ]


def _plain_file(folder):
    """A file that is there but is no program (mode 0644)."""
    path = folder / "tesseract.txt"
    path.write_text("not a program")
    return path


@pytest.mark.parametrize(
    "make,why",
    [
        (lambda d: d / "gone" / "tesseract", "does not exist"),
        (lambda d: d, "is a folder"),
        (_plain_file, "is not an executable file"),
    ],
    ids=["missing", "folder", "not-executable"],
)
def test_a_tesseract_variable_naming_no_program_is_told_once_and_ocr_is_skipped(
    tmp_path, monkeypatch, caplog, make, why
):
    named = str(make(tmp_path))
    monkeypatch.setenv(ocr.TESSERACT_ENV, named)
    monkeypatch.setattr(ocr, "_WARNED", set())
    with caplog.at_level("WARNING", logger="repost.media.ocr"):
        assert ocr.find_tesseract() is None
        assert ocr.reading_times(10.0) == ()  # no frames are decoded for OCR
        assert ocr.remembered_ocr(tmp_path / "any.mp4", 10.0) is None
        assert ocr.ocr_watermark(tmp_path / "any.mp4", 10.0) is None
    told = [r for r in caplog.records if r.name == "repost.media.ocr"]
    assert len(told) == 1 and told[0].levelname == "WARNING"
    text = told[0].getMessage()
    assert text.startswith("warning: REPOST_TESSERACT names ") and repr(named) in text and why in text


def test_a_working_tesseract_variable_or_none_set_is_not_warned_about(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(ocr, "_WARNED", set())
    monkeypatch.setenv(ocr.TESSERACT_ENV, _fake_tesseract(tmp_path, "exit 0"))
    assert ocr.find_tesseract() == str(tmp_path / "tesseract")
    monkeypatch.delenv(ocr.TESSERACT_ENV)
    ocr.find_tesseract()  # tesseract on PATH, or none: OCR is optional, nothing to say
    assert not [r for r in caplog.records if r.name == "repost.media.ocr"]


def _fake_tesseract(tmp_path, body: str):
    """A $REPOST_TESSERACT wrapper script: lists English, then runs ``body`` for a read."""
    script = tmp_path / "tesseract"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--list-langs" ]; then echo "List of available languages (1):"; echo eng; exit 0; fi\n'
        f"{body}\n"
    )
    script.chmod(0o755)
    return str(script)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for init to reap it is gone too
        return f.read().split()[2] != "Z"


@pytest.mark.timeout(30)
def test_a_wrapper_that_hangs_is_killed_with_what_it_started(tmp_path, monkeypatch):
    """$REPOST_TESSERACT may be a wrapper (a container, a shim): on the deadline it is killed
    with its children, none left running (subprocess.run killed only the wrapper)."""
    pids = tmp_path / "pids"
    binary = _fake_tesseract(tmp_path, f"sleep 600 & echo $! > {pids}; wait")
    monkeypatch.setattr(ocr, "TIMEOUT_S", 1.0)
    with pytest.raises(ocr.MediaError, match=r"tesseract took over 1 s"):
        ocr.read_words(binary, Image.new("RGB", (64, 64)), "eng")
    sleeper = int(pids.read_text())
    for _ in range(50):  # SIGKILL is delivered at once; the reaping by init may take a moment
        if not _alive(sleeper):
            break
        time.sleep(0.1)
    assert not _alive(sleeper)


@pytest.mark.timeout(30)
def test_a_tesseract_that_writes_without_end_is_cut_at_the_output_cap(tmp_path):
    binary = _fake_tesseract(tmp_path, "exec yes 'level\tpage\tblock'")
    with pytest.raises(ocr.MediaError, match=r"tesseract wrote over 1,000,000 bytes"):
        ocr.read_words(binary, Image.new("RGB", (64, 64)), "eng")


@pytest.mark.timeout(60)
def test_a_broken_tesseract_costs_only_the_ocr(tmp_path, monkeypatch, watermark_clips):
    monkeypatch.setenv(ocr.TESSERACT_ENV, _fake_tesseract(tmp_path, "echo oops >&2; exit 3"))
    ocr.installed_languages.cache_clear()
    try:
        assert ocr.ocr_watermark(watermark_clips.marked("testsrc2"), watermark_clips.SECONDS) is None
    finally:
        ocr.installed_languages.cache_clear()


@pytest.mark.parametrize("text", ["TikTok", "抖音"])
def test_the_corner_holding_an_apps_word_is_one_tesseract_reads(folder, watermark_clips, text):
    """Tesseract reads only the bands media/corner_ink.py picks: the one with the word, in
    both frames, whatever the script."""
    from repost.media.corner_ink import ink_corners
    from repost.media.sampling import Wanted, sample_video
    from repost.media.watermark import grey_maker, sample_times

    font = choose_font(text)
    if font.missing or (text != "TikTok" and font.path is None):
        pytest.skip("needs a CJK font")
    clip = _texted_clip(
        watermark_clips, folder, f"ink-{len(text)}", text, font.path if text != "TikTok" else None
    )
    duration = probe_media(clip).duration_s
    times = tuple(duration * f for f in ocr.FRACTIONS)
    sampled = sample_video(clip, Wanted(grey_maker(0), sample_times(duration), times))
    assert [("bottom-right" in c) for c in ink_corners(sampled.greys, sampled.pictures)] == [True, True]


@pytest.mark.parametrize(("draw", "read"), [("area", False), ("strokes", True)])
def test_white_areas_are_not_ink_and_thin_white_strokes_are(draw, read):
    """A white box in a corner is an area (nothing to read); a word of the same white is ink."""
    import numpy as np

    from repost.media.corner_ink import ink_corners

    picture = Image.new("RGB", (640, 360), (90, 40, 40))
    pen = ImageDraw.Draw(picture)
    if draw == "area":
        pen.rectangle((12, 12, 160, 60), fill="white")
    else:
        pen.text((12, 12), "@creator", font=ImageFont.load_default(size=22), fill="white")
    grey = np.asarray(picture.convert("L").resize((256, 144)))
    corners = ink_corners([grey] * 24, [picture, picture])
    assert corners == ([("top-left",)] * 2 if read else [(), ()])


@pytest.mark.parametrize("english_reads", [True, False])
def test_both_frames_are_one_run_and_chinese_is_read_only_where_english_found_no_mark(
    tmp_path, monkeypatch, watermark_clips, english_reads
):
    """Tesseract's start and model are most of a run's cost: both frames go as the pages of one
    English run, and the Chinese run (for 抖音) is made only where English read no app's name
    or @handle."""
    script = tmp_path / "tesseract"
    script.write_text('#!/bin/sh\necho "List of available languages (2):"; echo chi_sim; echo eng\n')
    script.chmod(0o755)
    monkeypatch.setenv(ocr.TESSERACT_ENV, str(script))
    runs = []

    def read(_binary, pages, langs):
        runs.append((langs, len(pages)))
        return [(p, 0, "@creator") for p in range(len(pages))] if english_reads and langs == "eng" else []

    monkeypatch.setattr(ocr, "read_words", read)
    found = ocr.ocr_watermark(watermark_clips.marked("testsrc2"), watermark_clips.SECONDS)
    assert runs == ([("eng", 2)] if english_reads else [("eng", 2), ("chi_sim", 1)])
    assert (found is not None) is english_reads
