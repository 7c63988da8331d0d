"""Getting tokens: pasted on stdin, or an OAuth authorization-code flow with a loopback redirect."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as pysecrets
import threading
import time
import urllib.parse
import webbrowser
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer

from repost.errors import UsageError
from repost.publish import http
from repost.publish.secrets import Tokens, expiry_from, fail, load_tokens, log, remember_secret, save_tokens

LOGIN_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class OAuthApp:
    """How one platform's OAuth 2.0 authorization-code flow is spelt."""

    authorize: str  # env name of the authorize URL
    token_base: str  # env name of the base the token path hangs from
    token_path: str
    scope: str  # as the authorize URL takes it (TikTok and Facebook separate by commas)
    client_param: str = "client_id"  # TikTok calls it client_key
    token_method: str = "POST"


APPS = {
    # developers.tiktok.com/doc/login-kit-desktop, .../oauth-user-access-token-management
    "tiktok": OAuthApp(
        "REPOST_TIKTOK_AUTHORIZE",
        "REPOST_TIKTOK_API",
        "/v2/oauth/token/",
        "user.info.basic,video.publish,video.upload",
        client_param="client_key",
    ),
    # developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow (Facebook Login for Business)
    "reels": OAuthApp(
        "REPOST_FACEBOOK_AUTHORIZE",
        "REPOST_GRAPH_API",
        "/oauth/access_token",
        "instagram_basic,instagram_content_publish,pages_show_list",
        token_method="GET",
    ),
    # developers.google.com/identity/protocols/oauth2/native-app (loopback redirect, PKCE)
    "shorts": OAuthApp(
        "REPOST_GOOGLE_AUTHORIZE",
        "REPOST_GOOGLE_TOKEN",
        "",
        "https://www.googleapis.com/auth/youtube.upload",
    ),
}
API_PLATFORMS = tuple(APPS)


def check_platform(platform: str) -> OAuthApp:
    if platform in APPS:
        return APPS[platform]
    if platform in ("rednote", "lemon8"):
        raise UsageError(
            f"{platform} has no public posting API, so there is nothing to log in to",
            platform,
            hint=f"upload the bundle by hand; `repost publish` prints the steps for {platform} bundles",
        )
    raise UsageError(f"unknown platform {platform!r}", hint=f"choose from: {', '.join(API_PLATFORMS)}")


def tokens_from_text(text: str, client_id: str | None, user_id: str | None) -> Tokens:
    """A bare access token, or the JSON a token endpoint returns (access_token, refresh_token, ...)."""
    text = text.strip()
    if not text:
        raise UsageError("no token on standard input", hint="pipe the access token, or the token JSON, in")
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            raise UsageError("the token JSON on standard input is not valid JSON") from None
        if not isinstance(doc, dict) or not doc.get("access_token"):
            raise UsageError("the token JSON on standard input has no access_token")
        for key in ("access_token", "refresh_token", "client_id", "client_secret"):
            if doc.get(key) is not None and not isinstance(doc[key], str):
                raise UsageError(f"the token JSON on standard input has a {key} that is not a string")
        remember_secret(doc.get("access_token"), doc.get("refresh_token"), doc.get("client_secret"))
        try:
            expires_at = expiry_from(doc.get("expires_in"))
        except ValueError as exc:
            raise UsageError(
                f"the token JSON on standard input: {exc}", hint="give expires_in in seconds"
            ) from None
        return Tokens(
            access_token=doc["access_token"],
            refresh_token=doc.get("refresh_token"),
            expires_at=expires_at,
            client_id=doc.get("client_id") or client_id,
            client_secret=doc.get("client_secret"),
            user_id=str(doc.get("user_id") or doc.get("open_id") or user_id or "") or None,
        )
    remember_secret(text)
    return Tokens(access_token=text.splitlines()[0].strip(), client_id=client_id, user_id=user_id)


def exchange(platform: str, form: dict, client_id: str, client_secret: str | None) -> dict:
    """POST (or GET) the token endpoint; the response JSON, or a clear error."""
    app = APPS[platform]
    url = http.base_url(app.token_base) + app.token_path
    form = {
        app.client_param: client_id,
        **({"client_secret": client_secret} if client_secret else {}),
        **form,
    }
    if app.token_method == "GET":
        resp = http.send("GET", url, params=form)
    else:
        resp = http.send("POST", url, form=form)
    doc = resp.json()
    if resp.status >= 400 or not isinstance(doc.get("access_token"), str) or not doc["access_token"]:
        why = doc.get("error_description") or doc.get("error") or f"HTTP {resp.status}"
        if isinstance(why, dict):
            why = why.get("message") or why
        raise fail(
            f"the {platform} token endpoint refused: {why}",
            url,
            hint=f"log in again: repost auth login {platform}",
        )
    if doc.get("refresh_token") is not None and not isinstance(doc["refresh_token"], str):
        doc["refresh_token"] = None  # not a token: as if none was given
    remember_secret(doc.get("access_token"), doc.get("refresh_token"))
    return doc


def server_expiry(doc: dict) -> float | None:
    """The expiry a token endpoint gave; one it gives wrongly counts as none (a 401 then refreshes)."""
    try:
        return expiry_from(doc.get("expires_in"))
    except ValueError as exc:
        log.debug("ignoring the token endpoint's %s", exc)
        return None


def refresh(platform: str, account: str, tokens: Tokens) -> Tokens:
    """New tokens from the refresh token, saved back to the keyring."""
    if not tokens.refresh_token or not tokens.client_id:
        raise fail(
            f"the {platform} access token for {account!r} has expired and cannot be refreshed",
            platform,
            hint=f"log in again: repost auth login {platform} --account {account}",
        )
    log.debug("refreshing the %s token for %s", platform, account)
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    doc = exchange(platform, form, tokens.client_id, tokens.client_secret)
    tokens.access_token = doc["access_token"]
    tokens.refresh_token = doc.get("refresh_token") or tokens.refresh_token
    tokens.expires_at = server_expiry(doc)
    save_tokens(platform, account, tokens)
    return tokens


class Session:
    """One account's tokens for one publish run: refreshed ahead of expiry, or once on a 401."""

    def __init__(self, platform: str, account: str):
        self.platform, self.account = platform, account
        self.tokens = load_tokens(platform, account)
        self.refreshed = False

    def access_token(self) -> str:
        if self.tokens.expired():
            self.refresh()
        return self.tokens.access_token

    def refresh(self) -> str:
        if self.refreshed:
            raise fail(
                f"the {self.platform} API still refuses the token after a refresh",
                self.platform,
                hint=f"log in again: repost auth login {self.platform} --account {self.account}",
            )
        self.tokens = refresh(self.platform, self.account, self.tokens)
        self.refreshed = True
        return self.tokens.access_token


# --- the authorization-code flow with a loopback redirect (RFC 8252 §7.3, PKCE RFC 7636) ---------


def _pkce() -> tuple[str, str]:
    verifier = pysecrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _wait_for_code(state: str, port: int, on_ready) -> tuple[str, str]:
    """Serve one redirect on 127.0.0.1; returns (code, redirect_uri)."""
    got: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            if query.get("state") != state:
                got.setdefault("error", "the redirect's state does not match (a stale or forged request)")
            elif "code" in query:
                got["code"] = query["code"]
            else:
                got["error"] = (
                    query.get("error_description") or query.get("error") or "no code in the redirect"
                )
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"repost: you can close this window and go back to the terminal.\n")

        def log_message(self, *args):  # the query holds the code: never print it
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    server.timeout = 1.0
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/callback"
    deadline = time.monotonic() + LOGIN_TIMEOUT_S
    try:
        on_ready(redirect_uri)
        while not got and time.monotonic() < deadline:
            server.handle_request()
    finally:
        server.server_close()
    if "code" not in got:
        raise fail(f"login did not finish: {got.get('error', 'timed out waiting for the browser')}")
    remember_secret(got["code"])
    return got["code"], redirect_uri


def open_browser(url: str) -> None:
    """Open the consent page in a browser, in the background (tests replace this)."""
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()


def login_in_browser(platform: str, client_id: str, client_secret: str | None, port: int, echo) -> dict:
    """Run the authorization-code flow; returns the token endpoint's JSON."""
    app = check_platform(platform)
    state = pysecrets.token_urlsafe(24)
    verifier, challenge = _pkce()

    def ready(redirect_uri: str) -> None:
        params = {
            app.client_param: client_id,
            "response_type": "code",
            "scope": app.scope,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if platform == "shorts":
            params["access_type"] = "offline"  # Google returns a refresh token only when asked
        url = http.base_url(app.authorize) + "?" + urllib.parse.urlencode(params)
        echo(f"Opening the {platform} consent page; if no browser opens, visit:\n  {url}")
        open_browser(url)

    code, redirect_uri = _wait_for_code(state, port, ready)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    return exchange(platform, form, client_id, client_secret)
