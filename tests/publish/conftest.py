"""Fixtures for publishing: an in-memory keyring, the loopback API server, exported bundles."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from tests.publish.fake_api import env_for, start_server


class MemoryKeyring(KeyringBackend):
    """A keyring backend that lives in a dict: for tests only (a real one is tested on its own)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def api(monkeypatch):
    """The loopback server, with every REPOST_* base URL pointing at it; yields its state."""
    server, state = start_server()
    for name, value in env_for(server).items():
        monkeypatch.setenv(name, value)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def login(run, monkeypatch):
    """``login("tiktok", {"access_token": ...}, "--user-id", "1")``: auth login --token-stdin."""

    def do(platform: str, doc: dict | str, *args: str):
        text = doc if isinstance(doc, str) else json.dumps(doc)
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        return run("auth", "login", platform, "--token-stdin", *args)

    return do


POST = """
title: Cats at sunset
caption: |
  Evening with the cats. #cats
hashtags: [sunset, cats]
media: [clip.mp4]
"""


@pytest.fixture(scope="session")
def exported_once(tmp_path_factory, clip_fits_all) -> Path:
    """cats/<platform> bundles made once by `repost export` on the API path (copied per test)."""
    import shutil

    from repost.bundle.export import ExportOptions, export_posts
    from repost.platforms.profiles import load_profiles

    root = tmp_path_factory.mktemp("exported")
    post = root / "cats"
    post.mkdir()
    shutil.copyfile(clip_fits_all, post / "clip.mp4")
    (post / "post.yaml").write_text(POST, encoding="utf-8")
    out = root / "out"
    options = ExportOptions(out=out, to="tiktok,reels,shorts,rednote,lemon8", fit=None, jobs=1, dry_run=False)
    outcome = export_posts([post], load_profiles(upload_path="api"), options)
    assert outcome.exit_status == 0, outcome
    return out


@pytest.fixture
def exported(exported_once, tmp_path) -> Path:
    """A fresh copy of the exported DIR for one test."""
    import shutil

    return Path(shutil.copytree(exported_once, tmp_path / "out"))


def find_secrets(places: list[str | bytes], secrets: list[str]) -> list[str]:
    """Each secret that occurs in any of the texts."""
    found = []
    for secret in secrets:
        needle = secret.encode()
        for place in places:
            if needle in (place if isinstance(place, bytes) else place.encode()):
                found.append(secret)
    return found


def files_under(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in folder.rglob("*") if p.is_file()]


def file_entry(bundle: Path, name: str, role: str, **facts) -> dict:
    """A manifest entry for a file already in ``bundle``: its size and sha256, as export records them."""
    import hashlib

    data = (bundle / name).read_bytes()
    return {
        "path": name,
        "role": role,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        **facts,
    }


def write_manifest(bundle: Path, platform: str, post_id: str, files: list[dict], **extra) -> None:
    """A hand-made bundle's manifest.json; its output folder gets the .repost folder export makes."""
    (bundle.parent.parent / ".repost").mkdir(exist_ok=True)
    doc = {"profile": {"id": platform}, "post": {"id": post_id}, "files": files, **extra}
    (bundle / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")


def rewrite_text(bundle: Path, name: str, text: str) -> None:
    """Give a text file of an exported bundle other content, its manifest entry too (as if exported so)."""
    (bundle / name).write_text(text, encoding="utf-8")
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = [
        file_entry(bundle, name, "text") if f["path"] == name else f for f in manifest["files"]
    ]
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
