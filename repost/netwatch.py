"""Deadlines on network exchanges: a timer that shuts a connection's socket once time is up.

Per-read timeouts alone let a server that sends a byte just before each one runs out hold a
request for ever (one byte a second never times out). Shutting the socket down from a timer
ends whatever read is blocked on it at once, in headers or body alike; the caller then sees
``fired`` and says the server was too slow instead of reporting a broken connection.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
import time
import urllib.request


class SocketWatch:
    """Cuts a connection at a deadline. ``whole``: one deadline for the whole exchange, counted
    from the watch's making, for every connection it is armed on (a translation request); else
    each connection gets ``seconds`` from when it is armed, until its answer's headers are in
    (a download, whose body is bounded by its rate instead)."""

    def __init__(self, seconds: float, *, whole: bool = False) -> None:
        self.seconds = seconds
        self.whole = whole
        self.fired = False
        self._ends = time.monotonic() + seconds
        self._timer: threading.Timer | None = None

    def arm(self, sock: socket.socket) -> None:
        self.disarm()
        left = max(0.0, self._ends - time.monotonic()) if self.whole else self.seconds
        self._timer = threading.Timer(left, self._cut, (sock,))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _cut(self, sock: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):  # already closed: nothing waits on it
            sock.shutdown(socket.SHUT_RDWR)


class WatchTooSlow(TimeoutError):
    """The answer did not arrive within the watch's deadline."""


class _Watched:
    """Arms the watch once connected (TCP, and TLS for https); a per-answer watch is disarmed
    once the answer's headers are in, a whole-exchange one stays until its owner disarms it."""

    def __init__(self, *args, watch: SocketWatch, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.watch = watch

    def connect(self) -> None:
        super().connect()
        self.watch.arm(self.sock)

    def getresponse(self):
        try:
            response = super().getresponse()
        finally:
            if not self.watch.whole:
                self.watch.disarm()
        if self.watch.fired:  # cut mid-headers, http.client may take what came for the whole answer
            response.close()
            raise WatchTooSlow(f"no answer within {self.watch.seconds:g} s")
        return response


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    pass


class _HttpHandler(urllib.request.HTTPHandler):
    def __init__(self, watch: SocketWatch) -> None:
        super().__init__()
        self.watch = watch

    def http_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTP, watch=self.watch), req)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, watch: SocketWatch) -> None:
        super().__init__()
        self.watch = watch

    def https_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTPS, watch=self.watch), req, context=self._context)


def watched_opener(watch: SocketWatch, *handlers) -> urllib.request.OpenerDirector:
    """A urllib opener whose every connection is under ``watch`` (one opener per request: the
    watch is that request's; openers are cheap to build)."""
    return urllib.request.build_opener(_HttpHandler(watch), _HttpsHandler(watch), *handlers)
