"""Fixtures for publishing: the loopback API server, exported bundles, hand-made manifests (the
in-memory keyring is the suite's, in tests/conftest.py)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tests.publish.fake_api import GuideChunks, env_for, start_server


@pytest.fixture
def api(monkeypatch):
    """The loopback server, with every REPOST_* base URL pointing at it; yields its state."""
    server, state = start_server()
    for name, value in env_for(server).items():
        monkeypatch.setenv(name, value)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def guide_chunks() -> GuideChunks:
    """The Media Transfer Guide's chunk rules as the loopback server enforces them: written out
    independently of repost's api_rules.yaml, so a test can check repost's plan against them."""
    return GuideChunks()


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

    from repost.bundle.export import export_posts
    from repost.bundle.make import ExportOptions
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


def _find_secrets(places: list[str | bytes], secrets: list[str]) -> list[str]:
    """Each secret that occurs in any of the texts."""
    found = []
    for secret in secrets:
        needle = secret.encode()
        for place in places:
            if needle in (place if isinstance(place, bytes) else place.encode()):
                found.append(secret)
    return found


def _files_under(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in folder.rglob("*") if p.is_file()]


def _file_entry(bundle: Path, name: str, role: str, **facts) -> dict:
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


def _write_manifest(bundle: Path, platform: str, post_id: str, files: list[dict], **extra) -> None:
    """A hand-made bundle's manifest.json; its output folder gets the .repost folder export makes."""
    (bundle.parent.parent / ".repost").mkdir(exist_ok=True)
    doc = {"profile": {"id": platform}, "post": {"id": post_id}, "files": files, **extra}
    (bundle / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")


def _rewrite_text(bundle: Path, name: str, text: str) -> None:
    """Give a text file of an exported bundle other content, its manifest entry too (as if exported so)."""
    (bundle / name).write_text(text, encoding="utf-8")
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = [
        _file_entry(bundle, name, "text") if f["path"] == name else f for f in manifest["files"]
    ]
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="session")
def find_secrets():
    """``find_secrets(places, secrets)``: each secret found in any of the texts or bytes."""
    return _find_secrets


@pytest.fixture(scope="session")
def files_under():
    """``files_under(folder)``: the bytes of every file under ``folder``."""
    return _files_under


@pytest.fixture(scope="session")
def file_entry():
    """``file_entry(bundle, name, role, **facts)``: a manifest entry for a file in ``bundle``."""
    return _file_entry


@pytest.fixture(scope="session")
def write_manifest():
    """``write_manifest(bundle, platform, post_id, files, **extra)``: a hand-made manifest.json."""
    return _write_manifest


@pytest.fixture(scope="session")
def rewrite_text():
    """``rewrite_text(bundle, name, text)``: new content for a bundle's text file and its entry."""
    return _rewrite_text
