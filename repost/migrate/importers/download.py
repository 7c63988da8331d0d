"""Fetching media behind signed links: timeouts, retries with backoff, resumable, typed by its bytes."""

from __future__ import annotations

import dataclasses
import errno
import http.client
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import repost
from repost.errors import ExitStatus, RepostError
from repost.inputs import MEDIA_MAX
from repost.media.probe import IMAGE_BRANDS
from repost.migrate.importers.common import ImportedPost
from repost.migrate.importers.links import AnswerTooSlow, RedirectRefused, open_link
from repost.post.model import Post

EXPIRED_STATUSES = frozenset({403, 404, 410})  # what a signed link answers once it has expired
EXPIRED = "link expired: request a new export, or download with yt-dlp"
PART = ".part"
CHUNK = 1 << 16

MAX_DOWNLOAD_BYTES = MEDIA_MAX  # the most a media file may hold (repost/inputs.py says why)
# An overall deadline besides the per-read timeout: a server that sends a byte just before each
# read times out would otherwise hold a download for ever. Its answer (status and headers) must
# come within GRACE_READS timeouts, and its body keep at least MIN_RATE_BPS on average after that:
# 8 KiB/s is a poor mobile link's rate (a 4 GB video would get four days), while a server dripping
# a byte a second is cut after GRACE_READS x --timeout (10 s with --timeout 5).
GRACE_READS = 2
MIN_RATE_BPS = 8 << 10
_RESUME = "run migrate again to resume; if it keeps failing, download with yt-dlp"
_DISK_FULL = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_CONTENT_RANGE_RE = re.compile(r"bytes\s+(\d+)-")


class DownloadError(RepostError):
    """A post's media could not be fetched; that post fails, the batch goes on."""

    exit_status = ExitStatus.FAILED


class DownloadStopped(DownloadError):
    """The run is being interrupted: a download in progress gives up at once (its .part stays)."""


def sniff_extension(head: bytes) -> str | None:
    """The file type from its first bytes (signed links carry no extension, often no honest type)."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in IMAGE_BRANDS:
            return "heic"
        if brand in (b"M4A ", b"M4B "):
            return "m4a"
        return "mov" if brand == b"qt  " else "mp4"
    signatures = (
        (b"\xff\xd8\xff", "jpg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"GIF8", "gif"),
        (b"\x1aE\xdf\xa3", "webm"),
        (b"ID3", "mp3"),
    )
    for magic, ext in signatures:
        if head.startswith(magic):
            return ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class Downloader:
    """Downloads into ``folder`` (DIR/.repost/downloads); a finished file is never fetched again.
    Setting ``stop`` (an interrupted run) ends every download in progress at its next block."""

    folder: Path
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    max_bytes: int = MAX_DOWNLOAD_BYTES
    stop: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)
    # The finished downloads of each folder by name without the extension, listed once per run:
    # a glob per post would list the whole folder each time (quadratic over a long backlog).
    _found: dict = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def local(self, stem: Path, earlier: str | None = None) -> Path | None:
        """The finished download for ``stem`` (any extension), if there is one; else the one an
        earlier version saved under the name ``earlier`` beside it (links expire: a file
        already here must never be asked for again)."""
        with self._lock:
            found = self._found.get(stem.parent)
            if found is None:
                found = self._found[stem.parent] = _finished(stem.parent)
            path = found.get(stem.name) or (found.get(earlier) if earlier else None)
        return path if path is not None and path.is_file() else None

    def fetch(self, url: str, stem: Path, earlier: str | None = None) -> Path:
        """``url`` into ``stem.<type>``; a partial ``.part`` file left by a killed run is resumed."""
        done = self.local(stem, earlier)
        if done is not None:
            return done
        _check_link(url)
        stem.parent.mkdir(parents=True, exist_ok=True)
        part = stem.with_name(stem.name + PART)
        for attempt in range(self.retries + 1):
            try:
                if self._fetch_kept(url, part):
                    return self._finish(part, stem, url)
                problem = "the connection closed before the end"
            except urllib.error.HTTPError as exc:
                if exc.code in EXPIRED_STATUSES:
                    raise DownloadError(EXPIRED, f"HTTP {exc.code} {_short(url)}") from exc
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                problem = _reason(exc)
            if attempt < self.retries and self.stop.wait(self.backoff_s * 2**attempt):  # 1, 2, 4... x base
                break
        if self.stop.is_set():
            raise DownloadStopped("download stopped: the run was interrupted", _short(url))
        raise DownloadError(
            f"download failed after {self.retries + 1} tries: {problem}",
            _short(url),
            hint=_RESUME,
        )

    def _fetch_kept(self, url: str, part: Path) -> bool:
        """One request; a disk found full removes the ``.part`` (its space is what a later run,
        and the state database, need) and fails this post alone."""
        try:
            return self._fetch_once(url, part)
        except OSError as exc:
            if exc.errno not in _DISK_FULL:
                raise
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"the disk is full: {exc.strerror}",
                part.parent,
                hint="free some disk space (or choose another --out), then run migrate again",
            ) from exc

    def _fetch_once(self, url: str, part: Path) -> bool:
        """One request, resuming from ``part``'s size; True when the body arrived whole."""
        have = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": f"repost/{repost.__version__}"}
        if have:
            headers["Range"] = f"bytes={have}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            response = open_link(request, self.timeout_s, GRACE_READS * self.timeout_s)
        except RedirectRefused as exc:
            hint = "request a new export, or download with yt-dlp"
            raise DownloadError(str(exc), _short(url), hint=hint) from exc
        except AnswerTooSlow as exc:  # not retried: a server this slow would be as slow again
            raise DownloadError(f"the server answers too slowly: {exc}", _short(url), hint=_RESUME) from exc
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # nothing left past what we have: it was complete
                return True
            raise
        except ValueError as exc:  # a redirect to a link urllib cannot even send
            raise DownloadError(f"not a link that can be downloaded: {exc}", _short(url)) from exc
        with response:
            resumed = response.status == 206
            if resumed and _range_start(response.headers.get("Content-Range")) != have:
                part.unlink()  # the server sent another part than the one asked for: start over
                return False
            expected = _length(response.headers.get("Content-Length"))
            start = have if resumed else 0
            if expected is not None and start + expected > self.max_bytes:
                part.unlink(missing_ok=True)  # refused before a byte of the body is read
                raise self._too_big(url, start + expected)
            got = self._copy_body(response, part, url, start)
        return got is not None and (expected is None or got >= expected)

    def _copy_body(self, response, part: Path, url: str, start: int) -> int | None:
        """The body appended to ``part`` (from ``start``) within the size cap and the deadline;
        the bytes this request gave, None if the run was stopped. read1 returns what one socket
        read gave, so the deadline is checked however slowly the bytes come (read(n) would wait
        for all n)."""
        began = time.monotonic()
        grace = GRACE_READS * self.timeout_s
        got = 0
        with open(part, "ab" if start else "wb") as f:
            while block := response.read1(CHUNK):
                if self.stop.is_set():
                    return None
                f.write(block)
                got += len(block)
                if start + got > self.max_bytes:
                    f.close()
                    part.unlink()  # over the cap: nothing worth resuming
                    raise self._too_big(url, None)
                if time.monotonic() - began > grace + got / MIN_RATE_BPS:
                    raise DownloadError(
                        f"the server sends too slowly ({got:,} bytes in {time.monotonic() - began:.0f} s; "
                        f"at least {MIN_RATE_BPS // 1024} KiB/s are needed after {grace:g} s)",
                        _short(url),
                        hint=_RESUME,
                    )
            f.flush()
            os.fsync(f.fileno())
        return got

    def _too_big(self, url: str, size: int | None) -> DownloadError:
        said = f"{size:,} bytes" if size is not None else "more"
        return DownloadError(
            f"the link sends {said}, over the {self.max_bytes:,}-byte download limit",
            _short(url),
            hint="not a post's media (an endless or wrong link?): request a new export, "
            "or download with yt-dlp",
        )

    def _finish(self, part: Path, stem: Path, url: str) -> Path:
        with open(part, "rb") as f:
            ext = sniff_extension(f.read(32))
        if ext is None:
            part.unlink()
            raise DownloadError(
                "the link gave no photo or video (a web page?)",
                _short(url),
                hint="request a new export, or download with yt-dlp",
            )
        final = stem.with_name(f"{stem.name}.{ext}")
        os.replace(part, final)  # atomic: a finished download is whole or absent
        with self._lock:
            if stem.parent in self._found:
                self._found[stem.parent][stem.name] = final
        return final


def _finished(folder: Path) -> dict[str, Path]:
    """{name without its extension: path} of the finished downloads in ``folder``."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if not e.name.endswith(PART)]
    except OSError:
        return {}
    return {name.rsplit(".", 1)[0]: folder / name for name in names if "." in name}


def local_media(item: ImportedPost, downloader: Downloader) -> Post | None:
    """The post with its linked media pointing at finished downloads, or None if some are missing."""
    if not item.links:
        return item.post
    found = [downloader.local(m.path, name) for m, name in zip(item.post.media, _earlier_names(item))]
    return None if None in found else _with_files(item.post, found)


def fetch_media(item: ImportedPost, downloader: Downloader) -> Post:
    """The post with every linked media item downloaded (network only for the missing ones)."""
    if not item.links:
        return item.post
    media, earlier = item.post.media, _earlier_names(item)
    files = [downloader.fetch(url, m.path, name) for url, m, name in zip(item.links, media, earlier)]
    return _with_files(item.post, files)


def _earlier_names(item: ImportedPost) -> list[str | None]:
    """Per media item, the name an earlier version downloaded it under."""
    names = list(item.earlier)
    return names + [None] * (len(item.post.media) - len(names))


def _with_files(post: Post, files: list[Path]) -> Post:
    media = tuple(dataclasses.replace(m, path=f) for m, f in zip(post.media, files))
    # The signed links expire and carry tokens: they never were in the source the manifest keeps.
    return dataclasses.replace(post, media=media, source={**post.source, "downloaded": True})


def _check_link(url: str) -> None:
    """Only http(s) links with a host are fetched (never file: or ftp: from an export's text)."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
        url.encode("ascii")
    except (ValueError, UnicodeError):
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DownloadError(
            "not a link that can be downloaded",
            _short(url),
            hint="request a new export, or download with yt-dlp",
        )


def _range_start(header: str | None) -> int | None:
    m = _CONTENT_RANGE_RE.match(header or "")
    return int(m[1]) if m else None


def _length(header: str | None) -> int | None:
    try:
        return int(header) if header is not None else None
    except ValueError:
        return None


def _short(url: str) -> str:
    return url.split("?", 1)[0]


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return str(reason) or type(reason).__name__
