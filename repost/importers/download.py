"""Fetching media behind signed links: timeouts, retries with backoff, resumable, typed by its bytes."""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import repost
from repost.errors import ExitStatus, RepostError
from repost.importers.common import source_note
from repost.media.probe import IMAGE_BRANDS
from repost.model import Post

EXPIRED_STATUSES = frozenset({403, 404, 410})  # what a signed link answers once it has expired
EXPIRED = "link expired: request a new export, or download with yt-dlp"
PART = ".part"
CHUNK = 1 << 16
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
                if self._fetch_once(url, part):
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
            hint="run migrate again to resume; if it keeps failing, download with yt-dlp",
        )

    def _fetch_once(self, url: str, part: Path) -> bool:
        """One request, resuming from ``part``'s size; True when the body arrived whole."""
        have = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": f"repost/{repost.__version__}"}
        if have:
            headers["Range"] = f"bytes={have}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout_s)
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
            got = 0
            with open(part, "ab" if resumed else "wb") as f:
                while block := response.read(CHUNK):
                    if self.stop.is_set():
                        return False
                    f.write(block)
                    got += len(block)
                f.flush()
                os.fsync(f.fileno())
        return expected is None or got >= expected

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


def local_media(post: Post, downloader: Downloader) -> Post | None:
    """The post with its linked media pointing at finished downloads, or None if some are missing."""
    if not source_note(post, "links"):
        return post
    found = [downloader.local(item.path, name) for item, name in zip(post.media, _earlier_names(post))]
    return None if None in found else _with_files(post, found)


def fetch_media(post: Post, downloader: Downloader) -> Post:
    """The post with every linked media item downloaded (network only for the missing ones)."""
    links = source_note(post, "links")
    if not links:
        return post
    earlier = _earlier_names(post)
    files = [downloader.fetch(url, item.path, name) for url, item, name in zip(links, post.media, earlier)]
    return _with_files(post, files)


def _earlier_names(post: Post) -> list[str | None]:
    """Per media item, the name an earlier version downloaded it under (source note "earlier")."""
    names = list(source_note(post, "earlier", ()))
    return names + [None] * (len(post.media) - len(names))


def _with_files(post: Post, files: list[Path]) -> Post:
    media = tuple(dataclasses.replace(item, path=f) for item, f in zip(post.media, files))
    # The signed links expire and carry tokens: they stay out of the manifest.
    source = {k: v for k, v in post.source.items() if k not in ("links", "earlier")}
    return dataclasses.replace(post, media=media, source={**source, "downloaded": True})


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
