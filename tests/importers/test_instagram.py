"""Instagram export importer: three layouts, single posts vs carousels, reels, mojibake repaired."""

import datetime as dt

import pytest

from repost.migrate.importers import detect_source
from repost.migrate.importers.common import fix_mojibake
from repost.migrate.importers.instagram import iter_posts

CAT = "Evening cats 🐱 at the café #cats"


def test_mojibake_is_repaired_and_clean_text_kept(mojibake):
    assert mojibake("🐱") == "ð\x9f\x90±"
    assert fix_mojibake("Un Taxi \u00f0\u009f\u0087\u00a8\u00f0\u009f\u0087\u00b4") == "Un Taxi 🇨🇴"
    assert fix_mojibake({"t": [mojibake(CAT)]}) == {"t": [CAT]}
    for clean in ("café", "plain", "猫 🐱", ""):
        assert fix_mojibake(clean) == clean


@pytest.mark.parametrize("layout", ["2025", "2024", "old"])
def test_posts_and_reels_in_every_layout(
    tmp_path, layout, image_jpeg_34, clip_fits_all, ig_media, mojibake, write_instagram_export
):
    posts = [
        {"media": [ig_media("media/posts/202405/111_n_1.jpg", 1715566876, CAT)]},
        {
            "media": [ig_media("media/posts/202403/222_n_2.jpg", 1710165470),
                      ig_media("media/posts/202403/333_n_3.jpg", 1710165470)],
            "title": mojibake("Un Taxi 🇨🇴"),
            "creation_timestamp": 1710165471,
        },
    ]  # fmt: skip
    reels = [{"media": [ig_media("media/reels/202401/FQIoAkMzLBdA_1790", 1704232088, "Reel 🎬")]}]
    files = {
        "media/posts/202405/111_n_1.jpg": image_jpeg_34,
        "media/posts/202403/222_n_2.jpg": image_jpeg_34,
        "media/posts/202403/333_n_3.jpg": image_jpeg_34,
        "media/reels/202401/FQIoAkMzLBdA_1790": clip_fits_all,  # a video uri with no extension
    }
    root = write_instagram_export(tmp_path / "instagram-cats-2024", layout, posts, reels, files)
    assert detect_source(root) == ("instagram", root)
    single, carousel, reel = iter_posts(root, tmp_path / "dl")
    assert single.post.caption == CAT and single.id == "instagram-20240513-022116"
    assert single.post.created == dt.datetime(2024, 5, 13, 2, 21, 16, tzinfo=dt.UTC)
    assert carousel.post.caption == "Un Taxi 🇨🇴" and len(carousel.post.media) == 2
    assert carousel.post.created == dt.datetime.fromtimestamp(1710165471, dt.UTC)
    assert reel.post.caption == "Reel 🎬" and reel.post.media[0].path == (root / list(files)[3]).resolve()
    assert reel.post.source.get("kind") == "reel" and single.post.source.get("kind") == "post"
    assert all(m.path.is_absolute() for p in (single, carousel, reel) for m in p.post.media)


def test_missing_media_file_fails_that_post_alone(tmp_path, image_jpeg_34, ig_media, write_instagram_export):
    posts = [
        {"media": [ig_media("media/posts/202405/gone.jpg", 1715566876, "lost")]},
        {"media": [ig_media("media/posts/202405/here.jpg", 1715566877, "here")]},
    ]
    root = write_instagram_export(
        tmp_path / "ig", "2024", posts, [], {"media/posts/202405/here.jpg": image_jpeg_34}
    )
    lost, here = iter_posts(root, tmp_path / "dl")
    assert lost.error == "media file not found in the export: media/posts/202405/gone.jpg"
    assert here.error is None and here.post.caption == "here"


def test_same_second_posts_get_distinct_stable_ids(tmp_path, image_jpeg_34, ig_media, write_instagram_export):
    posts = [{"media": [ig_media(f"media/posts/1/{i}.jpg", 1715566876, str(i))]} for i in range(3)]
    files = {f"media/posts/1/{i}.jpg": image_jpeg_34 for i in range(3)}
    root = write_instagram_export(tmp_path / "ig", "2024", posts, [], files)
    ids = [p.id for p in iter_posts(root, tmp_path / "dl")]
    assert ids == ["instagram-20240513-022116", "instagram-20240513-022116-2", "instagram-20240513-022116-3"]
    assert ids == [p.id for p in iter_posts(root, tmp_path / "dl")]


def test_a_media_uri_leading_out_of_the_export_is_refused(
    tmp_path, image_jpeg_34, ig_media, write_instagram_export
):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(image_jpeg_34.read_bytes())
    posts = [{"media": [ig_media("../secret.jpg", 1715566876, "sneaky")]}]
    root = write_instagram_export(tmp_path / "export", "2024", posts, [], {})
    (post,) = iter_posts(root, tmp_path / "dl")
    assert post.post.media == () and "outside the export folder: ../secret.jpg" in post.error


@pytest.mark.parametrize(
    ("posts", "reels", "why"),
    [
        ("7", None, "posts_1.json holds no a list of posts"),
        ('{"media": []}', None, "posts_1.json holds no a list of posts"),
        ("[]", '{"ig_reels_media": {"media": []}}', 'reels.json holds no an "ig_reels_media" list'),
    ],
)
def test_a_file_of_another_shape_fails_named_not_silently(tmp_path, posts, reels, why):
    content = tmp_path / "ig" / "your_instagram_activity" / "content"
    content.mkdir(parents=True)
    (content / "posts_1.json").write_text(posts, encoding="utf-8")
    if reels:
        (content / "reels.json").write_text(reels, encoding="utf-8")
    (post,) = iter_posts(tmp_path / "ig", tmp_path / "dl")
    assert post.error == f"not an Instagram export file: {why}"


def test_an_entry_of_another_shape_fails_alone(tmp_path, image_jpeg_34, ig_media, write_instagram_export):
    posts = [{"media": [{"uri": 5}]}, {"media": [ig_media("media/posts/1.jpg", 1715566876, "Fine")]}]
    root = write_instagram_export(tmp_path / "ig", "2024", posts, [], {"media/posts/1.jpg": image_jpeg_34})
    broken, fine = iter_posts(root, tmp_path / "dl")
    assert broken.error == "a media entry names no file (no uri)"
    assert fine.post.caption == "Fine" and fine.error is None
