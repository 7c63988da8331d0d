"""Recognising a source by itself, and saying clearly what was expected when it is none of them."""

import pytest

from repost.errors import InputError
from repost.migrate.importers import detect_source


def test_post_folders(write_post, clip_fits_all, tmp_path):
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder="backlog/one")
    assert detect_source(tmp_path / "backlog") == ("posts", tmp_path / "backlog")
    assert detect_source(post) == ("posts", post)


def test_unknown_source_and_missing_path(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError) as info:
        detect_source(tmp_path)
    assert info.value.what == "not a source repost can migrate" and "yt-dlp" in info.value.hint
    with pytest.raises(InputError, match="no such file"):
        detect_source(tmp_path / "nope")
