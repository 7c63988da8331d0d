"""publish and hostile input: a bundle from anyone never sends a byte from outside it, a post never
goes twice, and bad state, tokens or files end in one clear line before any request is made."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from repost.inputs import MANIFEST_MAX

pytestmark = pytest.mark.timeout(120)

REFUSED = "refused, nothing sent"


def tiktok_login(api, login, account="default"):
    token = api.new_token("tt-access")
    api.valid_tokens.add(token)
    result = login("tiktok", {"access_token": token, "expires_in": 86400}, "--account", account)
    assert result.code == 0, result.err
    return token


def manifest_of(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def save_manifest(bundle: Path, doc: dict) -> None:
    (bundle / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")


def point_video_at(bundle: Path, name: str, target: Path) -> None:
    """The video entry names ``name``, with the size and sha256 of ``target`` (as an attacker who
    knows the file would write them), so only the containment check can refuse it."""
    doc = manifest_of(bundle)
    video = next(f for f in doc["files"] if f["role"] == "video")
    data = target.read_bytes()
    video.update(path=name, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    save_manifest(bundle, doc)


@pytest.fixture
def secret(tmp_path) -> Path:
    """A private file outside every bundle (made here: never a real private file)."""
    path = tmp_path / "private" / "secret.jpg"
    path.parent.mkdir()
    path.write_bytes(b"PRIVATE-PHOTO-" * 1000)
    return path


def assert_refused(result, api, *words):
    assert result.code == 1, result.out + result.err
    assert REFUSED in result.out and all(w in result.out for w in words), result.out
    assert "Traceback" not in result.out + result.err and "internal error" not in result.err
    assert api.requests == []  # nothing reached the platform, not even creator_info


# --- 1. every file sent is a regular file inside the bundle, as the manifest records ------------------


@pytest.mark.parametrize(
    "name, why",
    [
        ("../../../private/secret.jpg", "leaves the bundle folder"),
        ("../../../../../../../../../../{secret}", "leaves the bundle folder"),
        ("{secret}", "is an absolute path"),
        ("sub/../../../../private/secret.jpg", "leaves the bundle folder"),
        ("01.mp4\u0000.jpg", "NUL"),
    ],
)
def test_a_manifest_path_outside_the_bundle_is_refused_before_any_request(
    run, api, login, exported, memory_keyring, secret, name, why
):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    name = name.format(secret=str(secret).lstrip("/") if name.startswith("..") else secret)
    point_video_at(bundle, name, secret)
    assert_refused(run("publish", bundle), api, why)
    assert not (bundle / "publish.json").exists()


def test_a_video_swapped_for_a_link_to_a_private_file_is_refused(
    run, api, login, exported, memory_keyring, secret
):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    (bundle / "01.mp4").unlink()
    (bundle / "01.mp4").symlink_to(secret)
    point_video_at(bundle, "01.mp4", secret)  # even with the manifest rewritten to match it
    assert_refused(run("publish", bundle), api, "01.mp4 is a symbolic link")


def test_a_link_in_a_folder_of_the_path_is_refused(run, api, login, exported, memory_keyring, secret):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    (bundle / "sub").symlink_to(secret.parent)
    point_video_at(bundle, "sub/secret.jpg", secret)
    assert_refused(run("publish", bundle), api, "sub/secret.jpg", "symbolic link")


def test_a_caption_linked_to_a_private_file_is_refused(run, api, login, exported, memory_keyring, secret):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    (bundle / "caption.txt").unlink()
    (bundle / "caption.txt").symlink_to(secret)
    assert_refused(run("publish", bundle), api, "caption.txt is a symbolic link")


@pytest.mark.parametrize("change", ["same size", "longer"])
def test_a_file_that_differs_from_its_manifest_is_refused(run, api, login, exported, memory_keyring, change):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    video = bundle / "01.mp4"
    data = bytearray(video.read_bytes())
    if change == "same size":
        data[len(data) // 2] ^= 0xFF
        why = "01.mp4 changed since the bundle was made (sha256 differs"
    else:
        data += b"\0" * 10
        why = f"01.mp4 is {len(data):,} bytes; manifest.json records {len(data) - 10:,}"
    video.write_bytes(bytes(data))
    assert_refused(run("publish", bundle), api, why)


def test_a_caption_not_in_the_manifest_is_refused(run, api, login, exported, memory_keyring):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    doc = manifest_of(bundle)
    doc["files"] = [f for f in doc["files"] if f["path"] != "caption.txt"]
    save_manifest(bundle, doc)
    assert_refused(run("publish", bundle), api, "caption.txt is not listed in manifest.json")


def test_the_bytes_sent_are_the_ones_checked_even_if_the_file_is_swapped_meanwhile(
    run, api, login, exported, memory_keyring, secret
):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    video = bundle / "01.mp4"
    checked = hashlib.sha256(video.read_bytes()).hexdigest()

    def swap():  # as the init call arrives, after the check: 01.mp4 becomes a link to the secret
        video.unlink()
        video.symlink_to(secret)

    api.hooks["/v2/post/publish/video/init/"] = swap
    result = run("publish", bundle)
    assert result.code == 0, result.out
    sent = [sha for method, path, sha in api.body_sha256 if method == "PUT"]
    assert sent == [checked]
    assert hashlib.sha256(secret.read_bytes()).hexdigest() not in {s for *_, s in api.body_sha256}


@pytest.mark.parametrize(
    "change, why",
    [
        # the shape every reader checks (repost.bundle.manifest), then what sending needs besides
        (lambda d: d["files"][0].update(path=123), "manifest.json: files[0].path: must be text, not a"),
        (lambda d: d["files"][0].update(path=["01.mp4"]), "files[0].path: must be text, not a list"),
        (lambda d: d["files"][0].update(path="../../x"), "files[0].path: '../../x' leaves the bundle"),
        (lambda d: d.update(profile="tiktok"), "manifest.json: profile: must be a mapping, not text"),
        (lambda d: d.update(files={"01.mp4": 1}), "files: must be a list, not a mapping"),
        (lambda d: d["files"][0].update(bytes="12"), "files[0].bytes: must be a whole number, not text"),
        (lambda d: d["files"][0].update(sha256=None), "sha256 is None, not a sha256 digest"),
        (lambda d: d["post"].update(id=None), "post.id is None"),
        (lambda d: d.update(part=True), "part: must be text"),
    ],
)
def test_manifest_fields_of_the_wrong_type_fail_that_bundle_alone(
    run, api, login, exported, memory_keyring, change, why
):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    doc = manifest_of(bundle)
    change(doc)
    save_manifest(bundle, doc)
    result = run("publish", bundle, exported / "cats" / "rednote")
    assert result.code == 1 and REFUSED in result.out and why in result.out, result.out
    assert "Pick the media in this order" in result.out  # the other bundle still goes on
    assert "Traceback" not in result.err and api.requests == []


# --- unbounded or hostile files: manifest.json, publish.json -------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", ["manifest.json", "01.mp4", "publish.json"])
def test_a_fifo_in_place_of_a_file_is_refused_without_waiting(
    run, api, login, exported, memory_keyring, name
):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    (bundle / name).unlink(missing_ok=True)
    os.mkfifo(bundle / name)
    result = run("publish", bundle)
    assert result.code == 1 and f"{name} is a FIFO (named pipe)" in result.out, result.out
    assert api.requests == []


def test_a_deeply_nested_manifest_is_a_clean_refusal(run, api, exported, memory_keyring):
    bundle = exported / "cats" / "tiktok"
    (bundle / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("publish", bundle, exported / "cats" / "lemon8")
    assert result.code == 1 and "manifest.json nests deeper than repost reads" in result.out, result.out
    assert "Lemon8 has no public posting API" in result.out and "internal error" not in result.err


def test_an_oversized_manifest_is_refused_with_the_limit_named(run, api, exported, memory_keyring):
    bundle = exported / "cats" / "tiktok"
    with open(bundle / "manifest.json", "r+b") as f:
        f.truncate(MANIFEST_MAX + 1024 * 1024)  # sparse: refused from its size, never read
    result = run("publish", bundle)
    assert result.code == 1 and f"over repost's limit of {MANIFEST_MAX:,} bytes for it" in result.out, (
        result.out
    )


def test_a_garbled_publish_json_stops_the_post(run, api, login, exported, memory_keyring):
    tiktok_login(api, login)
    bundle = exported / "cats" / "tiktok"
    (bundle / "publish.json").write_text('{"published": [', encoding="utf-8")
    result = run("publish", bundle)
    assert result.code == 1 and "publish.json is not valid JSON" in result.out, result.out
    assert api.requests == []  # it may record a publish: never guess that it does not


# --- 2. never twice ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locks", ["flock", "no locks on this file system"])
def test_two_publishes_at_once_post_once(api, login, exported, memory_keyring, monkeypatch, locks):
    import errno

    import repost.bundle.outlock
    from repost.publish.runner import publish_bundles

    if locks != "flock":  # then the one transaction that checks and marks the record must do it alone

        def no_locks(fd, how):
            raise OSError(errno.ENOLCK, "No locks available")

        monkeypatch.setattr(repost.bundle.outlock.fcntl, "flock", no_locks)
    tiktok_login(api, login)
    api.delay_s = 0.2  # each call takes a while: the two runs overlap
    bundle = exported / "cats" / "tiktok"
    start, outcomes = threading.Barrier(2), []

    def one():
        start.wait()
        outcomes.extend(publish_bundles([bundle]))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(o.status for o in outcomes)
    inits = [p for _, p, _, _ in api.requests if p == "/v2/post/publish/video/init/"]
    assert len(inits) == 1 and len(api.tiktok_posts) == 1, (statuses, [o.error for o in outcomes])
    assert statuses in (["already", "published"], ["failed", "published"])
    busy = [o.error for o in outcomes if o.status == "failed"]
    assert all("another repost publish of this post to tiktok as 'default'" in e for e in busy)
    with sqlite3.connect(exported / ".repost" / "state.db") as db:
        assert db.execute("SELECT status FROM publish_records").fetchall() == [("published",)]


def test_a_failure_before_sending_gives_the_post_back(run, api, login, exported, memory_keyring):
    tiktok_login(api, login)
    api.spam_risk = True  # init refused: nothing was posted
    bundle = exported / "cats" / "tiktok"
    assert run("publish", bundle).code == 1
    with sqlite3.connect(exported / ".repost" / "state.db") as db:
        assert db.execute("SELECT count(*) FROM publish_records").fetchone() == (0,)
    api.spam_risk = False
    result = run("publish", bundle)
    assert result.code == 0 and "published" in result.out, result.out


def test_export_force_keeps_the_publish_record_and_nothing_is_posted_again(
    run, api, login, write_post, clip_fits_all, tmp_path, memory_keyring
):
    post = write_post("caption: Dusk\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all})
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok", "--out", out).code == 0
    bundle = next(out.glob("*/tiktok"))
    tiktok_login(api, login)
    assert run("publish", bundle).code == 0 and len(api.tiktok_posts) == 1
    record = (bundle / "publish.json").read_text(encoding="utf-8")

    made = run("export", post, "--to", "tiktok", "--out", out, "--force")
    assert made.code == 0, made.err
    assert (bundle / "publish.json").read_text(encoding="utf-8") == record  # kept with the bundle
    assert run("validate", bundle).code == 0
    (out / ".repost" / "state.db").unlink()  # even with the database gone, the bundle says it went
    before = len(api.requests)
    again = run("publish", bundle)
    assert again.code == 0 and "already published" in again.out, again.out
    assert len(api.requests) == before and len(api.tiktok_posts) == 1


# --- 3. state and tokens -----------------------------------------------------------------------------


def _damage_pages(db: Path) -> None:
    """Keep page 1 (the schema), fill every other page with garbage: a damaged table."""
    with sqlite3.connect(db) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[page:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - page))
    db.write_bytes(bytes(data))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("damage", ["garbage", "a damaged page", "a FIFO"])
def test_a_corrupt_state_database_is_one_clear_line(run, api, login, exported, memory_keyring, damage):
    tiktok_login(api, login)
    db = exported / ".repost" / "state.db"
    if damage == "garbage":
        db.write_bytes(os.urandom(4096))
    elif damage == "a FIFO":
        db.unlink(missing_ok=True)
        os.mkfifo(db)
    else:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "CREATE TABLE publish_records (post_id TEXT NOT NULL, platform TEXT NOT NULL, account TEXT "
                "NOT NULL, remote_id TEXT NOT NULL, url TEXT, bundle TEXT NOT NULL, published_at TEXT NOT "
                "NULL, status TEXT NOT NULL DEFAULT 'published', PRIMARY KEY (post_id, platform, account))"
            )
            rows = [(f"p{i}", "tiktok", "x" * 200, "r", None, "b", "t", "published") for i in range(300)]
            conn.executemany("INSERT INTO publish_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        _damage_pages(db)
    result = run("publish", exported / "cats" / "tiktok", exported / "cats" / "rednote")
    assert result.code == 1, result.out
    line = next(x for x in result.out.splitlines() if "tiktok [tiktok]" in x)
    words = "not a regular file" if damage == "a FIFO" else "the state database is unusable"
    assert words in line and "state.db" in line, result.out
    assert "Traceback" not in result.out + result.err and "internal error" not in result.err
    assert "Pick the media in this order" in result.out  # the rest of the run goes on
    assert api.requests == []


@pytest.mark.parametrize("expires_in", ['"soon"', "1e400", "-5", "true", "[60]", "NaN", "1" + "0" * 400])
def test_token_json_with_a_bad_expires_in_is_refused_at_login(login, memory_keyring, expires_in):
    result = login("tiktok", '{"access_token": "tt-token-abcdef", "expires_in": ' + expires_in + "}")
    assert result.code == 2, result.out + result.err
    assert "expires_in is" in result.err and "not a number of seconds" in result.err
    assert "Traceback" not in result.err and memory_keyring.store == {}


def test_a_stored_login_with_an_endless_expiry_is_listed_and_refused_cleanly(
    run, api, exported, memory_keyring
):
    # what an earlier repost stored for expires_in 1e400: "expires_at": Infinity
    stored = '{"access_token": "tt-token-abcdef", "expires_at": Infinity}'
    memory_keyring.store[("repost", "tiktok:default")] = stored
    memory_keyring.store[("repost", "_accounts")] = '["tiktok:default"]'
    listed = run("auth", "list")
    assert listed.code == 0 and "tiktok" in listed.out and "unreadable" in listed.out, listed.err
    assert "repost auth login tiktok --account default" in listed.out
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 1 and "the stored tiktok login for 'default' is unreadable" in result.out
    assert api.requests == [] and "Traceback" not in result.err


@pytest.mark.parametrize("value", ["soon", float("inf"), float("nan"), -1, True, [60], 10**400])
def test_a_token_endpoint_expiry_it_cannot_read_counts_as_none(value):
    from repost.publish.oauth import server_expiry
    from repost.publish.secrets import expiry_from

    assert server_expiry({"expires_in": value}) is None  # the token still works; a 401 refreshes it
    with pytest.raises(ValueError, match="not a number of seconds"):
        expiry_from(value)
    assert expiry_from("3600", now=1000.0) == expiry_from(3600, now=1000.0) == 4600.0


@pytest.mark.parametrize("blocked", [".repost", ".repost/locks"])
def test_a_state_folder_that_cannot_be_made_is_found_before_any_request(
    run, api, login, exported, memory_keyring, blocked
):
    tiktok_login(api, login)
    target = exported / blocked
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    target.parent.mkdir(exist_ok=True)
    target.write_text("a file where a folder must be")
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 1 and (
        "not a folder" in result.out or "cannot make the publish state" in result.out
    )
    assert "Traceback" not in result.err and api.requests == []


def test_a_bundle_outside_an_output_folder_is_refused_and_nothing_written_above_it(
    run, api, login, exported, memory_keyring, tmp_path
):
    import shutil

    tiktok_login(api, login)
    loose = tmp_path / "downloads" / "some-bundle"
    loose.parent.mkdir()
    shutil.copytree(exported / "cats" / "tiktok", loose)
    before = sorted(tmp_path.rglob("*"))
    result = run("publish", loose)
    assert result.code == 1 and "cannot tell which output folder this bundle belongs to" in result.out
    assert api.requests == [] and sorted(tmp_path.rglob("*")) == before  # no state made anywhere


def test_a_manifest_that_says_another_platform_is_not_published_there(file_entry, tmp_path, memory_keyring):
    """A hand-made bundle the manifest says is tiktok but lives in a reels folder: refused by the
    output-folder rule before anything (the folder is named after the platform)."""
    from repost.publish.runner import publish_bundles

    bundle = tmp_path / "out" / "p" / "reels"
    bundle.mkdir(parents=True)
    (tmp_path / "out" / ".repost").mkdir()
    (bundle / "caption.txt").write_text("hi\n", encoding="utf-8")
    doc = {
        "profile": {"id": "tiktok"},
        "post": {"id": "p"},
        "files": [file_entry(bundle, "caption.txt", "text")],
    }
    (bundle / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    [outcome] = publish_bundles([bundle])
    assert outcome.status == "failed" and "its folder is not named tiktok" in outcome.error
