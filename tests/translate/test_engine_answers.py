"""Hostile translation servers (on 127.0.0.1): answers nested deep, answers over the size cap,
answers that never end, error answers of the same kinds. Each is one clear TranslateError in
bounded time and memory, for LibreTranslate (read by repost) and DeepL (read by its client)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from repost.errors import TranslateError
from repost.inputs import ENGINE_ANSWER_MAX, MAX_DEPTH
from repost.translate.engines import DeepL, LibreTranslate

pytestmark = pytest.mark.timeout(60)

DEEP = b"[" * 200_000 + b"]" * 200_000  # past the interpreter's recursion limit, 400 KB
NESTED = b'{"translatedText": ' + b"[" * (MAX_DEPTH + 5) + b'"x"' + b"]" * (MAX_DEPTH + 5) + b"}"
HUGE = b'{"translatedText": ["' + b"a" * (ENGINE_ANSWER_MAX + 10) + b'"]}'
CHUNK = b"a" * 65536


class _Hostile(BaseHTTPRequestHandler):
    mode = "deep"
    status = 200
    protocol_version = "HTTP/1.0"  # no length needed: the body ends when the connection does

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            if self.mode == "endless":
                self.wfile.write(b'{"translatedText": ["')
                while True:  # until the client hangs up
                    self.wfile.write(CHUNK)
            self.wfile.write({"deep": DEEP, "nested": NESTED, "huge": HUGE}[self.mode])
        except OSError:
            pass


@pytest.fixture
def hostile():
    """``hostile(mode, status=200)``: the address of a server answering every POST so."""
    servers = []

    def start(mode: str, status: int = 200) -> str:
        handler = type("Handler", (_Hostile,), {"mode": mode, "status": status})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("deep", f"nested deeper than {MAX_DEPTH} levels"),
        ("nested", f"nested deeper than {MAX_DEPTH} levels"),
        ("huge", "the answer is over the 8 MB limit"),
        ("endless", "the answer is over the 8 MB limit"),
    ],
)
def test_libretranslate_refuses_a_hostile_answer(hostile, mode, said):
    engine = LibreTranslate(None, hostile(mode))
    with pytest.raises(TranslateError) as info:
        engine.translate(["Hello"], "en", "zh")
    assert info.value.what == f"libretranslate: {said}"
    assert info.value.hint == "check --engine-url"


@pytest.mark.parametrize("mode", ["deep", "huge", "endless"])
def test_libretranslate_error_answers_are_read_within_bounds(hostile, mode):
    engine = LibreTranslate(None, hostile(mode, status=400))
    with pytest.raises(TranslateError, match=r"^libretranslate: HTTP 400: Bad Request$"):
        engine.translate(["Hello"], "en", "zh")


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("deep", "the answer was not DeepL's"),
        ("huge", "over the 8 MB limit"),
        ("endless", "over the 8 MB limit"),
    ],
)
def test_deepl_refuses_a_hostile_answer(hostile, mode, said):
    engine = DeepL("key:fx", hostile(mode))
    with pytest.raises(TranslateError) as info:
        engine.translate(["Hello"], "en", "zh")
    assert info.value.what.startswith("deepl: ") and said in info.value.what, info.value.what


@pytest.mark.parametrize("engine_name", ["libretranslate", "deepl"])
@pytest.mark.parametrize("phase", ["headers", "body"])
def test_a_server_that_drips_is_cut_at_the_request_deadline(engine_server, engine_name, phase):
    """A byte every 0.1 s never trips the 60 s per-read timeout; the request's overall deadline
    (2 s here, 300 s in use) ends it, in its headers or its body, with one clear error and no retry."""
    engine_server.drip = phase
    if engine_name == "deepl":
        engine = DeepL(engine_server.key, engine_server.url, deadline_s=2.0)
    else:
        engine = LibreTranslate(engine_server.key, engine_server.url, deadline_s=2.0)
    began = time.monotonic()
    with pytest.raises(TranslateError) as info:
        engine.translate(["Hello"], "en", "zh")
    took = time.monotonic() - began
    assert info.value.what.startswith(f"{engine_name}: ")
    assert "no whole answer within 2 s (the server is too slow)" in info.value.what
    assert 2.0 <= took < 5.0  # the deadline, not the answer's 45 s of drip, nor retries
    assert len(engine_server.requests) == 1


def test_a_slow_but_steady_answer_within_the_deadline_arrives(engine_server):
    """The deadline bounds the whole request, not each read: an answer dripped for about 1 s
    within a 5 s deadline is read whole."""
    engine_server.drip, engine_server.drip_every_s = "body", 0.0002
    engine = LibreTranslate(engine_server.key, engine_server.url, deadline_s=5.0)
    assert engine.translate(["Hello"], "en", "zh") == ["译HELLO"]
