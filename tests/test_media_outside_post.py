"""post.yaml media, cover and audio must lie in the post's folder unless --allow-outside-media."""

import shutil

import pytest


@pytest.fixture
def secret(tmp_path, image_jpeg_34):
    """A private photo two folders above the post folders."""
    folder = tmp_path / "secret"
    folder.mkdir()
    shutil.copyfile(image_jpeg_34, folder / "private.jpg")
    return folder / "private.jpg"


def _escape_cases(secret):
    return {
        "dotdot": ("media: [../../secret/private.jpg]\n", "media[0]: media ../../secret/private.jpg"),
        "absolute": (f"media: ['{secret}']\n", f"media[0]: media {secret}"),
        "mapping": ("media: [{path: ../../secret/private.jpg, alt: x}]\n", "media[0].path: media ../../"),
        "cover": ("media: [a.jpg]\ncover: ../../secret/private.jpg\n", "cover: cover ../../secret"),
        "audio": ("media: [a.jpg]\naudio: ../../secret/private.jpg\n", "audio: audio ../../secret"),
        "override": (
            "media: [a.jpg]\nplatforms: {rednote: {media: [../../secret/private.jpg]}}\n",
            "platforms.rednote.media[0]: media ../../secret",
        ),
    }


@pytest.mark.parametrize("case", ["dotdot", "absolute", "mapping", "cover", "audio", "override"])
def test_media_outside_the_post_folder_is_refused_naming_it(
    run, write_post, image_jpeg_34, secret, tmp_path, case
):
    text, named = _escape_cases(secret)[case]
    post = write_post("caption: Hi\n" + text, media={"a.jpg": image_jpeg_34}, folder="posts/one")
    result = run("export", post, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2
    assert named in result.err and "is outside the post folder" in result.err
    assert "--allow-outside-media" in result.err and "Traceback" not in result.err
    assert not list((tmp_path / "out").rglob("*.jpg")) if (tmp_path / "out").exists() else True


def test_a_symlink_leading_out_of_the_post_folder_is_refused(
    run, write_post, image_jpeg_34, secret, tmp_path
):
    post = write_post("caption: Hi\nmedia: [a.jpg]\n", media={}, folder="posts/one")
    (post / "a.jpg").symlink_to(secret)
    result = run("export", post, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2 and "media[0]: media a.jpg is outside the post folder" in result.err


def test_a_symlink_inside_the_post_folder_is_fine(run, write_post, image_jpeg_34, tmp_path):
    post = write_post("caption: Hi\nmedia: [a.jpg]\n", media={"real.jpg": image_jpeg_34}, folder="posts/one")
    (post / "a.jpg").symlink_to(post / "real.jpg")
    assert run("export", post, "--to", "rednote", "--out", tmp_path / "out").code == 0


def test_the_user_may_allow_media_outside(run, write_post, secret, tmp_path):
    post = write_post("caption: Hi\nmedia: [../../secret/private.jpg]\n", folder="posts/one")
    result = run("export", post, "--to", "rednote", "--out", tmp_path / "out", "--allow-outside-media")
    assert result.code == 0, result.err
    assert (tmp_path / "out/one/rednote/01.jpg").is_file()


def test_migrate_fails_that_post_alone_unless_allowed(run, write_post, image_jpeg_34, secret, tmp_path):
    write_post("caption: Good\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34}, folder="backlog/good")
    write_post("caption: Bad\nmedia: [../../secret/private.jpg]\n", folder="backlog/bad")
    common = ("migrate", tmp_path / "backlog", "--to", "rednote", "--out", tmp_path / "out", "--json")
    result = run(*common)
    assert result.code == 1
    summary = result.json()
    assert summary["done"] == 1
    [failed] = summary["failed"]
    assert (
        failed["post"] == "bad"
        and "media ../../secret/private.jpg is outside the post folder" in failed["error"]
    )
    assert not (tmp_path / "out/bad").exists()
    again = run(*common, "--allow-outside-media")
    assert again.code == 0 and again.json()["done"] == 1
