"""yt-dlp folder importer: info.json to Post, thumbnails as covers, audio-only photo posts warned."""

import datetime as dt

from repost.migrate.importers import detect_source
from repost.migrate.importers.ytdlp import iter_posts


def test_info_json_becomes_a_post(tmp_path, clip_fits_all, image_jpeg_34, write_ytdlp_entry):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "7301234567890123456", clip_fits_all,
                      title="Cats at dusk 🐱 #cats", description="Cats at dusk 🐱 #cats\nsecond line",
                      tags=["cats", "#dusk"], timestamp=1700000000)  # fmt: skip
    (folder / "7301234567890123456.webp").write_bytes(image_jpeg_34.read_bytes())
    assert detect_source(folder) == ("yt-dlp", folder)
    (post,) = iter_posts(folder, tmp_path / "dl")
    assert post.id == "7301234567890123456"
    assert post.post.caption == "Cats at dusk 🐱 #cats\nsecond line"
    assert post.post.title is None  # TikTok's title is the description cut short
    assert post.post.hashtags == ("cats", "dusk")
    assert post.post.created == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    assert post.post.media[0].path == (folder / "7301234567890123456.mp4").resolve()
    assert post.post.cover.path == (folder / "7301234567890123456.webp").resolve()
    assert post.post.source.get("url").endswith("/video/7301234567890123456")


def test_real_title_kept_and_upload_date_used(tmp_path, clip_fits_all, write_ytdlp_entry):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "abc-DEF_123", clip_fits_all, suffix=".webm", title="A real title",
                      description="Body", upload_date="20230102", extractor_key="Youtube")  # fmt: skip
    (post,) = iter_posts(folder, tmp_path / "dl")
    assert post.post.title == "A real title" and post.post.created == dt.date(2023, 1, 2)
    assert post.post.media[0].path.name == "abc-DEF_123.webm"


def test_photo_post_saved_as_audio_is_skipped_with_how_to_fetch_the_photos(
    tmp_path, clip_fits_all, write_ytdlp_entry
):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "7400000000000000001", clip_fits_all, suffix=".mp3", vcodec="none")
    (post,) = iter_posts(folder, tmp_path / "dl")
    skip = post.skip
    assert "saved only the sound of this photo post" in skip
    assert "gallery-dl https://www.tiktok.com/@cats.at.dusk/video/7400000000000000001" in skip


def test_missing_media_and_playlists(tmp_path, write_ytdlp_entry):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "111", None)
    (folder / "list.info.json").write_text('{"_type": "playlist", "id": "list"}', encoding="utf-8")
    (folder / "zzz.info.json").write_text("{broken", encoding="utf-8")
    missing, broken = iter_posts(folder, tmp_path / "dl")
    assert "no media file beside 111.info.json" in missing.error
    assert broken.id == "zzz" and "not valid JSON" in broken.error


def test_ids_are_path_safe_and_unique(tmp_path, clip_fits_all, write_ytdlp_entry):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "a", clip_fits_all, id="../../etc/passwd")
    write_ytdlp_entry(folder, "b", clip_fits_all, id="etc/passwd")
    ids = [p.id for p in iter_posts(folder, tmp_path / "dl")]
    # folder-safe, and apart: each keeps a digest of the id it was made from (stable across runs)
    assert [i[: -len("-123456")] for i in ids] == ["etc-passwd", "etc-passwd"] and len(set(ids)) == 2
    assert ids == [p.id for p in iter_posts(folder, tmp_path / "dl")]


def test_fields_of_another_shape_fail_or_drop_never_become_text(tmp_path, clip_fits_all, write_ytdlp_entry):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "a", clip_fits_all, description=["first", "second"], tags="cats, dogs")
    write_ytdlp_entry(folder, "b", clip_fits_all, tags=["ok", None, {"k": 1}, "#"], description="Cut \ud83d")
    write_ytdlp_entry(folder, "c", None, _filename=5, filepath=["x"])
    (folder / "d.info.json").write_text('\ufeff{"id": "d", "description": "BOM"}', encoding="utf-8")
    a, b, c, d = iter_posts(folder, tmp_path / "dl")
    assert a.post.caption == "" and a.post.hashtags == ("cats", "dogs")
    assert b.post.hashtags == ("ok",) and b.post.caption == "Cut"
    assert "no media file beside c.info.json" in c.error
    assert (
        d.id == "d"
        and d.post.caption == "BOM"
        and d.error == "no media file beside d.info.json (was the download finished?)"
    )
