"""A folder of posts: export takes it as migrate does; check lists every problem without exporting."""

from pathlib import Path

import pytest

PHOTO_POST = "caption: Tea {n} 🍵\nhashtags: [tea]\nmedia: [a.jpg]\n"


@pytest.fixture
def posts(write_post, image_jpeg_34, clip_916, tmp_path) -> Path:
    """posts/ holding a good post, a broken post.yaml and a post no platform can take."""
    for n in (1, 2):
        write_post(PHOTO_POST.format(n=n), media={"a.jpg": image_jpeg_34}, folder=f"posts/tea{n}")
    (tmp_path / "posts" / "notes").mkdir()  # a folder with no post.yaml is no post
    return tmp_path / "posts"


def test_export_takes_a_folder_of_posts_and_counts_posts_and_bundles(run, posts, tmp_path):
    out = tmp_path / "out"
    first = run("export", posts, "--to", "rednote,lemon8", "--out", out)
    assert first.code == 0, first.err
    assert sorted(p.parent.relative_to(out).as_posix() for p in out.glob("*/*/manifest.json")) == [
        "tea1/lemon8",
        "tea1/rednote",
        "tea2/lemon8",
        "tea2/rednote",
    ]
    assert first.out.strip().splitlines()[-1] == "2 posts → 4 bundles: 4 made, 0 up to date, 0 failed"
    again = run("export", posts, "--to", "rednote,lemon8", "--out", out)
    assert again.out.strip().splitlines()[-1] == "2 posts → 4 bundles: 0 made, 4 up to date, 0 failed"
    # --json keeps its keys: one entry per bundle
    doc = run("export", posts, "--to", "rednote", "--out", out, "--json").json()
    assert sorted(b["post"] for b in doc["bundles"]) == ["tea1", "tea2"] and doc["errors"] == []


def test_a_broken_post_in_the_folder_fails_alone(run, posts, tmp_path):
    (posts / "zz-broken").mkdir()
    (posts / "zz-broken" / "post.yaml").write_text("media: [gone.jpg]\n", encoding="utf-8")
    result = run("export", posts, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2  # an unreadable post; the others still made
    assert (tmp_path / "out" / "tea1" / "rednote" / "manifest.json").is_file()
    assert "media file not found: gone.jpg" in result.err
    assert (
        result.out.strip().splitlines()[-1]
        == "2 posts → 2 bundles: 2 made, 0 up to date, 0 failed; 1 post unreadable"
    )


def test_a_folder_without_posts_is_still_refused(run, tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    result = run("export", tmp_path / "empty", "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2 and "folder holds no post.yaml" in result.err
    assert "docs/commands.md#post-arguments" in result.err


def test_check_a_ready_post_writes_nothing_and_exits_0(run, posts, tmp_path):
    result = run("check", posts / "tea1", "--to", "xhs,tiktok")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith(f"✓ {posts / 'tea1' / 'post.yaml'} (tea1): ready for rednote, tiktok")
    assert not (tmp_path / "out").exists() and sorted(p.name for p in (posts / "tea1").iterdir()) == [
        "a.jpg",
        "post.yaml",
    ]


def test_check_lists_every_problem_of_a_file_at_once(run, write_post, image_jpeg_34):
    post = write_post(
        "captoin: hi\nhashtag: [tea]\nmedia: [A.JPG]\ncover: {time: -1}\nplatforms: {instagarm: {}}\n",
        media={"a.jpg": image_jpeg_34},
    )
    result = run("check", post, "--json")
    assert result.code == 1
    [found] = result.json()["posts"]
    assert found["ok"] is False and found["platforms"] == []
    problems = found["problems"]
    assert "captoin: unknown key (did you mean 'caption'?)" in problems
    assert "hashtag: unknown key (did you mean 'hashtags'?)" in problems
    assert any(p.startswith("cover") and "-1" in p for p in problems)
    assert "media[0]: media file not found: A.JPG" in problems
    assert found["hint"] == "see docs/post-yaml.md#keys"


def test_check_names_each_platforms_blockers(run, write_post, image_jpeg_34, clip_916):
    mixed = write_post("media: [a.jpg, clip.mp4]\n", media={"a.jpg": image_jpeg_34, "clip.mp4": clip_916})
    result = run("check", mixed, "--to", "rednote,reels")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].endswith("2 bundle(s) blocked")
    assert "    rednote: cannot: the post mixes photos and video; platforms take one kind per post" in lines
    assert "    reels: cannot: the post mixes photos and video; platforms take one kind per post" in lines


def test_check_a_folder_of_posts_and_unreadable_ones(run, posts, tmp_path):
    (posts / "bad").mkdir()
    (posts / "bad" / "post.yaml").write_text("media: [a.jpg\n", encoding="utf-8")
    result = run("check", posts, tmp_path / "missing", "--json")
    doc = result.json()
    assert result.code == 2 and doc["ok"] is False
    by_path = {Path(p["path"]).parent.name: p for p in doc["posts"]}
    assert by_path["bad"]["unreadable"].startswith("YAML syntax error")
    assert by_path[tmp_path.name]["unreadable"] == "no such file or folder"
    assert by_path["tea1"]["ok"] and by_path["tea2"]["ok"]
    assert {p["platform"] for p in by_path["tea1"]["platforms"]} == {
        "tiktok",
        "reels",
        "rednote",
        "lemon8",
        "shorts",
    }
