"""Builders for source folders shaped like the real exports (E1-E4, profiles/SOURCES.md), and a link server.

The TikTok and Instagram shapes follow the public samples named there (LamineLSU/Privacy-Cost-of-Fun
user_data_tiktok.json, yummyhopper/personal_instagram_analysis posts_1.json); the values are made up.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def mojibake(text: str) -> str:
    """What Instagram's JSON holds: the UTF-8 bytes of ``text`` as latin-1 code points."""
    return text.encode("utf-8").decode("latin-1")


def tiktok_video(date: str, link: str, title: str, who: str = "Everyone", **extra) -> dict:
    return {"Date": date, "Link": link, "Likes": "12", "Title": title, "Sound": "original sound",
            "Location": "N/A", "CoverImage": " - ", "WhoCanView": who, "AllowComments": "Yes",
            "AllowStitches": "Yes", "AllowDuets": "Yes", "AllowStickers": "N/A",
            "AllowSharingToStory": "N/A", "ContentDisclosure": "N/A", "AIGeneratedContent": "No",
            "AlternateText": "N/A", "AddYoursText": "N/A", "NumberOfCollections": "0", **extra}  # fmt: skip


def write_tiktok_export(folder: Path, videos: list[dict], *, old_schema: bool = False) -> Path:
    """user_data_tiktok.json (2024 schema) or user_data.json (older ``Video › Videos``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if old_schema:
        data = {"Activity": {"Video Browsing History": {"VideoList": []}},
                "Video": {"Videos": {"VideoList": videos}}}  # fmt: skip
        name = "user_data.json"
    else:
        data = {
            "Ads and data": {}, "App Settings": {}, "Comment": {"Comments": {"CommentsList": None}},
            "Direct Message": {}, "Income Plus Wallet Transactions": {}, "Location Review": {},
            "Post": {"Posts": {"VideoList": videos}, "Recently Deleted Posts": {"PostList": None}},
            "Profile": {"Profile Info": {"ProfileMap": {"userName": "cats.at.dusk"}}},
            "TikTok Shop": {}, "Tiktok Live": {}, "Your Activity": {"Watch History": {"VideoList": None}},
        }  # fmt: skip
        name = "user_data_tiktok.json"
    path = folder / name
    text = json.dumps(data, indent=2, ensure_ascii=False)
    try:
        path.write_text(text, encoding="utf-8")
    except UnicodeEncodeError:  # a lone surrogate: written as the \u escape an export holds
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def ig_media(uri: str, ts: int, title: str = "") -> dict:
    return {"uri": uri, "creation_timestamp": ts,
            "media_metadata": {"camera_metadata": {"has_camera_metadata": False}},
            "title": mojibake(title), "cross_post_source": {"source_app": "FB"}}  # fmt: skip


def write_instagram_export(root: Path, layout: str, posts: list, reels: list, files: dict[str, Path]) -> Path:
    """An export folder: ``layout`` is "2025" (…/media/), "2024" (…/content/) or "old" (content/).
    ``files`` maps each uri to the file copied there."""
    content = {"2025": "your_instagram_activity/media", "2024": "your_instagram_activity/content",
               "old": "content"}[layout]  # fmt: skip
    (root / content).mkdir(parents=True, exist_ok=True)
    (root / content / "posts_1.json").write_text(json.dumps(posts, indent=2), encoding="utf-8")
    if reels:
        reels_doc = {"ig_reels_media": reels}
        (root / content / "reels.json").write_text(json.dumps(reels_doc, indent=2), encoding="utf-8")
    for uri, src in files.items():
        (root / uri).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / uri)
    return root


def write_ytdlp_entry(folder: Path, stem: str, media: Path | None, suffix: str = ".mp4", **info) -> Path:
    """``stem.info.json`` beside ``stem.<suffix>``, as yt-dlp --write-info-json leaves them."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"id": stem, "extractor": "TikTok", "extractor_key": "TikTok", "_type": "video",
           "webpage_url": f"https://www.tiktok.com/@cats.at.dusk/video/{stem}",
           "ext": suffix.lstrip("."), **info}  # fmt: skip
    if media is not None:
        shutil.copyfile(media, folder / f"{stem}{suffix}")
        doc["_filename"] = doc["filename"] = f"/home/someone/Downloads/{stem}{suffix}"
    path = folder / f"{stem}.info.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")  # \u escapes: a lone surrogate too
    return path


class LinkServer:
    """Signed-link stand-in on 127.0.0.1: routes by path (the query, the "signature", is ignored).

        Routes: ("file", data) served with Range support and a useless content type; ("status", code);
        ("slow", seconds, data); ("redirect", path); ("cut", data): the first answer stops halfway,
        later ones serve the rest as asked; ("html",) a web page; ("wrong-range", data): asked for a
        range, sends the whole file as if it were that range; ("custom", handler): ``handler(h)`` answers
    (hostile servers). ``hits`` lists (path, Range header).
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple] = {}
        self.hits: list[tuple[str, str | None]] = []
        self.cut_done: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                server.handle(self)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # A client that gave up (a timeout under test) is expected, not worth a traceback.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return (
            f"http://127.0.0.1:{self.httpd.server_address[1]}{path}?x-expires=1735689600&x-signature=abc%3D"
        )

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        self.hits.append((path, h.headers.get("Range")))
        route = self.routes.get(path, ("status", 404))
        kind = route[0]
        if kind == "status":
            h.send_error(route[1])
        elif kind == "custom":
            route[1](h)
        elif kind == "redirect":
            h.send_response(302)
            h.send_header("Location", self.url(route[1]))
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif kind == "html":
            self._send(h, b"<html><body>This link has expired</body></html>", "text/html")
        elif kind == "slow":
            time.sleep(route[1])
            self._send(h, route[2])
        elif kind == "drip":  # ("drip", data, seconds): one 64 KiB block every ``seconds``
            data = route[1]
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            for i in range(0, len(data), 1 << 16):
                h.wfile.write(data[i : i + (1 << 16)])
                h.wfile.flush()
                time.sleep(route[2])
        elif kind == "wrong-range" and h.headers.get("Range"):
            data = route[1]
            h.send_response(206)
            h.send_header("Content-Range", f"bytes 0-{len(data) - 1}/{len(data)}")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        elif kind == "cut" and path not in self.cut_done:
            self.cut_done.add(path)
            data = route[1]
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
        else:
            self._send(h, route[1])

    def _send(self, h: BaseHTTPRequestHandler, data: bytes, ctype: str = "application/octet-stream") -> None:
        start = 0
        rng = h.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                h.send_error(416)
                return
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data) - start))
        h.end_headers()
        h.wfile.write(data[start:])
