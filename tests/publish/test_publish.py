"""publish: TikTok and Reels end to end against the loopback API, tokens only in the keyring, no repeats."""

from __future__ import annotations

import json
import logging
import sqlite3

import keyring
import pytest

TT_CLIENT = {"client_id": "tt-client", "client_secret": "tt-client-secret-123456"}


def tiktok_login(api, login, *, valid=True):
    """A TikTok login whose access token the server takes (or has expired), with a refresh token."""
    access, refresh = api.new_token("tt-access"), api.new_token("tt-refresh")
    if valid:
        api.valid_tokens.add(access)
    api.refresh_tokens[refresh] = TT_CLIENT["client_id"]
    result = login(
        "tiktok", {"access_token": access, "refresh_token": refresh, "expires_in": 86400, **TT_CLIENT}
    )
    assert result.code == 0, result.err
    return access, refresh


def reels_login(api, login, *, valid=True):
    access = api.new_token("ig-access")
    if valid:
        api.valid_tokens.add(access)
    result = login("reels", access, "--user-id", "17841400000000001")
    assert result.code == 0, result.err
    return access


def test_tiktok_and_reels_publish_end_to_end_once(
    files_under, find_secrets, run, api, login, exported, memory_keyring, caplog
):
    caplog.set_level(logging.DEBUG)
    # The TikTok token has expired at the server: the first call gets 401 and the token is refreshed.
    tiktok_login(api, login, valid=False)
    reels_login(api, login)
    bundles = [exported / "cats" / "tiktok", exported / "cats" / "reels"]

    first = run("--debug", "publish", *bundles, "--json")
    assert first.code == 0, first.err + first.out
    doc = first.json()
    assert [b["status"] for b in doc["bundles"]] == ["published", "published"]
    tt, ig = doc["bundles"]
    assert tt["url"] == f"https://www.tiktok.com/@catlover/video/{tt['remote_id']}"
    assert ig["url"] == f"https://www.instagram.com/reel/{ig['remote_id']}/"
    assert len(api.tiktok_posts) == 1 and len(api.ig_posts) == 1
    # what reached the platforms: the fitted caption, private by default on TikTok
    upload = next(iter(api.uploads.values()))
    assert upload["title"] == (bundles[0] / "caption.txt").read_text(encoding="utf-8").rstrip("\n")
    # Reels has no title field: the title leads the caption as its first line
    assert api.ig_posts[0][1].startswith("Cats at sunset\nEvening with the cats.")
    # the refresh: a new access token went back into the keyring, and only there
    stored = json.loads(memory_keyring.store[("repost", "tiktok:default")])
    assert stored["access_token"] in api.valid_tokens and stored["access_token"] in api.issued

    # recorded in the bundle and in DIR/.repost/state.db
    record = json.loads((bundles[0] / "publish.json").read_text(encoding="utf-8"))["published"][0]
    assert record["remote_id"] == tt["remote_id"] and record["account"] == "default"
    with sqlite3.connect(exported / ".repost" / "state.db") as db:
        rows = db.execute("SELECT platform, remote_id FROM publish_records ORDER BY platform").fetchall()
    assert rows == [("reels", ig["remote_id"]), ("tiktok", tt["remote_id"])]
    assert run("validate", *bundles).code == 0  # publish.json is welcome in a bundle

    # a second run does nothing at all
    requests_before = len(api.requests)
    again = run("publish", *bundles)
    assert again.code == 0, again.err
    assert again.out.count("already published") == 2
    assert len(api.requests) == requests_before

    # no token anywhere: files left, output, log records
    secrets = [*api.issued, TT_CLIENT["client_secret"]]
    logs = "\n".join(r.getMessage() for r in caplog.records)
    places = [first.out, first.err, again.out, again.err, logs, *files_under(exported)]
    assert find_secrets(places, secrets) == []
    # debug logging did run, with the refresh answer's tokens masked
    assert "/v2/post/publish/video/init/" in logs and '"access_token": "***"' in logs


def test_dry_run_posts_nothing(run, api, login, exported, memory_keyring):
    tiktok_login(api, login)
    result = run("publish", exported / "cats" / "tiktok", "--dry-run")
    assert result.code == 0 and "would publish" in result.out
    assert api.requests == [] and not (exported / "cats" / "tiktok" / "publish.json").exists()


def test_missing_login_says_how_to_log_in(run, api, exported, memory_keyring):
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 1
    assert "not logged in to tiktok as 'default'" in result.out
    assert "repost auth login tiktok --account default" in result.out


def test_tiktok_rate_limit_is_a_clear_message_and_nothing_is_recorded(
    run, api, login, exported, memory_keyring
):
    tiktok_login(api, login)
    api.inits = 6  # six inits this minute already: the documented per-token limit
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 1
    assert (
        "rate limit" in result.out
        and "6 requests a minute" in result.out
        and "rate_limit_exceeded" in result.out
    )
    assert not (exported / "cats" / "tiktok" / "publish.json").exists()


def test_tiktok_daily_cap_is_a_clear_message(run, api, login, exported, memory_keyring):
    tiktok_login(api, login)
    api.spam_risk = True
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 1
    assert "daily post limit" in result.out and "spam_risk_too_many_posts" in result.out


def test_instagram_quota_is_checked_before_any_upload(run, api, login, exported, memory_keyring):
    reels_login(api, login)
    api.ig_quota_usage = 100
    result = run("publish", exported / "cats" / "reels")
    assert result.code == 1
    assert "publishing limit is used up: 100 of 100 posts in 24 hours" in result.out
    assert [
        path for _, path, _, _ in api.requests if "ig-api-upload" in path or path.endswith("/media")
    ] == []


def test_expired_instagram_token_asks_for_a_new_login(run, api, login, exported, memory_keyring):
    token = reels_login(api, login, valid=False)  # Graph API answers code 190
    result = run("publish", exported / "cats" / "reels")
    assert result.code == 1
    assert "has expired and cannot be refreshed" in result.out
    assert "repost auth login reels --account default" in result.out
    assert token not in result.out + result.err


def test_instagram_caption_over_limit_stops_before_sending(
    rewrite_text, run, api, login, exported, memory_keyring
):
    reels_login(api, login)
    rewrite_text(exported / "cats" / "reels", "caption.txt", "x" * 2300 + "\n")
    result = run("publish", exported / "cats" / "reels")
    assert result.code == 1 and "caption 2300 characters > 2200" in result.out and "2207010" in result.out
    assert not [p for _, p, _, _ in api.requests if p.endswith("/media")]


def test_tiktok_caption_uses_the_api_limit_not_the_apps(
    rewrite_text, run, api, login, exported, memory_keyring
):
    tiktok_login(api, login)
    # 2,300 UTF-16 units: within the app's 4,000, over the API's 2,200 (profile figures, api path)
    rewrite_text(exported / "cats" / "tiktok", "caption.txt", "猫" * 2300 + "\n")
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 1 and "caption 2300 UTF-16 units > 2200" in result.out
    assert "--upload-path api" in result.out


def test_shorts_publish_through_resumable_upload_with_refresh(run, api, login, exported, memory_keyring):
    access, refresh = api.new_token("yt-access"), api.new_token("yt-refresh")  # access not valid: refresh
    api.refresh_tokens[refresh] = "yt-client"
    doc = {
        "access_token": access,
        "refresh_token": refresh,
        "client_id": "yt-client",
        "client_secret": "yt-secret-99",
    }
    assert login("shorts", doc).code == 0
    result = run("publish", exported / "cats" / "shorts", "--json")
    assert result.code == 0, result.out
    row = result.json()["bundles"][0]
    assert row["status"] == "published" and row["url"] == f"https://www.youtube.com/shorts/{row['remote_id']}"
    _, resource = api.youtube_videos[0]
    assert (
        resource["snippet"]["title"] == "Cats at sunset" and resource["status"]["privacyStatus"] == "private"
    )
    start = next(h for m, p, h, _ in api.requests if m == "POST" and p == "/upload/youtube/v3/videos")
    video = exported / "cats" / "shorts" / "01.mp4"
    assert start["X-Upload-Content-Length"] == str(video.stat().st_size)
    assert start["X-Upload-Content-Type"] == "video/mp4"


def test_rednote_and_lemon8_print_the_steps_by_hand(run, api, exported, memory_keyring):
    result = run("publish", exported / "cats" / "rednote", exported / "cats" / "lemon8")
    assert result.code == 0
    assert "RedNote (Xiaohongshu) has no public posting API" in result.out
    assert "Lemon8 has no public posting API" in result.out
    assert "Pick the media in this order: 01.mp4" in result.out and "Paste caption.txt" in result.out
    assert api.requests == []


def test_a_folder_of_bundles_publishes_each_and_one_failure_does_not_stop_the_rest(
    run, api, login, exported, memory_keyring
):
    reels_login(api, login)  # no TikTok or Shorts login: those fail, the others go on
    result = run("publish", exported, "--json")
    assert result.code == 1
    by_platform = {b["bundle"].rsplit("/", 1)[1]: b["status"] for b in result.json()["bundles"]}
    assert by_platform == {
        "lemon8": "manual",
        "rednote": "manual",
        "reels": "published",
        "shorts": "failed",
        "tiktok": "failed",
    }


def test_tiktok_photo_post_explains_pull_from_url(
    file_entry, write_manifest, run, api, login, tmp_path, memory_keyring, image_jpeg_34
):
    bundle = tmp_path / "out" / "pics" / "tiktok"
    bundle.mkdir(parents=True)
    (bundle / "01.jpg").write_bytes(image_jpeg_34.read_bytes())
    write_manifest(bundle, "tiktok", "pics", [file_entry(bundle, "01.jpg", "image")])
    tiktok_login(api, login)
    result = run("publish", bundle)
    assert result.code == 1
    assert "PULL_FROM_URL" in result.out and "verified" in result.out and "by hand" in result.out
    assert api.requests == []


@pytest.mark.parametrize("what", ["not a folder", "no manifest"])
def test_not_a_bundle_is_one_clear_line(run, tmp_path, memory_keyring, what):
    path = tmp_path / "nothing"
    if what == "no manifest":
        path.mkdir()
    result = run("publish", path)
    assert result.code == 1 and "not a bundle (no readable manifest.json)" in result.out


def test_a_post_sent_but_never_confirmed_is_not_sent_again_unless_asked(
    run, api, login, exported, memory_keyring
):
    reels_login(api, login)
    bundle = exported / "cats" / "reels"
    api.ig_publish_drops = 1  # the publish call is sent, and no answer comes back
    first = run("publish", bundle)
    assert first.code == 1 and api.ig_posts == []
    requests_before = len(api.requests)
    again = run("publish", bundle)
    assert again.code == 1 and "never confirmed" in again.out and "--retry-unconfirmed" in again.out
    assert len(api.requests) == requests_before  # nothing sent
    retried = run("publish", bundle, "--retry-unconfirmed", "--json")
    assert retried.code == 0 and retried.json()["bundles"][0]["status"] == "published"
    assert len(api.ig_posts) == 1
    assert "already published" in run("publish", bundle, "--retry-unconfirmed").out


def test_a_token_past_its_expiry_is_refreshed_before_the_first_call(
    run, api, login, exported, memory_keyring
):
    access, refresh = api.new_token("tt-access"), api.new_token("tt-refresh")
    api.refresh_tokens[refresh] = "tt-client"
    doc = {"access_token": access, "refresh_token": refresh, "expires_in": 1, **TT_CLIENT}
    assert login("tiktok", doc).code == 0
    result = run("publish", exported / "cats" / "tiktok")
    assert result.code == 0, result.out
    assert api.requests[0][1] == "/v2/oauth/token/"  # refreshed first: no call was made with the old token
    assert not any(h.get("Authorization") == f"Bearer {access}" for _, _, h, _ in api.requests)


def test_a_refused_refresh_asks_for_a_new_login(run, api, login, exported, memory_keyring):
    doc = {"access_token": "tt-dead-token-123", "refresh_token": "tt-revoked-refresh-123", **TT_CLIENT}
    assert login("tiktok", doc).code == 0
    result = run("--debug", "publish", exported / "cats" / "tiktok")
    assert result.code == 1
    assert "the tiktok token endpoint refused: the grant is invalid" in result.out
    assert "repost auth login tiktok" in result.out
    assert "tt-revoked-refresh-123" not in result.out + result.err and "tt-dead-token-123" not in result.err


def test_instagram_error_2207010_is_explained(rewrite_text, run, api, login, exported, memory_keyring):
    reels_login(api, login)
    # within 2,200 characters, so repost sends it; 31 hashtags is over Instagram's 30
    tags = " ".join(f"#t{i}" for i in range(31))
    rewrite_text(exported / "cats" / "reels", "caption.txt", f"Cats {tags}\n")
    result = run("publish", exported / "cats" / "reels")
    assert result.code == 1
    assert "caption is over Instagram's limits (2,200 characters, 30 hashtags, 20 @ tags)" in result.out
    assert "subcode 2207010" in result.out and api.ig_posts == []


def test_youtube_privacy_is_checked(run, api, login, exported, memory_keyring):
    assert login("shorts", "yt-token-abcdef").code == 0
    result = run("publish", exported / "cats" / "shorts", "--privacy", "SELF_ONLY")
    assert result.code == 1 and "not one of private, unlisted, public" in result.out
    assert api.requests == []


def test_parts_of_a_split_post_are_recorded_apart(tmp_path):
    import json as _json

    from repost.publish.base import read_bundle

    ids = []
    for part in ("1/2", "2/2"):
        bundle = tmp_path / f"p-part{part[0]}" / "tiktok"
        bundle.mkdir(parents=True)
        manifest = {"profile": {"id": "tiktok"}, "post": {"id": "p"}, "part": part, "files": [],
                    "text": {"caption": "", "title": None, "hashtags": []}}  # fmt: skip
        (bundle / "manifest.json").write_text(_json.dumps(manifest), encoding="utf-8")
        ids.append(read_bundle(bundle).post_id)
    assert ids == ["p#1/2", "p#2/2"]


@pytest.fixture
def no_keyring():
    """keyring's fail backend, as on a server with no Secret Service: every call raises."""
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_dry_run_needs_no_keyring_and_shows_what_would_be_sent(run, api, exported, no_keyring):
    bundle = exported / "cats" / "tiktok"
    result = run("publish", bundle, exported / "cats" / "shorts", "--dry-run")
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert lines[0] == f"· {bundle} [tiktok]: would publish (dry run)"
    size = (bundle / "01.mp4").stat().st_size
    assert f"    video: 01.mp4 ({size:,} bytes)" in lines
    caption = (bundle / "caption.txt").read_text(encoding="utf-8").rstrip("\n")
    assert any(line.startswith(f"    caption: {caption.splitlines()[0][:30]}") for line in lines)
    assert f"({len(caption):,} characters)" in result.out
    assert "    privacy: private" in lines  # shorts' default
    assert "    login: not found: this machine has no usable keyring" in result.out
    assert "docs/commands.md#auth" in result.out
    assert api.requests == [] and not (bundle / "publish.json").exists()
    # --json carries the same, as keys added to each bundle's entry
    doc = run("publish", bundle, "--dry-run", "--json").json()
    [row] = doc["bundles"]
    assert doc["ok"] and row["status"] == "planned" and row["login"].startswith("not found")
    assert row["sends"][0] == f"video: 01.mp4 ({size:,} bytes)"
    # a real run still refuses, saying how to get a keyring
    real = run("publish", bundle)
    assert real.code == 1 and "no usable system keyring" in real.out


def test_dry_run_says_whether_a_login_is_stored(run, api, login, exported, memory_keyring):
    bundle = exported / "cats" / "tiktok"
    missing = run("publish", bundle, "--dry-run")
    assert missing.code == 0
    assert (
        "login: not found (not logged in to tiktok as 'default'; run: repost auth login tiktok" in missing.out
    )
    tiktok_login(api, login)
    found = run("publish", bundle, "--dry-run", "--privacy", "PUBLIC_TO_EVERYONE")
    assert "    login: found for tiktok as 'default'" in found.out.splitlines()
    assert "    privacy: PUBLIC_TO_EVERYONE" in found.out.splitlines()
    assert api.requests == []
