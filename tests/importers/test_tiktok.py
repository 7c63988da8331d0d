"""TikTok export importer: both schemas, Link/link drift, empty markers, photo posts, private posts."""

import datetime as dt
import re

import pytest

from repost.errors import InputError
from repost.migrate.importers import detect_source, iter_source
from repost.migrate.importers.tiktok import iter_posts


@pytest.fixture
def videos(tiktok_video):
    """Four posts of an export: a video, a photo post, a private one, one with an empty title."""
    return [
        tiktok_video("2024-03-02 18:04:11", "https://v16m.tiktokcdn.com/abc/?a=1&x-signature=s1",
                     "Sunset cats 🐱 #cats #sunset"),
        tiktok_video("2024-02-01 09:00:00", "https://p16.tiktokcdn.com/i1.jpeg?s=1\nhttps://p16.tiktokcdn.com/i2?s=2",
                     "Two photos"),
        tiktok_video("2024-01-05 07:30:00", "https://v16m.tiktokcdn.com/def/?x=2", "N/A", who="Only You"),
        tiktok_video("2024-01-05 07:30:00", "https://v16m.tiktokcdn.com/ghi/?x=3", " - "),
    ]  # fmt: skip


def test_2024_schema(tmp_path, videos, write_tiktok_export):
    file = write_tiktok_export(tmp_path / "export", videos)
    assert detect_source(tmp_path / "export") == ("tiktok", file)
    downloads = tmp_path / "out" / ".repost" / "downloads"
    posts = list(iter_source("tiktok", file, downloads))
    assert [p.id for p in posts] == [
        "tiktok-20240302-180411",
        "tiktok-20240201-090000",
        "tiktok-20240105-073000",
        "tiktok-20240105-073000-2",
    ]
    video, photos, private, empty = posts
    assert video.post.caption == "Sunset cats 🐱 #cats #sunset"
    assert video.post.created == dt.datetime(2024, 3, 2, 18, 4, 11, tzinfo=dt.UTC)
    # Named after the post and the link (its signature left out: it changes with every export).
    [path] = [m.path for m in video.post.media]
    assert path.parent == downloads.resolve() and re.fullmatch(
        r"tiktok-20240302-180411-01-[0-9a-f]{10}", path.name
    )
    again = write_tiktok_export(tmp_path / "export2", [{**videos[0], "Link": videos[0]["Link"] + "&new=1"}])
    assert next(iter_source("tiktok", again, downloads)).post.media[0].path == path
    assert all(m.path.is_absolute() for p in posts for m in p.post.media)
    assert video.post.media[0].alt is None  # "N/A" means empty
    assert len(photos.post.media) == 2 and len(photos.links) == 2
    assert private.private is True and video.private is False
    assert private.post.caption == "" and empty.post.caption == ""
    assert video.post.source["importer"] == "tiktok" and video.post.source["file"] == str(file.resolve())


def test_old_schema_with_lowercase_keys(tmp_path, write_tiktok_export):
    old = [{"date": "2021-07-09 10:11:12", "link": "https://v16.muscdn.com/x?sig=1", "likes": "3"}]
    file = write_tiktok_export(tmp_path / "export", old, old_schema=True)
    assert file.name == "user_data.json"
    assert detect_source(file) == ("tiktok", file)
    (post,) = iter_posts(file, tmp_path / "dl")
    assert post.id == "tiktok-20210709-101112" and post.post.caption == ""
    assert post.links == ("https://v16.muscdn.com/x?sig=1",)


def test_folder_one_level_up_is_recognised(tmp_path, videos, write_tiktok_export):
    file = write_tiktok_export(tmp_path / "TikTok_Data_1711111111" / "TikTok_Data", videos)
    assert detect_source(tmp_path / "TikTok_Data_1711111111") == ("tiktok", file)


def test_ids_are_stable_across_reads(tmp_path, videos, write_tiktok_export):
    file = write_tiktok_export(tmp_path / "export", videos)
    first = [p.id for p in iter_posts(file, tmp_path / "dl")]
    assert first == [p.id for p in iter_posts(file, tmp_path / "dl")]


def test_null_post_list_gives_no_posts_and_a_post_without_link_fails_alone(
    tmp_path, tiktok_video, write_tiktok_export
):
    file = write_tiktok_export(tmp_path / "a", None)
    assert list(iter_posts(file, tmp_path / "dl")) == []
    file = write_tiktok_export(tmp_path / "b", [tiktok_video("2024-01-01 00:00:00", "N/A", "x")])
    (post,) = iter_posts(file, tmp_path / "dl")
    assert post.error == "no media link in the export for this post"


def test_export_without_any_post_list_is_a_clear_error(tmp_path):
    (tmp_path / "user_data_tiktok.json").write_text('{"Profile": {}}', encoding="utf-8")
    with pytest.raises(InputError, match="no post list in this TikTok export"):
        list(iter_posts(tmp_path / "user_data_tiktok.json", tmp_path / "dl"))


def test_broken_json_names_the_file(tmp_path):
    (tmp_path / "user_data_tiktok.json").write_text('{"Post": ', encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(iter_posts(tmp_path / "user_data_tiktok.json", tmp_path / "dl"))
    assert "not valid JSON" in info.value.what and "user_data_tiktok.json" in info.value.where


def test_drifted_fields_are_read_or_named_never_spelled_out(tmp_path, tiktok_video, write_tiktok_export):
    videos = [
        tiktok_video(1718000000, "https://v16m.tiktokcdn.com/a/?s=1", "Unix seconds"),
        tiktok_video("2024/06/10 10:00", "https://v16m.tiktokcdn.com/b/?s=1", "Slashes"),
        tiktok_video("last summer", "https://v16m.tiktokcdn.com/c/?s=1", {"x": 1}),
        tiktok_video("2024-06-11 10:00:00", "https://v16m.tiktokcdn.com/d/?s=1", "Cut mid-emoji \ud83d"),
        tiktok_video("2024-06-12 10:00:00", ["not", "a", "link"], "No link"),
    ]
    file = write_tiktok_export(tmp_path / "export", videos)
    unix, slashes, unknown, cut, nolink = iter_posts(file, tmp_path / "dl")
    assert unix.post.created == dt.datetime(2024, 6, 10, 6, 13, 20, tzinfo=dt.UTC)
    assert slashes.post.created == dt.datetime(2024, 6, 10, 10, 0, tzinfo=dt.UTC)
    assert unknown.post.created is None and unknown.post.caption == ""  # not "{'x': 1}"
    assert unknown.id.startswith("tiktok-undated-")
    assert unknown.warnings == (
        "Date 'last summer' not understood: the post is undated (--since, --until skip it)",
    )
    assert cut.post.caption == "Cut mid-emoji"  # the lone surrogate no file can hold is dropped
    assert nolink.error == "no media link in the export for this post"


def test_a_post_list_of_another_shape_is_named(tmp_path):
    (tmp_path / "user_data_tiktok.json").write_text('{"Post": {"Posts": {"VideoList": 5}}}', encoding="utf-8")
    with pytest.raises(InputError, match="no post list in this TikTok export"):
        list(iter_posts(tmp_path / "user_data_tiktok.json", tmp_path / "dl"))


def test_undated_posts_keep_their_ids_when_a_newer_export_adds_one(
    tmp_path, tiktok_video, write_tiktok_export
):
    old = [tiktok_video("N/A", "https://v16m.tiktokcdn.com/land/?s=1", "Landscape"),
           tiktok_video("N/A", "https://v16m.tiktokcdn.com/port/?s=1", "Portrait")]  # fmt: skip
    new = [tiktok_video("N/A", "https://v16m.tiktokcdn.com/new/?s=2", "New"), *old]
    before = {
        p.post.caption: p for p in iter_posts(write_tiktok_export(tmp_path / "a", old), tmp_path / "dl")
    }
    after = {p.post.caption: p for p in iter_posts(write_tiktok_export(tmp_path / "b", new), tmp_path / "dl")}
    for caption in ("Landscape", "Portrait"):
        assert after[caption].id == before[caption].id
        assert after[caption].post.media == before[caption].post.media
    assert len({p.post.media[0].path for p in after.values()}) == 3
