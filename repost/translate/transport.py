"""How translation requests travel: each answer capped in size and each request given one
overall deadline, for LibreTranslate (read by repost, through urllib) and DeepL (read by its
official client, through requests)."""

from __future__ import annotations

import threading
import urllib.request

from repost.inputs import ENGINE_ANSWER_MAX, size_text
from repost.netwatch import SocketWatch, watched_opener

REQUEST_TIMEOUT_S = 60  # one read
# One request, whole: a full batch (50 texts, 5,000 characters to LibreTranslate, 128 KiB to
# DeepL) comes back in seconds from either service, and in about a minute from LibreTranslate
# on a small CPU; five minutes leaves room for that, while a server dripping a byte a second
# (which no per-read timeout ever stops) is cut.
REQUEST_DEADLINE_S = 300.0


def too_slow_text(deadline_s: float) -> str:
    return f"no whole answer within {deadline_s:g} s (the server is too slow)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A translation server that answers with a redirect is refused, never followed (the API
    key would go along to wherever it points)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def libre_opener(watch: SocketWatch) -> urllib.request.OpenerDirector:
    """An opener for one LibreTranslate request: redirects refused, every connection under
    ``watch`` (made with whole=True) until the caller disarms it."""
    return watched_opener(watch, _NoRedirect)


# --- DeepL's client -------------------------------------------------------------------------
# The client reads a whole answer into memory and its requests session has per-read timeouts
# only. A transport adapter mounted on that session reads at most ENGINE_ANSWER_MAX bytes, and
# its connections are watched by the deadline of the request being sent (one per thread: the
# client calls the adapter in the caller's thread). Whatever the adapter raises besides
# requests' own errors the client reports as a failure it does not retry.
_current = threading.local()


def bound_deepl(translator: object, deadline_s: float = REQUEST_DEADLINE_S) -> None:
    """Cap the size of DeepL's answers and the time of each request. The session is the
    client's private attribute: left as it is if a new client moves it."""
    session = getattr(getattr(translator, "_client", None), "_session", None)
    if session is not None and hasattr(session, "mount"):
        adapter = _bounded_adapter(deadline_s)
        for scheme in ("http://", "https://"):
            session.mount(scheme, adapter)


def _bounded_adapter(deadline_s: float):
    from requests.adapters import HTTPAdapter

    class BoundedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = _watched_pools()

        def send(self, request, stream=False, **kwargs):
            watch = _current.watch = SocketWatch(deadline_s, whole=True)
            try:
                resp = super().send(request, stream=True, **kwargs)
                with resp:
                    body = resp.raw.read(ENGINE_ANSWER_MAX + 1, decode_content=True)
            except Exception:
                if watch.fired:
                    raise ValueError(too_slow_text(deadline_s)) from None
                raise
            finally:
                watch.disarm()
                _current.watch = None
            if watch.fired:  # cut mid-body: what came is not the whole answer
                raise ValueError(too_slow_text(deadline_s))
            if len(body) > ENGINE_ANSWER_MAX:
                raise ValueError(f"the answer is over the {size_text(ENGINE_ANSWER_MAX)} limit")
            resp._content, resp._content_consumed = body, True  # requests' store of a read body
            return resp

    return BoundedAdapter()


def _watched_pools() -> dict:
    """urllib3's pool classes for http and https whose connections arm the current request's
    watch on connecting, and again when a kept-alive one is reused."""
    from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.connection import HTTPConnection, HTTPSConnection

    class Watched:
        def connect(self):
            super().connect()
            _arm(self.sock)

        def request(self, *args, **kwargs):
            if getattr(self, "sock", None) is not None:
                _arm(self.sock)
            return super().request(*args, **kwargs)

    conn_http = type("WatchedHTTPConnection", (Watched, HTTPConnection), {})
    conn_https = type("WatchedHTTPSConnection", (Watched, HTTPSConnection), {})
    return {
        "http": type("WatchedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": conn_http}),
        "https": type("WatchedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": conn_https}),
    }


def _arm(sock) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.arm(sock)
