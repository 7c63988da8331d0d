"""Opening a download link: redirects only to http(s), and a deadline for the server's answer."""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request


class RedirectRefused(Exception):
    """The link redirects to a scheme other than http or https."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        super().__init__(f"the link redirects to a {scheme}: link; only http and https are followed")


class AnswerTooSlow(TimeoutError):
    """The status line and headers did not arrive within the deadline (each read may still
    have been within the per-read timeout: a server can send a byte just before each)."""


def open_link(request: urllib.request.Request, timeout_s: float, answer_s: float):
    """``urlopen`` with each read bounded by ``timeout_s`` and every connection's answer (status
    line and headers, redirects included) by ``answer_s``; raises RedirectRefused or AnswerTooSlow."""
    watch = _Watch(answer_s)
    try:
        return _opener(watch).open(request, timeout=timeout_s)
    except (OSError, http.client.HTTPException) as exc:
        if watch.fired and not isinstance(exc, urllib.error.HTTPError):
            raise AnswerTooSlow(f"no answer within {answer_s:g} s") from exc
        raise


class _Watch:
    """Cuts a connection whose answer is late: shutting its socket ends the blocked read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self.timer: threading.Timer | None = None

    def arm(self, sock: socket.socket) -> None:
        self.disarm()
        self.timer = threading.Timer(self.seconds, self._cut, (sock,))
        self.timer.daemon = True
        self.timer.start()

    def disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()

    def _cut(self, sock: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):  # already closed: nothing waits on it
            sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """Arms the watch once connected (TCP, and TLS for https), disarms it once answered."""

    def __init__(self, *args, watch: _Watch, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.watch = watch

    def connect(self) -> None:
        super().connect()
        self.watch.arm(self.sock)

    def getresponse(self):
        try:
            response = super().getresponse()
        finally:
            self.watch.disarm()
        if self.watch.fired:  # cut mid-headers, http.client may take what came for the whole answer
            response.close()
            raise AnswerTooSlow(f"no answer within {self.watch.seconds:g} s")
        return response


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    pass


class _HttpHandler(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def http_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTP, watch=self.watch), req)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def https_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTPS, watch=self.watch), req, context=self._context)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to http or https: urllib would follow one to ftp: too (and
    answer one to file: with an HTTPError, retried as if the server were busy)."""

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri")
        if target is not None:
            scheme = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, target)).scheme.lower()
            if scheme not in ("http", "https"):
                fp.close()
                raise RedirectRefused(scheme)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(watch: _Watch) -> urllib.request.OpenerDirector:
    # One opener per download: the watch is that download's (openers are cheap to build).
    return urllib.request.build_opener(_HttpHandler(watch), _HttpsHandler(watch), _HttpOnlyRedirects)
