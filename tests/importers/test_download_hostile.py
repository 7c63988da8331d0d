"""download against hostile servers: endless, dripping, oversized, redirecting off the web, disk full."""

import errno
import time

import pytest

from repost.migrate.importers.download import GRACE_READS, Downloader, DownloadError

JPEG = b"\xff\xd8\xff\xe0" + bytes(60)


def _headers(h, status=200, **headers):
    h.send_response(status)
    for k, v in headers.items():
        h.send_header(k.replace("_", "-"), v)
    h.end_headers()


def _endless(h):
    """A body with no length that never ends (until the client leaves)."""
    _headers(h)
    h.close_connection = True
    try:
        h.wfile.write(JPEG)
        while True:
            h.wfile.write(bytes(1 << 16))
    except OSError:
        pass


def _drip(h):
    """One byte a second, for ever: each read gets a byte before its timeout."""
    _headers(h, Content_Length="100000000")
    try:
        for i in range(600):
            h.wfile.write(JPEG[i : i + 1] or b"0")
            h.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


@pytest.mark.timeout(30)
def test_an_endless_body_stops_at_the_cap_and_leaves_no_part(link_server, tmp_path):
    link_server.routes["/v/endless"] = ("custom", _endless)
    downloader = Downloader(tmp_path / "dl", timeout_s=2, retries=2, backoff_s=0.01, max_bytes=5_000_000)
    with pytest.raises(DownloadError, match=r"over the 5,000,000-byte download limit") as info:
        downloader.fetch(link_server.url("/v/endless"), downloader.folder / "p-01")
    assert "?" not in info.value.where
    assert len(link_server.hits) == 1  # not retried: a bigger answer will not come next time
    assert list(downloader.folder.iterdir()) == []


@pytest.mark.timeout(30)
def test_a_content_length_over_the_cap_is_refused_before_the_body(link_server, tmp_path):
    sent = []

    def huge(h):
        _headers(h, Content_Length=str(50_000_000_000))
        try:
            h.wfile.write(JPEG)
            sent.append(True)
            time.sleep(5)  # a client that read on would wait here
        except OSError:
            pass

    link_server.routes["/v/huge"] = ("custom", huge)
    downloader = Downloader(tmp_path / "dl", timeout_s=2, retries=2, backoff_s=0.01)
    began = time.monotonic()
    with pytest.raises(DownloadError, match=r"sends 50,000,000,000 bytes, over the 20,000,000,000-byte"):
        downloader.fetch(link_server.url("/v/huge"), downloader.folder / "p-01")
    assert time.monotonic() - began < 2
    assert len(link_server.hits) == 1 and not list(downloader.folder.iterdir())


@pytest.mark.timeout(40)
def test_a_server_dripping_a_byte_a_second_is_cut_at_the_deadline(link_server, tmp_path):
    link_server.routes["/v/drip"] = ("custom", _drip)
    timeout = 2.0
    downloader = Downloader(tmp_path / "dl", timeout_s=timeout, retries=3, backoff_s=0.01)
    began = time.monotonic()
    with pytest.raises(DownloadError, match="sends too slowly") as info:
        downloader.fetch(link_server.url("/v/drip"), downloader.folder / "p-01")
    took = time.monotonic() - began
    # Cut after GRACE_READS timeouts (plus a read), never retried: a drip would repeat.
    assert GRACE_READS * timeout <= took < GRACE_READS * timeout + 3
    assert len(link_server.hits) == 1 and info.value.hint and "resume" in info.value.hint
    # What arrived is kept for the next run to resume.
    assert 0 < (downloader.folder / "p-01.part").stat().st_size < 20


@pytest.mark.timeout(30)
@pytest.mark.parametrize("target", ["ftp://127.0.0.1/x.mp4", "file:///etc/passwd", "data:,hello"])
def test_a_redirect_off_http_is_refused_and_not_retried(link_server, tmp_path, target):
    link_server.routes["/v/away"] = (
        "custom",
        lambda h: _headers(h, 302, Location=target, Content_Length="0"),
    )
    downloader = Downloader(tmp_path / "dl", timeout_s=2, retries=3, backoff_s=0.01)
    scheme = target.split(":", 1)[0]
    with pytest.raises(DownloadError, match=f"redirects to a {scheme}: link; only http and https"):
        downloader.fetch(link_server.url("/v/away"), downloader.folder / "p-01")
    assert len(link_server.hits) == 1
    assert not [p for p in downloader.folder.iterdir() if p.stat().st_size]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG])
def test_a_full_disk_fails_the_download_alone_and_removes_the_part(link_server, tmp_path, monkeypatch, code):
    import builtins

    link_server.routes["/v/1"] = ("file", JPEG * 2000)
    real_open = builtins.open

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, block):
            self.f.write(block[:10])
            raise OSError(code, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    def full_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        return Full(f) if str(file).endswith(".part") and "b" in mode and "r" not in mode else f

    downloader = Downloader(tmp_path / "dl", timeout_s=2, retries=3, backoff_s=0.01)
    monkeypatch.setattr(builtins, "open", full_open)
    with pytest.raises(DownloadError, match="the disk is full") as info:
        downloader.fetch(link_server.url("/v/1"), downloader.folder / "p-01")
    monkeypatch.setattr(builtins, "open", real_open)
    assert "free some disk space" in info.value.hint
    assert len(link_server.hits) == 1 and list(downloader.folder.iterdir()) == []
    # the next run, with room again, is not stuck
    assert downloader.fetch(link_server.url("/v/1"), downloader.folder / "p-01").read_bytes() == JPEG * 2000


def _fsize_limited(limit: int):
    def limit_files():  # in the child: files over ``limit`` fail with EFBIG, as a full disk would
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


@pytest.mark.timeout(180)
def test_a_full_disk_mid_download_fails_that_post_alone_and_the_next_run_goes_on(
    link_server, tmp_path, clip_fits_all, tiktok_video, write_tiktok_export
):
    import json
    import subprocess
    import sys

    link_server.routes["/v/endless"] = ("custom", _endless)
    link_server.routes["/v/good"] = ("file", clip_fits_all.read_bytes())
    videos = [
        tiktok_video("2024-01-01 12:00:00", link_server.url("/v/endless"), "Endless"),
        tiktok_video("2024-01-02 12:00:00", link_server.url("/v/good"), "Good"),
    ]
    source = write_tiktok_export(tmp_path / "TikTok_Data", videos).parent
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "repost", "migrate", source, "--to", "reels", "--out", out, "--json"]
    cmd = [str(c) for c in cmd]
    limit = 20 * clip_fits_all.stat().st_size + (4 << 20)
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120, preexec_fn=_fsize_limited(limit))
    assert first.returncode == 1, first.stderr
    report = json.loads(first.stdout)
    assert report["done"] == 1 and "internal error" not in first.stdout + first.stderr
    [failed] = report["failed"]
    assert failed["error"].startswith("the disk is full: File too large")
    assert not list((out / ".repost" / "downloads").glob("*.part"))
    link_server.routes["/v/endless"] = ("file", clip_fits_all.read_bytes())  # room again, a sane server
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["done"] == 1


@pytest.mark.timeout(40)
def test_a_server_dripping_its_headers_is_cut_at_the_deadline(link_server, tmp_path):
    def drip_headers(h):
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(600):
                h.wfile.write(b"X")  # one header line that never ends, a byte a second
                h.wfile.flush()
                time.sleep(1)
        except OSError:
            pass

    link_server.routes["/v/slow-head"] = ("custom", drip_headers)
    timeout = 2.0
    downloader = Downloader(tmp_path / "dl", timeout_s=timeout, retries=3, backoff_s=0.01)
    began = time.monotonic()
    with pytest.raises(DownloadError, match="answers too slowly: no answer within 4 s"):
        downloader.fetch(link_server.url("/v/slow-head"), downloader.folder / "p-01")
    assert GRACE_READS * timeout <= time.monotonic() - began < GRACE_READS * timeout + 3
    assert len(link_server.hits) == 1


def test_the_download_cap_stays_well_above_what_the_exporting_platforms_take():
    # Links come from TikTok and Instagram exports: the cap must be far above their largest video
    # (profiles are data; if one grows, this says the cap must follow).
    from repost.migrate.importers.download import MAX_DOWNLOAD_BYTES
    from repost.platforms.profiles import load_profiles

    profiles = load_profiles()
    figures = [profiles[p].video.max_bytes for p in ("tiktok", "reels")]
    for p in ("tiktok", "reels"):  # a figure that differs by upload path, e.g. TikTok's app and API
        figures += [f.value for f in profiles[p].by_path.get("video.max_bytes", {}).values()]
    largest = max(figures)
    assert largest >= 10_000_000_000  # TikTok's 10 GB by hand, as profiles/tiktok.yaml says today
    assert 2 * largest <= MAX_DOWNLOAD_BYTES
