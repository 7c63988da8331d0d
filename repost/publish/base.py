"""What every publisher shares: the bundle as read from its manifest, the result, authorised calls."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from repost.publish import http
from repost.publish.integrity import Bundle, BundleFile, read_bundle
from repost.publish.oauth import Session
from repost.publish.secrets import fail

DEFAULT_POLL_S = 2.0
__all__ = ["Bundle", "BundleFile", "Published", "authed", "poll_interval", "read_bundle"]


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
