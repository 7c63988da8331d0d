"""TikTok Content Posting API, Direct Post by FILE_UPLOAD: creator info, init, chunked PUT, status.

Flow and names from developers.tiktok.com/doc/content-posting-api-reference-direct-post,
.../content-posting-api-media-transfer-guide, .../content-posting-api-reference-query-creator-info and
.../content-posting-api-reference-get-video-status. Every response is ``{"data": {...}, "error":
{"code": "ok" | "<name>", "message", "log_id"}}``.
"""

from __future__ import annotations

import time

from repost.layout import CAPTION
from repost.platforms.model import Profile
from repost.publish import http
from repost.publish.base import Bundle, BundleFile, Published, authed, poll_interval
from repost.publish.oauth import Session
from repost.publish.rules import ChunkPlan, load_tiktok_rules, plan_chunks
from repost.publish.secrets import fail, log
from repost.text.count import UNITS, count_text

MAX_POLLS = 300

# TikTok's error codes, in words a creator can act on (T2 "Error codes"; the daily cap is unpublished).
ERRORS = {
    "spam_risk_too_many_posts": "TikTok's daily post limit for this account is reached (TikTok does not "
    "publish the number); try again tomorrow",
    "spam_risk_too_many_pending_share": "too many uploads of this account are waiting in TikTok's inbox; "
    "post or delete them in the app first",
    "spam_risk_user_banned_from_posting": "TikTok does not let this account post right now",
    "rate_limit_exceeded": "TikTok's rate limit was hit (video init allows 6 requests a minute per "
    "account); wait a minute and run again",
    "reached_active_user_cap": "the app's daily quota of active posting users is used up; try tomorrow",
    "unaudited_client_can_only_post_to_private_accounts": "this TikTok app is not audited yet, so it may "
    "post only to a private account (privacy SELF_ONLY)",
    "privacy_level_option_mismatch": "the privacy level is not one this creator may use",
    "scope_not_authorized": "the login lacks the video.publish scope; log in again and allow posting",
    "url_ownership_unverified": "the media URL's domain is not verified for this TikTok app",
}


def _expired(resp: http.Response) -> bool:
    return resp.status == 401 or _code(resp) in ("access_token_invalid", "access_token_expired")


def _code(resp: http.Response) -> str:
    error = resp.json().get("error")
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _call(session: Session, path: str, body: dict) -> dict:
    url = http.base_url("REPOST_TIKTOK_API") + path
    resp = authed(session, http.bearer, _expired, "POST", url, json_body=body)
    code = _code(resp)
    if resp.status >= 400 or code not in ("", "ok"):
        message = (resp.json().get("error") or {}).get("message") or f"HTTP {resp.status}"
        raise fail(f"TikTok refused: {ERRORS.get(code, message)} ({code or resp.status})", path)
    return resp.json().get("data") or {}


def _check(bundle: Bundle, profile: Profile) -> None:
    """What can be known without asking TikTok, checked before the first request."""
    caption = profile.text.caption
    n = count_text(bundle.caption, caption.count)
    if n > caption.max_length:
        raise fail(
            f"caption {n} {UNITS[caption.count]} > {caption.max_length}, the most TikTok's API takes",
            bundle.path / CAPTION,
            hint="export again with --upload-path api, which fits the caption to the API's limit",
        )


def _check_duration(bundle: Bundle, info: dict) -> None:
    limit = info.get("max_video_post_duration_sec")
    if limit and bundle.duration_s and bundle.duration_s > float(limit):
        raise fail(
            f"video {bundle.duration_s:.1f} s > {limit} s, the longest this creator may post",
            bundle.media[0],
            hint="TikTok sets this per creator (creator_info max_video_post_duration_sec)",
        )


def _chunks(video: BundleFile) -> ChunkPlan:
    try:
        return plan_chunks(video.size, load_tiktok_rules())
    except ValueError as exc:  # empty, or too big for 1,000 chunks of at most 64 MB
        raise fail(f"TikTok cannot take this file: {exc}", video) from None


def choose_privacy(info: dict, wanted: str | None) -> str:
    """The creator's own options decide; SELF_ONLY (private) unless another is asked for."""
    options = info.get("privacy_level_options") or []
    choice = wanted or ("SELF_ONLY" if "SELF_ONLY" in options or not options else options[0])
    if options and choice not in options:
        raise fail(
            f"privacy {choice} is not offered to this creator", hint=f"choose one of: {', '.join(options)}"
        )
    return choice


def upload_chunks(upload_url: str, video: BundleFile, chunks: ChunkPlan) -> int:
    """PUT the file in order, each chunk with its Content-Range; returns the number of chunks."""
    for first, last in chunks.ranges:
        data = video.pread(first, last - first + 1)  # the checked descriptor, never reopened by name
        headers = {"Content-Type": "video/mp4", "Content-Range": f"bytes {first}-{last}/{video.size}"}
        resp = http.send("PUT", upload_url, headers=headers, data=data)
        if resp.status not in (200, 201, 206):
            raise fail(f"TikTok refused the upload of bytes {first}-{last}: HTTP {resp.status}", video)
    return chunks.total_chunk_count


def _wait(session: Session, publish_id: str) -> dict:
    interval = poll_interval(60 / load_tiktok_rules().status_fetch_per_min)
    for _ in range(MAX_POLLS):
        data = _call(session, "/v2/post/publish/status/fetch/", {"publish_id": publish_id})
        status = data.get("status")
        log.debug("tiktok %s: %s", publish_id, status)
        if status == "PUBLISH_COMPLETE":
            return data
        if status == "FAILED":
            raise fail(f"TikTok could not publish the video: {data.get('fail_reason', 'no reason given')}")
        time.sleep(interval)
    raise fail("TikTok is still processing the video", publish_id, hint="check the TikTok app in a while")


def publish(bundle: Bundle, session: Session, profile: Profile, privacy=None, commit=None) -> Published:
    """Post one video bundle to TikTok; ``commit(publish_id)`` runs before the upload that posts it."""
    if bundle.kind != "video":
        raise fail(
            "TikTok's API takes photo posts only as PULL_FROM_URL: TikTok downloads each image from a "
            "domain verified for the app, and repost has no such server to upload them from",
            bundle.path,
            hint="post the photos by hand in the TikTok app (they are in this bundle, in order)",
        )
    _check(bundle, profile)
    video = bundle.media[0]
    size, chunks = video.size, _chunks(video)
    info = _call(session, "/v2/post/publish/creator_info/query/", {})
    _check_duration(bundle, info)
    body = {
        "post_info": {"title": bundle.caption, "privacy_level": choose_privacy(info, privacy)},
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": chunks.chunk_size,
            "total_chunk_count": chunks.total_chunk_count,
        },
    }
    data = _call(session, "/v2/post/publish/video/init/", body)
    if commit:
        commit(str(data["publish_id"]))  # Direct Post: a complete upload is posted without another call
    upload_chunks(data["upload_url"], video, chunks)
    done = _wait(session, data["publish_id"])
    post_ids = done.get("publicaly_available_post_id") or []  # sic: TikTok's spelling
    if post_ids:
        user = info.get("creator_username")
        url = f"https://www.tiktok.com/@{user}/video/{post_ids[0]}" if user else None
        return Published(str(post_ids[0]), url)
    return Published(str(data["publish_id"]))
