"""What every publisher shares: the bundle as read from its manifest, the result, authorised calls."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from repost.errors import PublishError
from repost.publish import http
from repost.publish.oauth import Session
from repost.publish.secrets import fail

DEFAULT_POLL_S = 2.0


@dataclass(frozen=True)
class Bundle:
    """A bundle as publishing needs it."""

    path: Path
    platform: str
    post_id: str
    kind: str  # video | photos
    media: tuple[Path, ...]
    caption: str
    title: str | None
    duration_s: float | None


def read_bundle(path: Path) -> Bundle:
    """The manifest, caption and media of a bundle folder; a clear error if it is not one."""
    manifest_file = path / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        files = manifest["files"]
        platform, post_id = manifest["profile"]["id"], manifest["post"]["id"]
        if manifest.get("part"):
            # each part of a split post is a post of its own: "1/3" of post x is recorded as x#1/3
            post_id = f"{post_id}#{manifest['part']}"
    except (OSError, ValueError, KeyError, TypeError):
        raise PublishError(
            "not a bundle (no readable manifest.json)", path, hint="give a folder made by `repost export`"
        ) from None
    videos = [f for f in files if f.get("role") == "video"]
    images = [f for f in files if f.get("role") == "image"]

    def text(name: str) -> str | None:
        f = path / name
        return f.read_text(encoding="utf-8").rstrip("\n") if f.is_file() else None

    chosen = videos or images
    return Bundle(
        path=path,
        platform=platform,
        post_id=post_id,
        kind="video" if videos else "photos",
        media=tuple(path / f["path"] for f in chosen),
        caption=text("caption.txt") or "",
        title=text("title.txt"),
        duration_s=videos[0].get("duration_s") if videos else None,
    )


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str | None = None


def poll_interval(default: float = DEFAULT_POLL_S) -> float:
    """Seconds between status polls; REPOST_POLL_INTERVAL_S shortens it for tests against a local server."""
    value = os.environ.get("REPOST_POLL_INTERVAL_S")
    return float(value) if value else default


def authed(
    session: Session,
    header: Callable[[str], dict],
    token_expired: Callable[[http.Response], bool],
    method: str,
    url: str,
    **kw,
) -> http.Response:
    """A call with the account's token; on an expired-token answer, refresh once and call again."""
    extra = kw.pop("headers", {})
    resp = http.send(method, url, headers={**header(session.access_token()), **extra}, **kw)
    if token_expired(resp):
        session.refresh()
        resp = http.send(method, url, headers={**header(session.access_token()), **extra}, **kw)
        if token_expired(resp):
            raise fail(
                f"the {session.platform} API refuses the token even after a refresh",
                url.split("?")[0],
                hint=f"log in again: repost auth login {session.platform} --account {session.account}",
            )
    return resp
