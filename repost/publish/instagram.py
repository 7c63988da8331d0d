"""Instagram Graph API Reels: quota check, resumable upload to rupload, container status, media_publish.

Flow from developers.facebook.com/documentation/instagram-platform/content-publishing/resumable-uploads
and .../content-publishing (content_publishing_limit); errors are ``{"error": {"message", "type",
"code", "error_subcode", "fbtrace_id"}}`` (.../instagram-graph-api/reference/error-codes).
"""

from __future__ import annotations

import time

from repost.layout import CAPTION
from repost.platforms.model import Profile
from repost.publish import http
from repost.publish.base import Bundle, Published, authed, poll_interval
from repost.publish.oauth import Session
from repost.publish.secrets import fail, log
from repost.text.count import UNITS, count_text

MAX_POLLS = 300
# Graph error codes and subcodes, in words a creator can act on.
SUBCODES = {
    2207010: "the caption is over Instagram's limits (2,200 characters, 30 hashtags, 20 @ tags)",
    2207042: "the account reached its limit of API-published posts in 24 hours; try again later",
    2207026: "Instagram does not take this video's format; run `repost validate` on the bundle",
    2207020: "the upload expired before it was published; run publish again",
}
CODES = {
    4: "the Graph API rate limit for this app was hit; wait an hour and run again",
    17: "the Graph API rate limit for this account was hit; wait an hour and run again",
    32: "the Graph API rate limit for this page was hit; wait an hour and run again",
    613: "the Graph API rate limit was hit; wait and run again",
    10: "the login lacks the instagram_content_publish permission; log in again and allow publishing",
    200: "the login lacks a permission publishing needs; log in again and allow publishing",
}


def _oauth(token: str) -> dict:
    return {"Authorization": f"OAuth {token}"}


def _error(resp: http.Response) -> dict:
    error = resp.json().get("error")
    return error if isinstance(error, dict) else {}


def _expired(resp: http.Response) -> bool:
    return _error(resp).get("code") == 190  # OAuthException: the token expired or was revoked


def _call(session: Session, method: str, url: str, **kw) -> dict:
    resp = authed(session, _oauth, _expired, method, url, **kw)
    if resp.status >= 400 or _error(resp):
        err = _error(resp)
        code, sub = err.get("code"), err.get("error_subcode")
        words = SUBCODES.get(sub) or CODES.get(code) or err.get("error_user_msg") or err.get("message")
        raise fail(
            f"Instagram refused: {words or f'HTTP {resp.status}'} (code {code}, subcode {sub})",
            url.split("?")[0],
        )
    return resp.json()


def check_quota(session: Session, graph: str, user_id: str) -> None:
    """Stop before uploading when the 24-hour publishing quota is used up (the API reports both numbers)."""
    doc = _call(
        session, "GET", f"{graph}/{user_id}/content_publishing_limit", params={"fields": "config,quota_usage"}
    )
    rows = doc.get("data") or [{}]
    usage, total = rows[0].get("quota_usage"), (rows[0].get("config") or {}).get("quota_total")
    if usage is not None and total is not None and usage >= total:
        hours = (rows[0].get("config") or {}).get("quota_duration", 86400) / 3600
        raise fail(
            f"Instagram's publishing limit is used up: {usage} of {total} posts in {hours:g} hours",
            user_id,
            hint="try again later; the window is rolling",
        )


def _wait(session: Session, graph: str, container: str) -> None:
    for _ in range(MAX_POLLS):
        doc = _call(session, "GET", f"{graph}/{container}", params={"fields": "status_code,status"})
        status = doc.get("status_code")
        log.debug("reels container %s: %s", container, status)
        if status in ("FINISHED", "PUBLISHED"):
            return
        if status in ("ERROR", "EXPIRED"):
            raise fail(f"Instagram could not process the video: {doc.get('status') or status}", container)
        time.sleep(poll_interval())
    raise fail("Instagram is still processing the video", container, hint="run publish again later")


def publish(bundle: Bundle, session: Session, profile: Profile, privacy=None, commit=None) -> Published:
    """Post one video bundle as a Reel; ``commit(container_id)`` runs before media_publish."""
    user_id = session.tokens.user_id
    if not user_id:
        raise fail("the Instagram login has no account id", hint="log in again with --user-id IG_USER_ID")
    if bundle.kind != "video":
        raise fail("a Reels bundle must hold a video", bundle.path)
    caption = profile.text.caption
    n = count_text(bundle.caption, caption.count)
    if n > caption.max_length:
        raise fail(
            f"caption {n} {UNITS[caption.count]} > {caption.max_length} (error 2207010 if sent)",
            bundle.path / CAPTION,
            hint="export again with --upload-path api",
        )
    graph = http.base_url("REPOST_GRAPH_API")
    check_quota(session, graph, user_id)
    form = {"media_type": "REELS", "upload_type": "resumable", "caption": bundle.caption}
    container = str(_call(session, "POST", f"{graph}/{user_id}/media", form=form)["id"])
    video = bundle.media[0]
    size = video.size
    headers = {"offset": "0", "file_size": str(size), "Content-Type": "application/octet-stream"}
    url = f"{http.base_url('REPOST_RUPLOAD')}/ig-api-upload/{container}"
    doc = _call(session, "POST", url, headers=headers, upload=video)
    if not doc.get("success"):
        raise fail(f"Instagram did not take the upload: {doc.get('message', 'no reason given')}", video)
    _wait(session, graph, container)
    if commit:
        commit(container)
    media_id = str(
        _call(session, "POST", f"{graph}/{user_id}/media_publish", form={"creation_id": container})["id"]
    )
    link = _call(session, "GET", f"{graph}/{media_id}", params={"fields": "permalink"}).get("permalink")
    return Published(media_id, link)
