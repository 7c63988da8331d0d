"""A small HTTP client on the standard library: JSON in and out, every log line redacted."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from repost.publish.secrets import fail, log, redact

TIMEOUT_S = 60.0

# Base URLs of the official APIs; each can be pointed elsewhere (tests use a server on 127.0.0.1).
BASE_URLS = {
    # developers.tiktok.com/doc/content-posting-api-reference-direct-post and .../oauth-user-access-token-
    # management
    "REPOST_TIKTOK_API": "https://open.tiktokapis.com",
    "REPOST_TIKTOK_AUTHORIZE": "https://www.tiktok.com/v2/auth/authorize/",
    # developers.facebook.com/documentation/instagram-platform/content-publishing/resumable-uploads
    "REPOST_GRAPH_API": "https://graph.facebook.com/v21.0",
    "REPOST_RUPLOAD": "https://rupload.facebook.com",
    "REPOST_FACEBOOK_AUTHORIZE": "https://www.facebook.com/v21.0/dialog/oauth",
    # developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
    "REPOST_YOUTUBE_API": "https://www.googleapis.com",
    "REPOST_GOOGLE_TOKEN": "https://oauth2.googleapis.com/token",
    "REPOST_GOOGLE_AUTHORIZE": "https://accounts.google.com/o/oauth2/v2/auth",
}


def base_url(name: str) -> str:
    """The base URL for ``name``: the environment variable of that name, else the official one."""
    return (os.environ.get(name) or BASE_URLS[name]).rstrip("/")


@dataclass
class Response:
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> dict:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def send(
    method: str,
    url: str,
    *,
    headers: dict | None = None,
    params: dict | None = None,
    json_body: dict | None = None,
    form: dict | None = None,
    data: bytes | None = None,
    upload=None,
) -> Response:
    """One request; an HTTP error status is returned, not raised (callers map the platform's errors).
    ``upload`` is a checked bundle file (integrity.BundleFile), streamed from its open descriptor."""
    headers = dict(headers or {})
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers.setdefault("Content-Type", "application/json; charset=UTF-8")
    elif form is not None:
        data = urllib.parse.urlencode(form).encode("ascii")
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    length = upload.size if upload is not None else len(data or b"")
    log.debug("%s %s (%d bytes)", method, url, length)
    try:
        with contextlib.ExitStack() as stack:
            if upload is not None:  # streamed from disk: a large video is never held in memory
                data = upload.stream()
                headers["Content-Length"] = str(length)
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            resp = stack.enter_context(urllib.request.urlopen(request, timeout=TIMEOUT_S))
            result = Response(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as exc:
        result = Response(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise fail(
            f"cannot reach the API: {reason}", redact(url.split("?")[0]), "check the connection"
        ) from None
    log.debug("-> %d %s", result.status, redact(result.body[:300].decode("utf-8", "replace")))
    return result


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
