"""A loopback server (127.0.0.1 only) that follows the documented TikTok, Instagram and YouTube flows.

It checks what the docs require of a client (chunk rules, Content-Range, headers, tokens) and answers
with the documented shapes and errors, recording every request so tests can assert on them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The Media Transfer Guide's chunk rules, written out here independently of repost's api_rules.yaml:
# "at least 5 MB" (held to the larger, binary reading) and "no greater than 64 MB" / "up to 128 MB"
# (held to the smaller, decimal reading), so a client passes only if it is right on either reading.
MIN_CHUNK, MAX_CHUNK, MAX_FINAL, MAX_CHUNKS = 5 * 1024 * 1024, 64_000_000, 128_000_000, 1000
INIT_PER_MINUTE = 6  # TikTok: video init, per user access token


@dataclass(frozen=True)
class GuideChunks:
    """The chunk rules above, as tests read them (through the ``guide_chunks`` fixture)."""

    min_chunk: int = MIN_CHUNK
    max_chunk: int = MAX_CHUNK
    max_final: int = MAX_FINAL
    max_chunks: int = MAX_CHUNKS


@dataclass
class State:
    valid_tokens: set = field(default_factory=set)
    refresh_tokens: dict = field(default_factory=dict)  # refresh token -> client id
    requests: list = field(default_factory=list)  # (method, path, headers, body length)
    chunks: list = field(default_factory=list)  # (publish_id, first, last, total, length)
    uploads: dict = field(default_factory=dict)  # publish_id -> {size, chunk_size, count, received}
    inits: int = 0
    spam_risk: bool = False
    ig_quota_usage: int = 0
    ig_publish_drops: int = 0  # media_publish calls that fail as if the connection dropped
    ig_posts: list = field(default_factory=list)
    tiktok_posts: list = field(default_factory=list)
    youtube_videos: list = field(default_factory=list)
    polls: dict = field(default_factory=dict)
    issued: list = field(default_factory=list)  # every token the server handed out
    auth_codes: dict = field(default_factory=dict)  # code -> PKCE code_challenge
    pkce_verified: int = 0
    body_sha256: list = field(default_factory=list)  # (method, path, sha256 of the body) per request
    delay_s: float = 0.0  # each request waits this long first (to make two runs overlap)
    hooks: dict = field(default_factory=dict)  # path -> callable run as that request arrives

    def new_token(self, prefix: str) -> str:
        token = f"{prefix}-{secrets.token_hex(12)}"
        self.issued.append(token)
        return token


def _pkce_matches(verifier: str | None, challenge: str | None) -> bool:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding equals the challenge."""
    if not verifier or not challenge:
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


class Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args):
        pass

    # --- plumbing ---------------------------------------------------------------------------------

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        data = b""
        while len(data) < n:  # read in pieces: a 70 MB sparse file arrives in 10 MB chunks
            part = self.rfile.read(min(n - len(data), 1 << 20))
            if not part:
                break
            data += part
        return data

    def _send(self, status: int, doc: dict | None = None, headers: dict | None = None) -> None:
        body = json.dumps(doc or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        return auth.split(" ", 1)[1] if " " in auth else None

    def _route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        self.query = dict(urllib.parse.parse_qsl(url.query))
        body = self._body() if method in ("POST", "PUT") else b""
        self.state.requests.append((method, url.path, dict(self.headers), len(body)))
        self.state.body_sha256.append((method, url.path, hashlib.sha256(body).hexdigest()))
        if url.path in self.state.hooks:
            self.state.hooks[url.path]()
        time.sleep(self.state.delay_s)
        parts = url.path.strip("/").split("/")
        if parts[0] == "v2" or parts[0] == "tiktok-upload":
            return self._tiktok(method, url.path, body)
        if parts[0] in ("graph", "ig-api-upload"):
            return self._instagram(method, parts, body)
        if parts[0] == "upload" or parts[0] == "google":
            return self._youtube(method, url.path, body)
        if parts[0] == "authorize":
            return self._authorize()
        self._send(404, {"error": "no such endpoint"})

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    # --- OAuth ----------------------------------------------------------------------------------

    def _authorize(self) -> None:
        code = secrets.token_hex(8)
        self.state.auth_codes[code] = self.query.get("code_challenge")
        target = (
            self.query["redirect_uri"]
            + "?"
            + urllib.parse.urlencode({"code": code, "state": self.query["state"]})
        )
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token_endpoint(self, form: dict, prefix: str) -> None:
        grant = form.get("grant_type")
        if grant == "authorization_code":
            ok = _pkce_matches(form.get("code_verifier"), self.state.auth_codes.pop(form.get("code"), None))
            self.state.pkce_verified += ok
        else:
            ok = grant == "refresh_token" and form.get("refresh_token") in self.state.refresh_tokens
        if not ok or not form.get("client_secret"):
            return self._send(400, {"error": "invalid_grant", "error_description": "the grant is invalid"})
        access, refresh = self.state.new_token(f"{prefix}-access"), self.state.new_token(f"{prefix}-refresh")
        self.state.valid_tokens.add(access)
        self.state.refresh_tokens[refresh] = form.get("client_key") or form.get("client_id")
        doc = {"access_token": access, "refresh_token": refresh, "expires_in": 86400, "open_id": "open-1"}
        self._send(200, {**doc, "scope": "video.publish", "token_type": "Bearer"})

    # --- TikTok ---------------------------------------------------------------------------------

    def _tt_error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"data": {}, "error": {"code": code, "message": message, "log_id": "log1"}})

    def _tt_ok(self, data: dict) -> None:
        self._send(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "log1"}})

    def _tiktok(self, method: str, path: str, body: bytes) -> None:
        if path == "/v2/oauth/token/":
            return self._token_endpoint(dict(urllib.parse.parse_qsl(body.decode())), "tt")
        if path.startswith("/tiktok-upload/"):
            return self._tiktok_chunk(path.rsplit("/", 1)[1], body)
        if self._token() not in self.state.valid_tokens:
            return self._tt_error(401, "access_token_invalid", "The access token is invalid or not found.")
        doc = json.loads(body or b"{}")
        if path == "/v2/post/publish/creator_info/query/":
            return self._tt_ok(
                {
                    "creator_username": "catlover",
                    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "SELF_ONLY"],
                    "max_video_post_duration_sec": 600,
                }
            )
        if path == "/v2/post/publish/video/init/":
            return self._tiktok_init(doc)
        if path == "/v2/post/publish/status/fetch/":
            pid = doc.get("publish_id")
            up = self.state.uploads.get(pid)
            if not up:
                return self._tt_error(400, "invalid_params", "unknown publish_id")
            self.state.polls[pid] = self.state.polls.get(pid, 0) + 1
            if up["received"] < up["size"] or self.state.polls[pid] < 2:
                return self._tt_ok({"status": "PROCESSING_UPLOAD", "uploaded_bytes": up["received"]})
            return self._tt_ok({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [up["post_id"]]})
        self._tt_error(404, "invalid_params", "no such endpoint")

    def _tiktok_init(self, doc: dict) -> None:
        self.state.inits += 1
        if self.state.inits > INIT_PER_MINUTE:
            return self._tt_error(429, "rate_limit_exceeded", "Too many requests.")
        if self.state.spam_risk:
            return self._tt_error(403, "spam_risk_too_many_posts", "The user has reached the daily post cap.")
        info, src = doc.get("post_info") or {}, doc.get("source_info") or {}
        size, chunk, count = src.get("video_size"), src.get("chunk_size"), src.get("total_chunk_count")
        problems = []
        if src.get("source") != "FILE_UPLOAD":
            problems.append("source must be FILE_UPLOAD")
        if len(info.get("title", "").encode("utf-16-le")) // 2 > 2200:
            problems.append("title over 2200 UTF-16 runes")
        if not size or not chunk or count != size // chunk:
            problems.append("total_chunk_count must be video_size // chunk_size")
        elif size < MIN_CHUNK and chunk != size:
            problems.append("a video under 5 MB goes whole")
        elif size > MAX_CHUNK and count < 2:
            problems.append("a video over 64 MB must be chunked")
        elif count > 1 and not MIN_CHUNK <= chunk <= MAX_CHUNK:
            problems.append("chunks must be 5-64 MB")
        elif count > 1 and size - (count - 1) * chunk > MAX_FINAL:
            problems.append("the final chunk may be at most 128 MB")
        elif not 1 <= count <= MAX_CHUNKS:
            problems.append("1 to 1000 chunks")
        if problems:
            return self._tt_error(400, "invalid_params", "; ".join(problems))
        pid = f"v_pub_file~v2-1.{len(self.state.uploads) + 1}"
        self.state.uploads[pid] = {
            "size": size,
            "chunk_size": chunk,
            "count": count,
            "received": 0,
            "post_id": 7_000_000 + len(self.state.uploads),
            "title": info.get("title"),
        }
        port = self.server.server_address[1]
        self._tt_ok({"publish_id": pid, "upload_url": f"http://127.0.0.1:{port}/tiktok-upload/{pid}"})

    def _tiktok_chunk(self, pid: str, body: bytes) -> None:
        pid = urllib.parse.unquote(pid)
        up = self.state.uploads.get(pid)
        rng = (self.headers.get("Content-Range") or "").removeprefix("bytes ")
        try:
            span, total = rng.split("/")
            first, last = map(int, span.split("-"))
        except ValueError:
            return self._send(400, {"error": "bad Content-Range"})
        self.state.chunks.append((pid, first, last, int(total), len(body)))
        index = first // up["chunk_size"] if up else -1
        final = index == up["count"] - 1 if up else False
        expected_last = up["size"] - 1 if final else first + up["chunk_size"] - 1 if up else -1
        if (
            not up
            or first != up["received"]
            or last != expected_last
            or int(total) != up["size"]
            or len(body) != last - first + 1
            or self.headers.get("Content-Type") != "video/mp4"
        ):
            return self._send(400, {"error": "chunk out of order or of the wrong size"})
        up["received"] = last + 1
        if final:
            self.state.tiktok_posts.append(pid)
        self._send(201 if final else 206)

    # --- Instagram ------------------------------------------------------------------------------

    def _ig_error(self, status: int, code: int, message: str, subcode: int | None = None) -> None:
        self._send(
            status,
            {
                "error": {
                    "message": message,
                    "type": "OAuthException",
                    "code": code,
                    "error_subcode": subcode,
                    "fbtrace_id": "trace1",
                }
            },
        )

    def _instagram(self, method: str, parts: list[str], body: bytes) -> None:
        if parts[0] == "graph" and parts[1:] == ["oauth", "access_token"]:
            return self._token_endpoint(self.query, "ig")
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("OAuth ") or self._token() not in self.state.valid_tokens:
            return self._ig_error(400, 190, "Error validating access token: Session has expired.", 463)
        if parts[0] == "ig-api-upload":
            return self._ig_upload(parts[1], body)
        form = dict(urllib.parse.parse_qsl(body.decode())) if body else {}
        rest = parts[1:]
        if rest[1:] == ["content_publishing_limit"]:
            return self._send(
                200,
                {
                    "data": [
                        {
                            "quota_usage": self.state.ig_quota_usage,
                            "config": {"quota_total": 100, "quota_duration": 86400},
                        }
                    ]
                },
            )
        if rest[1:] == ["media"] and method == "POST":
            if form.get("media_type") != "REELS" or form.get("upload_type") != "resumable":
                return self._ig_error(400, 100, "Invalid parameter")
            if len(form.get("caption", "")) > 2200 or form.get("caption", "").count("#") > 30:
                return self._ig_error(400, 100, "The caption is too long.", 2207010)
            cid = f"1790{len(self.state.polls) + 1:04d}"
            self.state.polls[cid] = {"uploaded": 0, "polls": 0, "caption": form.get("caption")}
            port = self.server.server_address[1]
            return self._send(200, {"id": cid, "uri": f"http://127.0.0.1:{port}/ig-api-upload/{cid}"})
        if rest[1:] == ["media_publish"] and self.state.ig_publish_drops:
            self.state.ig_publish_drops -= 1
            return self._send(502, {"error": {"message": "Bad gateway", "code": 1}})
        if rest[1:] == ["media_publish"]:
            c = self.state.polls.get(form.get("creation_id"))
            if not c or c["polls"] < 1 or not c["uploaded"]:
                return self._ig_error(400, 9007, "Media ID is not available", 2207027)
            media_id = f"1800{len(self.state.ig_posts) + 1:04d}"
            self.state.ig_posts.append((media_id, c["caption"]))
            return self._send(200, {"id": media_id})
        if len(rest) == 1 and rest[0] in self.state.polls:
            c = self.state.polls[rest[0]]
            c["polls"] += 1
            return self._send(
                200, {"status_code": "FINISHED" if c["polls"] > 1 else "IN_PROGRESS", "id": rest[0]}
            )
        if len(rest) == 1 and any(rest[0] == m for m, _ in self.state.ig_posts):
            return self._send(200, {"permalink": f"https://www.instagram.com/reel/{rest[0]}/", "id": rest[0]})
        self._ig_error(404, 100, "Unsupported request")

    def _ig_upload(self, cid: str, body: bytes) -> None:
        c = self.state.polls.get(cid)
        if not c or self.headers.get("offset") != "0" or self.headers.get("file_size") != str(len(body)):
            return self._send(400, {"debug_info": {"message": "bad offset or file_size"}})
        c["uploaded"] = len(body)
        self._send(200, {"success": True, "message": "Upload successful."})

    # --- YouTube --------------------------------------------------------------------------------

    def _youtube(self, method: str, path: str, body: bytes) -> None:
        if path == "/google/token":
            return self._token_endpoint(dict(urllib.parse.parse_qsl(body.decode())), "yt")
        if self._token() not in self.state.valid_tokens:
            return self._send(
                401,
                {
                    "error": {
                        "code": 401,
                        "message": "Invalid Credentials",
                        "errors": [{"reason": "authError"}],
                    }
                },
            )
        if method == "POST" and self.query.get("uploadType") == "resumable":
            resource = json.loads(body)
            size = self.headers.get("X-Upload-Content-Length")
            if not resource.get("snippet", {}).get("title") or not size:
                return self._send(
                    400, {"error": {"code": 400, "message": "bad", "errors": [{"reason": "invalid"}]}}
                )
            sid = secrets.token_hex(6)
            self.state.polls[sid] = {"size": int(size), "resource": resource}
            port = self.server.server_address[1]
            loc = f"http://127.0.0.1:{port}/upload/youtube/v3/videos?uploadType=resumable&upload_id={sid}"
            return self._send(200, {}, {"Location": loc})
        if method == "PUT" and self.query.get("upload_id") in self.state.polls:
            s = self.state.polls[self.query["upload_id"]]
            if len(body) != s["size"]:
                return self._send(400, {"error": {"code": 400, "message": "size", "errors": []}})
            vid = f"yt{len(self.state.youtube_videos) + 1}"
            self.state.youtube_videos.append((vid, s["resource"]))
            return self._send(200, {"id": vid, "kind": "youtube#video"})
        self._send(404, {"error": {"code": 404, "message": "not found", "errors": []}})


def start_server() -> tuple[ThreadingHTTPServer, State]:
    """Serve on 127.0.0.1 on a free port, in a daemon thread."""
    state = State()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, state


def env_for(server: ThreadingHTTPServer) -> dict[str, str]:
    """The REPOST_* base URLs pointing at the server."""
    base = f"http://127.0.0.1:{server.server_address[1]}"
    return {
        "REPOST_TIKTOK_API": base,
        "REPOST_TIKTOK_AUTHORIZE": f"{base}/authorize",
        "REPOST_GRAPH_API": f"{base}/graph",
        "REPOST_RUPLOAD": base,
        "REPOST_FACEBOOK_AUTHORIZE": f"{base}/authorize",
        "REPOST_YOUTUBE_API": base,
        "REPOST_GOOGLE_TOKEN": f"{base}/google/token",
        "REPOST_GOOGLE_AUTHORIZE": f"{base}/authorize",
        "REPOST_POLL_INTERVAL_S": "0.01",
    }
