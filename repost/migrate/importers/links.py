"""Opening a download link: redirects only to http(s), and a deadline for the server's answer."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request

from repost.netwatch import SocketWatch, watched_opener


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
    watch = SocketWatch(answer_s)  # each connection's answer, redirects included
    try:
        return _opener(watch).open(request, timeout=timeout_s)
    except (OSError, http.client.HTTPException) as exc:
        if watch.fired and not isinstance(exc, urllib.error.HTTPError):
            raise AnswerTooSlow(f"no answer within {answer_s:g} s") from exc
        raise


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


def _opener(watch: SocketWatch) -> urllib.request.OpenerDirector:
    return watched_opener(watch, _HttpOnlyRedirects)
