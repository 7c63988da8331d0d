"""Fixtures for the preview tests: a small exported backlog (a video post, a photo post, a hostile
caption) made once per module with the real export command, its page data read back, and a
headless Chromium."""

from __future__ import annotations

import html.parser
import json
import tempfile
from pathlib import Path

import pytest

from tests.preview.browser import Browser, find_chromium

VIDEO_POST = """
title: Cats at sunset
caption: >-
  Evening with the cats on the roof, watching the sun go down behind the hills.
  They love every minute of it, and so do we. #cats @luna_the_cat
hashtags: [sunset, cats]
media:
  - {path: clip.mp4, alt: Two cats on a roof at sunset}
"""
PHOTO_POST = """
title: 三张照片 Photos
caption: >-
  A photo note 📸 with three pictures and a caption long enough to fold:
  一二三四五六七八九十, and then more words to read.
hashtags: [photo, 照片]
media:
  - {path: 1.jpg, alt: Blue square with a yellow corner}
  - {path: 2.jpg, alt: The same picture again}
  - 3.jpg
"""
HOSTILE_POST = """
title: "</script><script>window.pwned = 1</script>"
caption: "<script>window.pwned = 2</script><img src=x onerror=\\"window.pwned = 3\\"> & &amp; \\u2028 done"
hashtags: ["<b>bold</b>"]
media: [clip.mp4]
"""


def write_backlog(root: Path, clip: Path, photos: list[Path]) -> Path:
    """Three post folders under ``root``/posts, their media copied in."""
    import shutil

    posts = root / "posts"
    for name, text, media in (
        ("cats", VIDEO_POST, {"clip.mp4": clip}),
        ("photos", PHOTO_POST, {f"{i}.jpg": p for i, p in enumerate(photos, 1)}),
        ("hostile", HOSTILE_POST, {"clip.mp4": clip}),
    ):
        folder = posts / name
        folder.mkdir(parents=True)
        for dest, src in media.items():
            shutil.copyfile(src, folder / dest)
        (folder / "post.yaml").write_text(text, encoding="utf-8")
    return posts


def read_page_data(index: Path) -> dict:
    """The JSON block of a written page, read back the way the page's script reads it."""

    class Grab(html.parser.HTMLParser):
        data = None
        inside = False

        def handle_starttag(self, tag, attrs):
            self.inside = tag == "script" and ("id", "repost-data") in attrs

        def handle_data(self, d):
            if self.inside:
                self.data = d

        def handle_endtag(self, tag):
            self.inside = False

    g = Grab()
    g.feed(index.read_text(encoding="utf-8"))
    return json.loads(g.data)


@pytest.fixture(scope="session")
def page_data():
    """``page_data(index_html)``: the data block of a written preview page, as its script reads it."""
    return read_page_data


@pytest.fixture(scope="session")
def photos_34(image_factory) -> list[Path]:
    """Three 1080x1440 (3:4) RGB JPEGs: RedNote and Lemon8 take them as they are."""
    return [image_factory(f"photo34_{i}.jpg", size=(1080, 1440)) for i in range(3)]


@pytest.fixture(scope="module")
def backlog(tmp_path_factory, clip_fits_all, photos_34) -> Path:
    """``repost export ... --to all --preview`` on the three posts; returns the --out folder."""
    from repost.cli.main import main

    root = tmp_path_factory.mktemp("backlog")
    posts = write_backlog(root, clip_fits_all, photos_34)
    out = root / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REPOST_CONFIG_DIR", str(root / "config"))
        with pytest.raises(SystemExit) as info:
            main(
                [
                    "export",
                    *(str(p) for p in sorted(posts.iterdir())),
                    "--to",
                    "tiktok,reels,rednote,lemon8",
                    "--out",
                    str(out),
                    "--preview",
                ]
            )
    # Every post reaches every platform: the photo post is fitted to TikTok and a slideshow on Reels.
    assert info.value.code == 0
    assert (out / "index.html").is_file()
    return out


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip(
            "Chromium not found: install Debian's chromium (apt-get install chromium) or set "
            "REPOST_CHROMIUM; the preview page is tested in a real browser"
        )
    return binary


@pytest.fixture(scope="module")
def browser(chromium):
    with tempfile.TemporaryDirectory(prefix="repost-chromium-") as profile:
        b = Browser(chromium, Path(profile))
        try:
            yield b
        finally:
            b.close()
