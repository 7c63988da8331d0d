"""What the preview reads besides a bundle's own regular files: a smart crop's source only where
the user said sources are (a manifest is untrusted, and the one below names a "private" video
elsewhere), and a bundle's video only as a regular file (never a FIFO in its place)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from repost.preview.stills import smart_window

pytestmark = pytest.mark.timeout(60)

REFRAME = {
    "fit": "smart",
    "axis": "x",
    "window": {"width": 202, "height": 360},
    "keys": [{"t": 0.0, "x": 100}, {"t": 1.0, "x": 200}],
    "shots": [{"start_s": 0.0, "motion": "pan", "by": "face"}],
    "detector": "YuNet",
}


def _entry(source: object) -> dict:
    resolved = str(source) if isinstance(source, Path) else source
    record = {"resolved": resolved, "path": "clip.mp4", "width": 640, "height": 360, "rotation": 0}
    return {"role": "video", "path": "01.mp4", "reframe": REFRAME, "source": record}


def _exported(run, tmp_path, clip, platform: str):
    """A one-video post exported to ``platform``; the --out folder (its bundle: out/post/PLATFORM)."""
    post = tmp_path / "post"
    post.mkdir()
    shutil.copyfile(clip, post / "clip.mp4")
    (post / "post.yaml").write_text("caption: Cats.\nmedia: [clip.mp4]\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run("export", post, "--to", platform, "--out", out).code == 0
    return out


@pytest.fixture
def folders(tmp_path, media_factory):
    """``sources`` (the folder the user names) holding a clip, and ``private`` beside it, whose
    clip no manifest may get drawn on a page."""
    clip = media_factory("smart_sources_169.mp4", size="640x360", duration=1.0)
    sources, private = tmp_path / "sources", tmp_path / "private"
    sources.mkdir()
    private.mkdir()
    shutil.copyfile(clip, sources / "clip.mp4")
    shutil.copyfile(clip, private / "secret.mp4")
    return sources, private


def test_a_source_inside_the_named_folder_is_drawn(folders):
    sources, _ = folders
    shown = smart_window([_entry(sources / "clip.mp4")], [sources])["source"]
    assert shown["still"].startswith("data:image/jpeg;base64,") and shown["no_still"] is None


@pytest.mark.parametrize("how", ["outside", "symlink inside", "dotdot", "no folder named"])
def test_a_source_outside_the_named_folders_is_never_read(folders, how):
    sources, private = folders
    recorded, roots = private / "secret.mp4", [sources]
    if how == "symlink inside":  # the link is inside; what it points at is not
        (sources / "link.mp4").symlink_to(recorded)
        recorded = sources / "link.mp4"
    elif how == "dotdot":
        recorded = f"{sources}/../private/secret.mp4"
    elif how == "no folder named":
        roots = []
    shown = smart_window([_entry(recorded)], roots)
    assert shown["window"] == {"width": 202, "height": 360}  # the window is still shown
    assert shown["source"]["still"] is None
    assert shown["source"]["no_still"].startswith("source not shown: outside the folders sources are")


@pytest.mark.parametrize("how", ["fifo", "device", "not media", "folder", "wrong type"])
def test_a_source_that_is_no_media_file_is_not_read(folders, how):
    sources, _ = folders
    path = sources / "thing.mp4"
    if how == "fifo":
        os.mkfifo(path)  # opening it would hang the page's writing
    elif how == "device":
        path.symlink_to("/dev/zero")
    elif how == "not media":
        path.write_text("caption: not a video\n")
    elif how == "folder":
        path.mkdir()
    roots = [sources, Path("/dev")] if how == "device" else [sources]  # a device even where allowed
    shown = smart_window([_entry(123 if how == "wrong type" else path)], roots)["source"]
    assert shown["still"] is None
    expected = {
        "fifo": "is a named pipe (FIFO), not a regular file",
        "device": "is a character device, not a regular file",
        "not media": "not a video or image file",
        "folder": "is a folder, not a regular file",
        "wrong type": "the manifest records no source path",
    }[how]
    assert expected in shown["no_still"]


def test_the_preview_command_reads_sources_only_under_sources(
    run, folders, tmp_path, clip_fits_all, monkeypatch, page_data
):
    """`repost preview` over a bundle whose manifest names a private clip: no picture of it on
    the page (with the reason), by default (the current folder) and with --sources; the clip
    under --sources is drawn."""
    sources, private = folders
    out = _exported(run, tmp_path, clip_fits_all, "tiktok")
    manifest_path = out / "post" / "tiktok" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    video = next(e for e in manifest["files"] if e["role"] == "video")

    def plant(source: Path) -> None:
        video.update(reframe=REFRAME, source={**video["source"], "resolved": str(source)})
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    def shown(*options) -> dict:
        result = run("preview", out, *options)
        assert result.code == 0, result.err
        return page_data(out / "index.html")["posts"][0]["cards"][0]["smart"]["source"]

    plant(private / "secret.mp4")
    monkeypatch.chdir(sources)  # the default: the current folder
    for options in ((), ("--sources", sources)):
        card = shown(*options)
        assert card["still"] is None and "outside the folders" in card["no_still"]
        assert "secret.mp4" in card["no_still"]
    plant(sources / "clip.mp4")
    assert shown()["still"].startswith("data:image/jpeg;base64,")
    monkeypatch.chdir(tmp_path)
    assert shown("--sources", private)["still"] is None  # named folders replace the default


def test_a_bundle_video_that_is_a_fifo_never_hangs_the_page(run, tmp_path, clip_fits_all, page_data):
    """Shorts makes no cover.jpg, so the page draws a poster from the bundle's video: a FIFO in
    its place (a bundle from anyone) hung the page's writing for ever. It is shown without a
    poster, with validate's finding."""
    out = _exported(run, tmp_path, clip_fits_all, "shorts")
    video = out / "post" / "shorts" / "01.mp4"
    video.unlink()
    os.mkfifo(video)
    shutil.rmtree(out / ".repost")  # no poster remembered from the export
    result = run("preview", out)
    assert result.code == 0, result.err
    card = page_data(out / "index.html")["posts"][0]["cards"][0]
    assert card["poster"] is None and card["status"] == "failed"
    assert any("01.mp4" in f["message"] for f in card["findings"])


def test_nan_in_a_manifest_never_breaks_the_page(run, tmp_path, clip_fits_all):
    """NaN and Infinity are Python's extension of JSON: a manifest holding them had them passed
    to the page, whose JSON.parse then failed, leaving every card of the folder blank. They
    read as null (not a number: that key of the smart path is left out)."""
    out = _exported(run, tmp_path, clip_fits_all, "tiktok")
    manifest = out / "post" / "tiktok" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    video = next(e for e in data["files"] if e["role"] == "video")
    keys = [{"t": 0.0, "x": 10}, {"t": float("nan"), "x": 20}, {"t": 1.0, "x": float("inf")}]
    video["reframe"] = {**REFRAME, "keys": keys}
    manifest.write_text(json.dumps(data), encoding="utf-8")  # Python writes NaN and Infinity
    assert run("preview", out).code == 0

    def strict(constant):
        raise AssertionError(f"{constant} in the page's data: the browser's JSON.parse fails on it")

    page = (out / "index.html").read_text(encoding="utf-8")
    text = page.split('id="repost-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
    card = json.loads(text, parse_constant=strict)["posts"][0]["cards"][0]
    assert card["smart"]["keys"] == [[0.0, 10]]


def test_the_default_source_folder_is_never_home_or_the_root(tmp_path, monkeypatch):
    from repost.cli.export import default_sources

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert default_sources() == ()  # the home folder would let a manifest show any photo in it
    monkeypatch.chdir("/")
    assert default_sources() == ()
    (tmp_path / "backlog").mkdir()
    monkeypatch.chdir(tmp_path / "backlog")
    assert default_sources() == ((tmp_path / "backlog").resolve(),)
