"""auth: logins kept in the keyring only; a clear error with no usable keyring; the loopback OAuth flow."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail

from repost.publish import oauth
from repost.publish.secrets import redact, remember_secret, tokens_from_stored


def test_login_list_logout(run, login, memory_keyring):
    assert login("tiktok", "tt-pasted-token-abcdef").code == 0
    doc = {"access_token": "ig-pasted-token-abcdef", "expires_in": 3600}
    assert login("reels", json.dumps(doc), "--user-id", "1784", "--account", "brand").code == 0
    listed = run("auth", "list")
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert (
        lines[0].split()[:2] == ["reels", "brand"] and "expires" in lines[0] and "not refreshable" in lines[0]
    )
    assert lines[1].split()[:2] == ["tiktok", "default"] and "no expiry given" in lines[1]
    assert "pasted-token" not in listed.out
    stored = json.loads(memory_keyring.store[("repost", "reels:brand")])
    assert stored["access_token"] == "ig-pasted-token-abcdef" and stored["user_id"] == "1784"

    assert "Logged out of tiktok" in run("auth", "logout", "tiktok").out
    assert "No login for tiktok" in run("auth", "logout", "tiktok").out
    assert [k for k in memory_keyring.store if k[1] != "_accounts"] == [("repost", "reels:brand")]
    assert run("auth", "logout", "reels", "--account", "brand").code == 0
    assert memory_keyring.store == {}
    assert "No logins" in run("auth", "list").out


def test_login_and_logout_take_platform_names(run, login, memory_keyring):
    assert login("TikTok", "tt-pasted-token-abcdef").code == 0
    assert login("Instagram", "ig-token-abcdef", "--user-id", "1784").code == 0
    assert {k[1] for k in memory_keyring.store} == {"tiktok:default", "reels:default", "_accounts"}
    assert "Logged out of reels" in run("auth", "logout", "IG").out
    wrong = login("tiktk", "tt-token-abcdef")
    assert wrong.code == 2 and "did you mean 'tiktok'?" in wrong.err


def test_reels_login_needs_the_account_id(login, memory_keyring):
    result = login("reels", "ig-token-abcdef")
    assert result.code == 2 and "--user-id" in result.err
    assert memory_keyring.store == {}


def test_platforms_without_an_api_have_nothing_to_log_in_to(login, memory_keyring):
    result = login("rednote", "whatever-token")
    assert result.code == 2 and "no public posting API" in result.err


class EmptyChainer(chainer.ChainerBackend):
    backends = ()


@pytest.mark.parametrize("backend", [fail.Keyring(), EmptyChainer()], ids=["fail", "empty-chainer"])
def test_no_usable_keyring_is_a_clear_error_and_nothing_is_written(run, login, backend, tmp_path):
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        result = login("tiktok", "tt-token-abcdef")
    finally:
        keyring.set_keyring(before)
    assert result.code == 2
    assert "no usable system keyring" in result.err and "gnome-keyring" in result.err
    assert "plain-text" in result.err and "tt-token-abcdef" not in result.err + result.out


def test_a_file_keyring_needs_an_explicit_opt_in(login, memory_keyring, monkeypatch):
    # The in-memory backend made to look like keyrings.alt's file backends to repost.
    file_keyring = type("FileKeyring", (type(memory_keyring),), {"__module__": "keyrings.alt.file"})
    before = keyring.get_keyring()
    backend = file_keyring()
    keyring.set_keyring(backend)
    try:
        refused = login("tiktok", "tt-token-abcdef")
        monkeypatch.setenv("REPOST_ALLOW_FILE_KEYRING", "1")
        allowed = login("tiktok", "tt-token-abcdef")
    finally:
        keyring.set_keyring(before)
    assert refused.code == 2 and "did not opt in" in refused.err
    assert allowed.code == 0 and ("repost", "tiktok:default") in backend.store


def _browser(url: str) -> None:
    """Stand-in for the user's browser: follow the consent page's redirect to the loopback server."""
    threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read(), daemon=True).start()


def test_oauth_login_through_a_loopback_redirect(run, api, memory_keyring, monkeypatch):
    monkeypatch.setattr(oauth, "open_browser", _browser)
    monkeypatch.setenv("REPOST_CLIENT_SECRET", "shh-client-secret")
    result = run("auth", "login", "tiktok", "--oauth", "--client-id", "tt-app")
    assert result.code == 0, result.err
    stored = json.loads(memory_keyring.store[("repost", "tiktok:default")])
    assert stored["access_token"] in api.valid_tokens and stored["refresh_token"] in api.refresh_tokens
    assert stored["client_secret"] == "shh-client-secret" and stored["user_id"] == "open-1"
    assert api.pkce_verified == 1  # the code was exchanged with the verifier of the challenge sent
    assert not any(s in result.out + result.err for s in [*api.issued, "shh-client-secret"])


def test_oauth_redirect_with_a_forged_state_is_refused(run, api, memory_keyring, monkeypatch):
    def forged(url):
        redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["redirect_uri"]
        _browser(redirect + "?code=stolen&state=not-yours")

    monkeypatch.setattr(oauth, "open_browser", forged)
    result = run("auth", "login", "shorts", "--oauth", "--client-id", "yt-app")
    assert result.code == 1 and "state does not match" in result.err
    assert memory_keyring.store == {}


def test_redact_masks_known_secrets_and_token_shapes():
    remember_secret("sekrit-value-123")
    text = (
        "GET /x?access_token=abc123456&fields=id Authorization: Bearer tok-987654321 "
        '{"refresh_token": "r-1234567"} and sekrit-value-123'
    )
    out = redact(text)
    for leaked in ("abc123456", "tok-987654321", "r-1234567", "sekrit-value-123"):
        assert leaked not in out
    assert "fields=id" in out


def _real_keyring_tools() -> str | None:
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        return "needs dbus-run-session and gnome-keyring-daemon (apt-get install gnome-keyring; .ci/run does)"
    return None


@pytest.mark.skipif(_real_keyring_tools() is not None, reason=_real_keyring_tools() or "")
def test_tokens_round_trip_through_a_real_secret_service_keyring(tmp_path):
    """The real backend: gnome-keyring on a private D-Bus session, unlocked with a throwaway password."""
    home = tmp_path / "home"
    home.mkdir()
    py = sys.executable
    script = (
        "echo -n throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
        f"echo real-token-0123456789 | {py} -m repost auth login tiktok --token-stdin && "
        f"{py} -m repost auth list && "
        f'{py} -c "import keyring; print(type(keyring.get_keyring()).__module__); '
        "print(keyring.get_password('repost', 'tiktok:default'))\" && "
        f"{py} -m repost auth logout tiktok && {py} -m repost auth list"
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    proc = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Logged in to tiktok as 'default'" in out and "keyring.backends.SecretService" in out
    assert '"access_token": "real-token-0123456789"' in out  # read back from the keyring itself
    assert "Logged out of tiktok" in out and out.rstrip().endswith(
        "No logins. Run: repost auth login PLATFORM"
    )
    leaked = [p for p in home.rglob("*") if p.is_file() and b"real-token-0123456789" in p.read_bytes()]
    assert leaked == [] or all("keyrings" in str(p) for p in leaked)


def test_a_login_stored_by_an_earlier_version_still_reads():
    # Earlier versions stored an always-empty "extra" field beside the tokens.
    stored = '{"access_token": "tok", "refresh_token": null, "expires_at": 1900000000.0, "extra": {}}'
    tokens = tokens_from_stored(stored)
    assert tokens.access_token == "tok" and tokens.expires_at == 1900000000.0
    assert "extra" not in json.dumps(dataclasses.asdict(tokens))
