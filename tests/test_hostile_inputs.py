"""Hostile inputs (issue 14): unbounded files, items of the wrong shape, state from the future.

Every case ends in a short clear refusal in bounded time (and, where a subprocess can be given a
memory limit, bounded memory), and the other posts and bundles of the run are unharmed. Inputs
are made here: alias bombs, FIFOs, sparse files, deep JSON, damaged SQLite pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repost.errors import InputError

FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
DEV_ZERO = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
QUICK_S = 20  # a refusal takes well under a second; this bounds it on a loaded machine

POST = "caption: A photo\nmedia: [a.jpg]\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """``levels`` levels of ``width`` aliases: under 1 KB, width**levels values once expanded."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\nmedia: [a.jpg]\n"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no room on disk."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def photo(image_factory) -> Path:
    return image_factory("hostile-photo.jpg", size=(300, 400))


@pytest.fixture
def timed(run):
    """``timed(*args)``: run the command line in-process and fail if it took over QUICK_S."""

    def invoke(*args):
        start = time.monotonic()
        result = run(*args)
        assert time.monotonic() - start < QUICK_S, f"took {time.monotonic() - start:.1f} s"
        return result

    return invoke


def refused(result, *texts: str, code: int = 2) -> None:
    """A clean refusal: the exit code, each text on stderr, no traceback and no internal error."""
    assert result.code == code, (result.code, result.err)
    for text in texts:
        assert text in result.err, result.err
    assert "internal error" not in result.err and "Traceback" not in result.err


# --- 3. Unbounded input -------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_yaml_alias_bomb_is_refused_at_once(timed, write_post, photo, tmp_path):
    post = write_post(alias_bomb(), media={"a.jpg": photo})
    assert (post / "post.yaml").stat().st_size < 1000
    refused(timed("export", post, "--to", "tiktok", "--out", tmp_path / "out"), "too many YAML aliases")


@pytest.mark.timeout(60)
def test_a_yaml_alias_bomb_in_a_backlog_fails_its_post_alone(timed, write_post, photo, tmp_path):
    write_post(alias_bomb(), media={"a.jpg": photo}, folder="backlog/bomb")
    write_post(POST, media={"a.jpg": photo}, folder="backlog/good")
    result = timed("migrate", tmp_path / "backlog", "--to", "tiktok", "--out", tmp_path / "out", "--json")
    assert result.code == 1 and "internal error" not in result.err
    doc = result.json()
    assert doc["done"] == 1 and [f["post"] for f in doc["failed"]] == ["bomb"]
    assert "too many YAML aliases" in doc["failed"][0]["error"]
    assert (tmp_path / "out" / "good" / "tiktok" / "manifest.json").is_file()


@pytest.mark.timeout(60)
def test_a_yaml_alias_that_holds_itself_is_refused(timed, write_post, photo, tmp_path):
    post = write_post("media: [a.jpg]\nloop: &x [1, *x]\n", media={"a.jpg": photo})
    refused(
        timed("export", post, "--to", "tiktok", "--out", tmp_path / "out"), "refers to the node that holds it"
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [nested(500), "- " * 500 + "x\n"], ids=["flow", "block"])
def test_deeply_nested_yaml_is_refused(timed, write_post, photo, tmp_path, text):
    post = write_post(text, media={"a.jpg": photo})
    refused(
        timed("export", post, "--to", "tiktok", "--out", tmp_path / "out"), "nested deeper than 100 levels"
    )


@pytest.mark.timeout(60)
def test_a_60_mb_post_yaml_is_refused_by_its_size(timed, tmp_path):
    post = tmp_path / "big"
    post.mkdir()
    sparse(post / "post.yaml", 60_000_000)
    result = timed("export", post, "--to", "tiktok", "--out", tmp_path / "out")
    refused(result, "post.yaml is 60 MB, over the 1 MB limit for a post.yaml")


@DEV_ZERO
@pytest.mark.timeout(60)
def test_export_of_dev_zero_ends_at_once(timed, tmp_path):
    refused(
        timed("export", "/dev/zero", "--to", "tiktok", "--out", tmp_path / "out"), "is a character device"
    )


@DEV_ZERO
@pytest.mark.timeout(60)
def test_a_post_yaml_linked_to_dev_zero_is_never_read(timed, tmp_path):
    post = tmp_path / "linked"
    post.mkdir()
    (post / "post.yaml").symlink_to("/dev/zero")
    refused(
        timed("export", post / "post.yaml", "--to", "tiktok", "--out", tmp_path / "out"),
        "post.yaml is a character device, not a regular file",
    )


@FIFO
@pytest.mark.timeout(60)
def test_a_fifo_named_post_yaml_never_hangs(timed, tmp_path):
    post = tmp_path / "piped"
    post.mkdir()
    os.mkfifo(post / "post.yaml")
    result = timed("export", post / "post.yaml", "--to", "tiktok", "--out", tmp_path / "out")
    refused(result, "post.yaml is a named pipe (FIFO), not a regular file")


@pytest.mark.timeout(120)
@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS as Linux counts it")
@pytest.mark.parametrize("case", ["bomb", "deep", "big"])
def test_refusals_need_little_memory(write_post, photo, tmp_path, case):
    """In a process allowed 512 MB of address space (the bomb alone would want many GB)."""
    import resource

    text = {"bomb": alias_bomb(), "deep": nested(900), "big": ""}[case]
    post = write_post(text, media={"a.jpg": photo})
    if case == "big":
        (post / "post.yaml").write_bytes(b"caption: " + b"x" * 60_000_000 + b"\n")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))

    args = [
        sys.executable,
        "-m",
        "repost",
        "export",
        str(post),
        "--to",
        "tiktok",
        "--out",
        str(tmp_path / "o"),
    ]
    done = subprocess.run(args, preexec_fn=limit, capture_output=True, text=True, timeout=100)
    expected = {"bomb": "too many YAML aliases", "deep": "nested deeper", "big": "over the 1 MB limit"}[case]
    assert done.returncode == 2 and expected in done.stderr, done.stderr
    assert "MemoryError" not in done.stderr and "internal error" not in done.stderr


@FIFO
@pytest.mark.timeout(60)
def test_validate_of_a_fifo_never_opens_it(timed, tmp_path):
    os.mkfifo(tmp_path / "clip.mp4")
    result = timed("validate", tmp_path / "clip.mp4", "--profile", "tiktok")
    refused(result, "not a regular file or a folder")


@FIFO
@pytest.mark.timeout(60)
def test_a_fifo_named_report_json_in_out_never_hangs(timed, write_post, photo, tmp_path):
    write_post(POST, media={"a.jpg": photo}, folder="backlog/one")
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / "report.json")
    result = timed("migrate", tmp_path / "backlog", "--to", "tiktok", "--out", tmp_path / "out")
    refused(result, "exists and was not written by repost; left untouched", "report.json")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", ["fifo", "big", "bomb"])
def test_a_hostile_profile_file_is_refused(timed, tmp_path, case):
    folder = tmp_path / "profiles"
    folder.mkdir()
    if case == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("named pipes are POSIX")
        os.mkfifo(folder / "mine.yaml")
    elif case == "big":
        sparse(folder / "mine.yaml", 5_000_000)
    else:
        (folder / "mine.yaml").write_text(alias_bomb(), encoding="utf-8")
    expected = {
        "fifo": "mine.yaml is a named pipe (FIFO)",
        "big": "mine.yaml is 5 MB, over the 1 MB limit for a profile",
        "bomb": "too many YAML aliases",
    }[case]
    refused(timed("profiles", "list", "--profiles", folder), expected)


# --- bundles: a folder where one bundle is hostile and the other is fine -------------------------


@pytest.fixture(scope="module")
def two_bundles(tmp_path_factory, image_factory):
    """out/good/tiktok and out/bad/tiktok, exported once; tests break bad/ in a copy."""
    from repost.cli.main import main

    root = tmp_path_factory.mktemp("hostile-bundles")
    photo = image_factory("hostile-photo.jpg", size=(300, 400))
    for name in ("good", "bad"):
        (root / name).mkdir()
        shutil.copyfile(photo, root / name / "a.jpg")
        (root / name / "post.yaml").write_text(POST, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["export", str(root / "good"), str(root / "bad"), "--to", "tiktok", "--out", str(root / "out")])
    assert info.value.code == 0
    return root / "out"


@pytest.fixture
def out(two_bundles, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(two_bundles, copy, symlinks=True)
    return copy


def validated(timed, out: Path) -> tuple[dict, dict]:
    """validate --json over the folder: (the bad bundle's report, the good one's); preview also runs."""
    result = timed("validate", out, "--json")
    assert result.code == 1 and "internal error" not in result.err, result.err
    reports = {Path(b["path"]).parent.name: b for b in result.json()["bundles"]}
    assert reports["good"]["ok"] and not reports["bad"]["ok"]
    page = timed("preview", out)
    assert page.code == 0 and "internal error" not in page.err, page.err
    assert (out / "index.html").is_file()
    return reports["bad"], reports["good"]


def messages(report: dict) -> str:
    return "\n".join(f["message"] for f in report["findings"])


@FIFO
@pytest.mark.timeout(120)
def test_a_fifo_named_manifest_json_fails_its_bundle_alone(timed, out):
    manifest = out / "bad" / "tiktok" / "manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    bad, _ = validated(timed, out)
    assert "manifest.json is a named pipe (FIFO), not a regular file" in messages(bad)


@DEV_ZERO
@pytest.mark.timeout(120)
def test_a_manifest_linked_to_dev_zero_fails_its_bundle_alone(timed, out):
    manifest = out / "bad" / "tiktok" / "manifest.json"
    manifest.unlink()
    manifest.symlink_to("/dev/zero")
    bad, _ = validated(timed, out)
    assert "manifest.json is a character device" in messages(bad)


@pytest.mark.timeout(120)
def test_an_oversized_manifest_fails_its_bundle_alone(timed, out):
    sparse(out / "bad" / "tiktok" / "manifest.json", 9_000_000)
    bad, _ = validated(timed, out)
    assert "manifest.json is 9 MB, over the 8 MB limit for a manifest.json" in messages(bad)


@FIFO
@pytest.mark.timeout(120)
def test_a_fifo_named_caption_txt_is_a_finding(timed, out):
    caption = out / "bad" / "tiktok" / "caption.txt"
    caption.unlink()
    os.mkfifo(caption)
    bad, _ = validated(timed, out)
    assert "caption.txt is a named pipe (FIFO), not a regular file" in messages(bad)


# --- 5. One item fails alone --------------------------------------------------------------------


def _set(path: tuple, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return doc

    return change


def _drop(key):
    def change(doc):
        del doc[key]
        return doc

    return change


WRONG_SHAPES = {
    "path-number": (_set(("files", 0, "path"), 123), "files[0].path: must be text, not a number"),
    "path-list": (_set(("files", 0, "path"), ["01.jpg"]), "files[0].path: must be text, not a list"),
    "path-nul": (_set(("files", 0, "path"), "01.jpg\0.txt"), "files[0].path: holds a NUL character"),
    "path-empty": (_set(("files", 0, "path"), ""), "files[0].path: must not be empty"),
    "entry-text": (_set(("files", 0), "01.jpg"), "files[0]: must be a mapping, not text"),
    "bytes-text": (_set(("files", 0, "bytes"), "12"), "files[0].bytes: must be a whole number, not text"),
    "profile-text": (_set(("profile",), "tiktok"), "profile: must be a mapping, not text"),
    "profile-id-list": (_set(("profile", "id"), ["tiktok"]), "profile.id: must be text, not a list"),
    "profile-id-nul": (_set(("profile", "id"), "tik\0tok"), "profile.id: holds a NUL character"),
    "profile-missing": (_drop("profile"), "profile: is required"),
    "files-missing": (_drop("files"), "files: is required"),
    "files-mapping": (_set(("files",), {"path": "01.jpg"}), "files: must be a list, not a mapping"),
    "post-text": (_set(("post",), "bad"), "post: must be a mapping, not text"),
    "hashtags-number": (_set(("text", "hashtags"), 5), "text.hashtags: must be a list, not a number"),
    "changes-number": (_set(("changes",), 7), "changes: must be a list, not a number"),
    "part-list": (_set(("part",), [1, 2]), "part: must be text, not a list"),
    "top-list": (lambda doc: [doc], "(top): must be a mapping, not a list"),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", list(WRONG_SHAPES))
def test_a_manifest_field_of_the_wrong_type_fails_its_bundle_alone(timed, out, case):
    change, expected = WRONG_SHAPES[case]
    manifest = out / "bad" / "tiktok" / "manifest.json"
    doc = change(json.loads(manifest.read_text(encoding="utf-8")))
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    bad, good = validated(timed, out)
    assert f"manifest.json: {expected}" in messages(bad)
    assert good["findings"] == [] or all(f["severity"] == "warning" for f in good["findings"])


@pytest.mark.timeout(180)
def test_a_deeply_nested_manifest_fails_its_bundle_alone_everywhere(timed, out, write_post, photo):
    manifest = out / "bad" / "tiktok" / "manifest.json"
    manifest.write_text('{"schema": 1, "files": ' + nested(100_000) + "}", encoding="utf-8")
    bad, _ = validated(timed, out)
    assert "manifest.json: nested deeper than 100 levels" in messages(bad)
    # export into that folder: the post whose bundle it is fails alone, the other is made
    bad_post = write_post(POST, media={"a.jpg": photo}, folder="bad")
    other = write_post(POST, media={"a.jpg": photo}, folder="other")
    result = timed("export", bad_post, other, "--to", "tiktok", "--out", out, "--json")
    assert result.code == 1 and "internal error" not in result.err
    status = {r["post"]: r for r in result.json()["bundles"]}
    assert status["other"]["status"] == "made"
    assert status["bad"]["status"] == "failed" and "nested deeper than 100 levels" in status["bad"]["error"]
    assert manifest.read_text(encoding="utf-8").startswith('{"schema": 1')  # left untouched


@pytest.mark.timeout(120)
def test_a_deep_instagram_file_stops_no_later_file(timed, photo, tmp_path):
    content = tmp_path / "ig" / "your_instagram_activity" / "media"
    content.mkdir(parents=True)
    (content / "posts_1.json").write_text(nested(50_000), encoding="utf-8")
    shutil.copyfile(photo, tmp_path / "ig" / "cat.jpg")
    reel = {"media": [{"uri": "cat.jpg", "creation_timestamp": 1700000000, "title": "cat"}]}
    (content / "posts_2.json").write_text(json.dumps([reel]), encoding="utf-8")
    result = timed("migrate", tmp_path / "ig", "--to", "tiktok", "--out", tmp_path / "out", "--json")
    assert result.code == 1 and "internal error" not in result.err, result.err
    doc = result.json()
    assert doc["done"] == 1 and len(doc["failed"]) == 1
    assert "posts_1.json" in doc["failed"][0]["error"] and "nested deeper" in doc["failed"][0]["error"]


@pytest.mark.timeout(120)
def test_a_deep_or_huge_ytdlp_info_json_fails_its_entry_alone(timed, photo, tmp_path):
    folder = tmp_path / "yt"
    folder.mkdir()
    (folder / "deep.info.json").write_text(nested(50_000), encoding="utf-8")
    sparse(folder / "huge.info.json", 65_000_000)
    doc = {"id": "good", "_type": "video", "description": "a cat", "_filename": "good.jpg"}
    (folder / "good.info.json").write_text(json.dumps(doc), encoding="utf-8")
    shutil.copyfile(photo, folder / "good.mp4")  # yt-dlp names it .mp4; the probe reads the bytes
    result = timed("migrate", folder, "--to", "tiktok", "--out", tmp_path / "out", "--json")
    assert "internal error" not in result.err, result.err
    failed = {f["post"]: f["error"] for f in result.json()["failed"]}
    assert "nested deeper than 100 levels" in failed["deep"]
    assert "huge.info.json is 65 MB, over the 64 MB limit for a yt-dlp info.json" in failed["huge"]
    assert "good" not in failed


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", ["deep", "huge"])
def test_a_hostile_tiktok_export_is_a_clean_error(timed, tmp_path, case):
    folder = tmp_path / "tt"
    folder.mkdir()
    file = folder / "user_data_tiktok.json"
    if case == "deep":
        file.write_text('{"Post": ' + nested(100_000) + "}", encoding="utf-8")
    else:
        sparse(file, 600_000_000)
    result = timed("migrate", folder, "--to", "tiktok", "--out", tmp_path / "out")
    expected = (
        "nested deeper" if case == "deep" else "is 600 MB, over the 512 MB limit for an export's JSON file"
    )
    refused(result, expected, "user_data_tiktok.json")


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="160"><rect width="90" height="160"/></svg>\n'
)


@pytest.mark.timeout(120)
def test_an_svg_given_as_media_is_not_a_video_or_image(timed, write_post, photo, tmp_path):
    post = write_post("media: [a.svg]\n", folder="backlog/svg")
    (post / "a.svg").write_text(SVG, encoding="utf-8")
    refused(timed("export", post, "--to", "tiktok", "--out", tmp_path / "o1"), "not a video or image file")
    write_post(POST, media={"a.jpg": photo}, folder="backlog/good")
    result = timed("migrate", tmp_path / "backlog", "--to", "tiktok", "--out", tmp_path / "o2", "--json")
    assert result.code == 1 and "internal error" not in result.err
    doc = result.json()
    assert doc["done"] == 1 and [f["post"] for f in doc["failed"]] == ["svg"]
    assert "not a video or image file" in doc["failed"][0]["error"]


# --- the migration state: damaged, or from the future --------------------------------------------


@pytest.fixture
def migrated(run, write_post, photo, tmp_path):
    """A backlog of one photo post, migrated once: (source, out, state.db)."""
    write_post(POST, media={"a.jpg": photo}, folder="backlog/one")
    out = tmp_path / "out"
    assert run("migrate", tmp_path / "backlog", "--to", "tiktok", "--out", out).code == 0
    db = out / ".repost" / "state.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every row in the main file
    return tmp_path / "backlog", out, db


def rows(db: Path) -> tuple:
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        bundles = conn.execute("SELECT post, platform, run, updated FROM bundles ORDER BY post").fetchall()
    return runs, bundles


@pytest.mark.timeout(120)
@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_state_from_a_newer_repost_is_refused_and_left_alone(timed, migrated, dry_run):
    source, out, db = migrated
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 9")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{db}-wal")
    before, state = (digest(db), wal.exists() and wal.read_bytes()), rows(db)
    extra = ["--dry-run"] if dry_run else []
    result = timed("migrate", source, "--to", "tiktok", "--out", out, *extra)
    refused(result, "made by a newer repost (version 9); upgrade repost", "state.db")
    assert (digest(db), wal.exists() and wal.read_bytes()) == before and rows(db) == state


@pytest.mark.timeout(120)
def test_a_state_with_a_damaged_page_is_a_clear_error(timed, migrated):
    source, out, db = migrated
    data = bytearray(db.read_bytes())
    page = 4096 if len(data) > 8192 else len(data) // 2  # a b-tree page past the header
    data[page : page + 256] = b"\xab" * 256
    db.write_bytes(bytes(data))
    before = digest(db)
    result = timed("migrate", source, "--to", "tiktok", "--out", out)
    refused(result, "the migration state is damaged", "move it aside")
    assert digest(db) == before


@pytest.mark.timeout(120)
def test_a_state_row_of_another_type_ends_the_run_cleanly_with_no_row_half_written(timed, migrated):
    source, out, db = migrated
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE bundles SET changes = 'not json', inputs = NULL")
    state = rows(db)
    result = timed("migrate", source, "--to", "tiktok", "--out", out)
    refused(result, "cannot use the migration state")
    assert rows(db)[1] == state[1]


def test_state_open_refuses_a_fifo(tmp_path):
    from repost.migrate.state import State

    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are POSIX")
    os.mkfifo(tmp_path / "state.db")
    with pytest.raises(InputError, match="not a regular file"):
        State.open(tmp_path / "state.db")
