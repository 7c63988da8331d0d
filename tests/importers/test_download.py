"""download: signed links fetched with timeouts, retries, Range resume, and typed by their bytes."""

import pytest

from repost.migrate.importers.download import EXPIRED, Downloader, DownloadError, sniff_extension


@pytest.fixture
def downloader(tmp_path):
    return Downloader(tmp_path / "downloads", timeout_s=0.5, retries=1, backoff_s=0.01)


def test_good_link_is_saved_with_the_type_its_bytes_show(link_server, downloader, clip_fits_all):
    data = clip_fits_all.read_bytes()
    link_server.routes["/v/1"] = ("file", data)
    got = downloader.fetch(link_server.url("/v/1"), downloader.folder / "tiktok-1-01")
    assert got.name == "tiktok-1-01.mp4" and got.read_bytes() == data
    # a finished download is found again without the network
    assert downloader.fetch(link_server.url("/v/1"), downloader.folder / "tiktok-1-01") == got
    assert len(link_server.hits) == 1
    assert not list(downloader.folder.glob("*.part"))


@pytest.mark.parametrize("code", [403, 404, 410])
def test_expired_link_is_named_and_not_retried(link_server, downloader, code):
    link_server.routes["/v/old"] = ("status", code)
    with pytest.raises(DownloadError) as info:
        downloader.fetch(link_server.url("/v/old"), downloader.folder / "p-01")
    assert info.value.what == EXPIRED
    assert f"HTTP {code}" in info.value.where and "signature" not in info.value.where
    assert len(link_server.hits) == 1
    assert not list(downloader.folder.iterdir())


def test_slow_link_times_out_after_retries(link_server, downloader):
    link_server.routes["/v/slow"] = ("slow", 1.5, b"\xff\xd8\xff" + b"0" * 100)
    with pytest.raises(DownloadError) as info:
        downloader.fetch(link_server.url("/v/slow"), downloader.folder / "p-01")
    assert "after 2 tries: timed out" in info.value.what
    assert info.value.hint and "resume" in info.value.hint
    assert len(link_server.hits) == 2


def test_server_errors_are_retried_then_reported(link_server, downloader):
    link_server.routes["/v/busy"] = ("status", 503)
    with pytest.raises(DownloadError, match="after 2 tries: HTTP 503"):
        downloader.fetch(link_server.url("/v/busy"), downloader.folder / "p-01")
    assert len(link_server.hits) == 2


def test_redirect_is_followed(link_server, downloader, image_jpeg_34):
    link_server.routes["/short"] = ("redirect", "/img/1")
    link_server.routes["/img/1"] = ("file", image_jpeg_34.read_bytes())
    got = downloader.fetch(link_server.url("/short"), downloader.folder / "p-01")
    assert got.suffix == ".jpg" and got.read_bytes() == image_jpeg_34.read_bytes()
    assert [p for p, _ in link_server.hits] == ["/short", "/img/1"]


def test_cut_transfer_resumes_with_range(link_server, downloader, clip_fits_all):
    data = clip_fits_all.read_bytes()
    link_server.routes["/v/cut"] = ("cut", data)
    got = downloader.fetch(link_server.url("/v/cut"), downloader.folder / "p-01")
    assert got.read_bytes() == data
    assert link_server.hits == [("/v/cut", None), ("/v/cut", f"bytes={len(data) // 2}-")]


def test_part_file_left_by_a_killed_run_is_resumed(link_server, downloader, clip_fits_all):
    data = clip_fits_all.read_bytes()
    link_server.routes["/v/1"] = ("file", data)
    downloader.folder.mkdir(parents=True)
    (downloader.folder / "p-01.part").write_bytes(data[:1000])
    got = downloader.fetch(link_server.url("/v/1"), downloader.folder / "p-01")
    assert got.read_bytes() == data and link_server.hits == [("/v/1", "bytes=1000-")]


def test_a_web_page_instead_of_media_is_refused(link_server, downloader):
    link_server.routes["/v/page"] = ("html",)
    with pytest.raises(DownloadError, match="no photo or video"):
        downloader.fetch(link_server.url("/v/page"), downloader.folder / "p-01")
    assert not list(downloader.folder.iterdir())


def test_a_resume_answered_from_another_place_starts_over(link_server, downloader, clip_fits_all):
    data = clip_fits_all.read_bytes()
    link_server.routes["/v/1"] = ("wrong-range", data)
    downloader.folder.mkdir(parents=True)
    (downloader.folder / "p-01.part").write_bytes(data[:1000])
    got = downloader.fetch(link_server.url("/v/1"), downloader.folder / "p-01")
    assert got.read_bytes() == data  # not the first 1,000 bytes twice
    assert link_server.hits == [("/v/1", "bytes=1000-"), ("/v/1", None)]


@pytest.mark.parametrize(
    "link", ["https://[bad/x.mp4", "https://cdn.example/é.mp4", "file:///etc/passwd", "https://host:port/x"]
)
def test_a_link_that_cannot_be_fetched_is_named_and_nothing_is_sent(downloader, link):
    with pytest.raises(DownloadError, match="not a link that can be downloaded") as info:
        downloader.fetch(link, downloader.folder / "p-01")
    assert "?" not in info.value.where and not downloader.folder.exists()


def test_a_stop_ends_a_download_in_progress_and_keeps_what_arrived(link_server, tmp_path):
    import threading

    from repost.migrate.importers.download import DownloadStopped

    data = b"\xff\xd8\xff" + bytes(40 * (1 << 16))  # 40 blocks, one every 0.1 s: 4 s in all
    link_server.routes["/v/drip"] = ("drip", data, 0.1)
    downloader = Downloader(tmp_path / "downloads", timeout_s=5, retries=5, backoff_s=30)
    threading.Timer(0.5, downloader.stop.set).start()
    with pytest.raises(DownloadStopped, match="interrupted"):
        downloader.fetch(link_server.url("/v/drip"), downloader.folder / "p-01")
    assert len(link_server.hits) == 1  # stopped in the middle: no retry, no 30 s backoff
    kept = (downloader.folder / "p-01.part").stat().st_size
    assert 0 < kept < len(data)  # what arrived is kept, for the next run to resume


def test_a_stop_skips_the_backoff_between_tries(link_server, tmp_path):
    import threading

    from repost.migrate.importers.download import DownloadStopped

    link_server.routes["/v/busy"] = ("status", 503)
    downloader = Downloader(tmp_path / "downloads", timeout_s=1, retries=5, backoff_s=30)
    threading.Timer(0.3, downloader.stop.set).start()
    with pytest.raises(DownloadStopped):
        downloader.fetch(link_server.url("/v/busy"), downloader.folder / "p-01")
    assert len(link_server.hits) == 1


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00", "mp4"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "heic"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00", "avif"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00", "png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x1aE\xdf\xa3\x01\x00", "webm"),
        (b"ID3\x04\x00", "mp3"),
        (b"<!doctype html>", None),
    ],
)
def test_sniff_extension(head, ext):
    assert sniff_extension(head) == ext
