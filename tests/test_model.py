"""post.yaml schema 1: good posts load into the typed model; every bad one names file and key."""

import datetime as dt
from pathlib import Path

import pytest

from repost.errors import InputError, PostError
from repost.post.model import Cover, MediaItem, load_post

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "src.mp4"
    path.write_bytes(b"not really a video; the model only checks the file exists")
    return path


def test_example_video_post_loads():
    post = load_post(EXAMPLES / "sunset-walk")
    assert post.id == "sunset-walk"
    assert post.hashtags == ("sunset", "goldenhour", "walk")
    assert post.media == (
        MediaItem(
            EXAMPLES.resolve() / "sunset-walk" / "clip.mp4", "A gradient sky turning from peach to violet"
        ),
    )
    assert post.cover == Cover(time_s=1.5)
    assert post.created == dt.datetime(2025, 1, 18, 19, 30, tzinfo=dt.UTC)
    assert post.translations["zh"].title == "黄昏散步 🌅"


def test_every_key_of_schema_1(write_post, clip):
    folder = write_post(
        """
id: full
title: T
caption: C
hashtags: ["#cats", dogs]
mentions: {alice: {rednote: alice_rn}}
media: [clip.mp4, {path: clip.mp4, alt: the clip}]
cover: clip.mp4
created: "2025-01-18"
lang: en
translations: {zh: {title: 标题, caption: 正文}}
platforms: {rednote: {caption: RedNote caption, hashtags: [猫]}}
source: {kind: yt-dlp, url: "https://example.invalid/v/1"}
""",
        media={"clip.mp4": clip},
    )
    post = load_post(folder / "post.yaml")
    assert post.hashtags == ("cats", "dogs")  # a leading '#' is dropped
    assert post.mentions["alice"]["rednote"] == "alice_rn"
    assert post.media[1].alt == "the clip"
    assert post.cover.path == folder.resolve() / "clip.mp4"
    assert post.source["kind"] == "yt-dlp"
    rednote = post.for_platform("rednote")
    assert (rednote.caption, rednote.hashtags, rednote.title) == ("RedNote caption", ("猫",), "T")
    assert post.for_platform("tiktok") is post


def test_id_defaults_to_folder_name(write_post, clip):
    folder = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip}, folder="my-post")
    assert load_post(folder).id == "my-post"
    assert load_post(folder).mentions == {}


def test_all_problems_reported_at_once_with_key_paths(write_post, clip):
    folder = write_post(
        """
id: ""
captoin: typo
hashtags: cats
media: [clip.mp4, missing.mp4, {path: gone.jpg, alt: 3}]
cover: {time: -1}
created: yesterday
platforms: {tiktok: {colour: red}}
""",
        media={"clip.mp4": clip},
    )
    with pytest.raises(PostError) as info:
        load_post(folder)
    err = info.value
    assert err.where == str(folder / "post.yaml")
    text = "\n".join(err.problems)
    for expected in (
        "id: must not be empty",
        "captoin: unknown key",
        "hashtags: must be a list",
        "media[1]: media file not found: missing.mp4",
        "media[2].alt: must be text",
        "cover.time: -1 is below the minimum 0",
        "created: must be an ISO 8601 date",
        "platforms.tiktok.colour: unknown key",
    ):
        assert expected in text, (expected, text)


def test_missing_media_file_named_with_key_path(write_post):
    folder = write_post("media: [{path: nope.mp4}]\n")
    with pytest.raises(PostError, match=r"media\[0\]\.path: media file not found: nope.mp4"):
        load_post(folder)


def test_media_is_required(write_post):
    with pytest.raises(PostError, match="media: is required"):
        load_post(write_post("caption: hello\n"))


def test_yaml_syntax_error_names_line(write_post):
    folder = write_post("caption: ok\nmedia: [a.mp4\n")
    with pytest.raises(InputError, match="YAML syntax error") as info:
        load_post(folder)
    assert info.value.where.endswith("post.yaml:3")


def test_unsafe_yaml_tags_are_refused(write_post, tmp_path):
    marker = tmp_path / "pwned"
    folder = write_post(f"caption: !!python/object/apply:os.system ['touch {marker}']\nmedia: []\n")
    with pytest.raises(InputError):
        load_post(folder)
    assert not marker.exists()


def test_folder_without_post_yaml(tmp_path):
    with pytest.raises(InputError, match=r"folder holds no post\.yaml"):
        load_post(tmp_path)


def test_post_is_immutable(write_post, clip):
    post = load_post(write_post("media: [clip.mp4]\n", media={"clip.mp4": clip}))
    with pytest.raises(AttributeError):
        post.caption = "changed"


def test_audio_and_cover_text_keys(write_post, clip):
    post = load_post(
        write_post("media: [clip.mp4]\naudio: clip.mp4\ncover_text: 抹茶 3 ways\n", media={"clip.mp4": clip})
    )
    assert post.audio == post.media[0].path and post.cover_text == "抹茶 3 ways"
    with pytest.raises(PostError, match=r"audio: audio file not found: tune\.m4a"):
        load_post(write_post("media: [clip.mp4]\naudio: tune.m4a\n", media={"clip.mp4": clip}))
