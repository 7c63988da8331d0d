"""A loopback server that answers as DeepL's and LibreTranslate's APIs do, errors included."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import regex

from repost.translate.engines import Engine

_ELEMENT = regex.compile(r"(<x i=\"\d+\"/>)")


def fake_translate(text: str, drop_elements: bool = False) -> str:
    """A stand-in translation: every ASCII word becomes 译WORD; elements stay (as DeepL keeps
    them with tag_handling=xml) unless ``drop_elements``, which loses them like a careless engine."""
    parts = _ELEMENT.split(text)
    out = []
    for p in parts:
        if _ELEMENT.fullmatch(p):
            out.append("" if drop_elements else p)
        else:
            out.append(regex.sub(r"[A-Za-z]+", lambda m: "译" + m.group(0).upper(), p))
    return "".join(out)


class FakeEngine(Engine):
    """A test double of an engine: the loopback server's stand-in translation, in process."""

    def __init__(self, markup=True, drop_elements=False):
        super().__init__("fake", markup, 3, 10_000)
        self.drop_elements = drop_elements
        self.seen: list[str] = []

    def translate(self, texts, source, target):
        self.seen += texts
        return [fake_translate(t, self.drop_elements) for t in texts]


@dataclass
class EngineState:
    key: str | None = "good-key"
    quota_left: int = 1_000_000
    char_limit: int = 10_000
    drop_elements: bool = False
    slow_down: bool = False
    # "headers" or "body": the answer sent a byte at a time, each well within any per-read
    # timeout, the whole far past a request's deadline
    drip: str | None = None
    drip_every_s: float = 0.1
    requests: list = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    state: EngineState

    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, code: int, doc: object) -> None:
        body = json.dumps(doc).encode()
        if self.state.drip:
            return self._drip(code, body)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, code: int, body: bytes) -> None:
        status = f"HTTP/1.1 {code} {HTTPStatus(code).phrase}\r\n"
        fields = f"Content-Type: application/json\r\nContent-Length: {len(body) + 4000}\r\n"
        head = (status + fields + f"X-Pad: {'p' * 200}\r\n\r\n").encode()
        if self.state.drip == "body":
            self.wfile.write(head)
            head = b""
        try:
            for byte in head + body + b" " * 4000:  # JSON allows the trailing spaces
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.state.drip_every_s)
        except OSError:  # the client hung up: what a deadline does
            pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        doc = json.loads(self.rfile.read(length) or b"{}")
        self.state.requests.append((self.path, doc))
        if self.path == "/v2/translate":
            return self._deepl(doc)
        if self.path == "/translate":
            return self._libre(doc)
        return self._send(404, {"message": "not found"})

    def _deepl(self, doc):
        # https://developers.deepl.com/docs/api-reference/translate (403 bad key, 456 quota)
        auth = self.headers.get("Authorization", "")
        if auth != f"DeepL-Auth-Key {self.state.key}":
            return self._send(403, {"message": "Wrong endpoint or invalid auth key"})
        texts = doc.get("text") or []
        size = sum(len(t) for t in texts)
        if size > self.state.quota_left:
            return self._send(456, {"message": "Quota exceeded"})
        if size > self.state.char_limit:
            return self._send(413, {"message": "Request Entity Too Large"})
        self.state.quota_left -= size
        out = [{"detected_source_language": "EN", "text": fake_translate(t, self.state.drop_elements),
                "billed_characters": len(t)} for t in texts]  # fmt: skip
        return self._send(200, {"translations": out})

    def _libre(self, doc):
        # https://docs.libretranslate.com/guides/api_usage/ (403 bad key, 400 over charLimit, 429)
        if self.state.key and doc.get("api_key") != self.state.key:
            return self._send(403, {"error": "Invalid API key"})
        if self.state.slow_down:
            return self._send(429, {"error": "Slowdown: 20 per 1 minute"})
        q = doc.get("q")
        texts = q if isinstance(q, list) else [q]
        size = sum(len(t) for t in texts)
        if size > self.state.char_limit:
            return self._send(
                400,
                {"error": f"Invalid request: request ({size}) exceeds text limit ({self.state.char_limit})"},
            )
        out = [fake_translate(t, self.state.drop_elements) for t in texts]
        return self._send(200, {"translatedText": out if isinstance(q, list) else out[0]})


def start_engine_server() -> tuple[ThreadingHTTPServer, EngineState]:
    state = EngineState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state
