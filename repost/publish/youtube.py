"""YouTube Shorts through the Data API's resumable upload (videos.insert).

Flow from developers.google.com/youtube/v3/guides/using_resumable_upload_protocol: POST the video
resource with X-Upload-Content-Length and -Type, take the session URI from Location, PUT the file.
Errors are ``{"error": {"code", "message", "errors": [{"reason", ...}]}}``.
"""

from __future__ import annotations

from repost.layout import CAPTION
from repost.platforms.model import Profile
from repost.publish import http
from repost.publish.base import Bundle, Published, authed
from repost.publish.oauth import Session
from repost.publish.secrets import fail
from repost.text.count import UNITS, count_text
from repost.text.fit import fit_text

REASONS = {
    "quotaExceeded": "the Google project's daily API quota is used up; try again tomorrow",
    "uploadLimitExceeded": "this channel reached its upload limit for now; try again later",
    "rateLimitExceeded": "YouTube's rate limit was hit; wait a minute and run again",
    "forbidden": "the login may not upload to this channel; log in again and allow uploads",
}
PRIVACY = ("private", "unlisted", "public")  # videos#status.privacyStatus (Y4)
# Google marks a video about children or not; a Short made for kids loses comments, so say no unless told.
MADE_FOR_KIDS = False


def _expired(resp: http.Response) -> bool:
    return resp.status == 401


def _reason(resp: http.Response) -> str:
    error = resp.json().get("error")
    if not isinstance(error, dict):
        return f"HTTP {resp.status}"
    reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
    words = next((REASONS[r] for r in reasons if r in REASONS), None)
    return f"{words or error.get('message') or resp.status} ({', '.join(map(str, reasons)) or resp.status})"


def title_of(bundle: Bundle, profile: Profile) -> str:
    """title.txt, else the caption's first line, fitted to the profile's title limit as captions
    are (at a word or sentence end, never inside an emoji sequence, with an ellipsis)."""
    text = bundle.title or (bundle.caption.splitlines() or [bundle.post_id])[0] or bundle.post_id
    text = text.replace("<", "").replace(">", "")  # Y4: a title may not hold < or >
    field = profile.text.title
    return fit_text(text, field.max_length, field.count).text if field else text


def publish(bundle: Bundle, session: Session, profile: Profile, privacy=None, commit=None) -> Published:
    """Upload one video bundle as a Short; ``commit`` runs before the upload that creates the video."""
    if bundle.kind != "video":
        raise fail("YouTube's API takes no image posts; a Shorts bundle must hold a video", bundle.path)
    privacy = (privacy or "private").lower()
    if privacy not in PRIVACY:
        raise fail(
            f"YouTube privacy {privacy!r} is not one of {', '.join(PRIVACY)}", hint="use --privacy private"
        )
    caption = profile.text.caption
    n = count_text(bundle.caption, caption.count)
    if n > caption.max_length:
        raise fail(f"description {n} {UNITS[caption.count]} > {caption.max_length}", bundle.path / CAPTION)
    video = bundle.media[0]
    size = video.size
    resource = {
        "snippet": {"title": title_of(bundle, profile), "description": bundle.caption},
        "status": {"privacyStatus": privacy, "selfDeclaredMadeForKids": MADE_FOR_KIDS},
    }
    start = http.base_url("REPOST_YOUTUBE_API") + "/upload/youtube/v3/videos"
    headers = {"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/mp4"}
    params = {"uploadType": "resumable", "part": "snippet,status"}
    resp = authed(
        session, http.bearer, _expired, "POST", start, params=params, json_body=resource, headers=headers
    )
    location = resp.header("location")
    if resp.status >= 400 or not location:
        raise fail(f"YouTube refused the upload: {_reason(resp)}", start)
    if commit:
        commit("(upload started)")  # YouTube gives the video id only when the upload ends
    put_headers = {"Content-Type": "video/mp4"}
    resp = authed(session, http.bearer, _expired, "PUT", location, upload=video, headers=put_headers)
    if resp.status not in (200, 201) or not resp.json().get("id"):
        raise fail(f"YouTube did not take the video: {_reason(resp)}", video)
    video_id = resp.json()["id"]
    return Published(video_id, f"https://www.youtube.com/shorts/{video_id}")
