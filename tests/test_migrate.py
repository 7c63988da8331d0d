"""migrate: whole backlogs to RedNote and Reels; resumable, parallel, paced, one bad post failing alone."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repost.migrate.importers.download import EXPIRED

TO = "rednote,reels"
DAY = 86400


@pytest.fixture
def ytdlp_source(tmp_path, clip_fits_all, write_ytdlp_entry):
    folder = tmp_path / "yt"
    for i in range(3):
        write_ytdlp_entry(folder, f"730000000000000000{i}", clip_fits_all, title=f"Dusk cats {i}",
                          description=f"Cats {i} at dusk 🐱 #cats",
                          timestamp=1700000000 - i * DAY)  # fmt: skip
    return folder


def bundles_under(out: Path) -> list[str]:
    return sorted(str(m.parent.relative_to(out)) for m in out.glob("*/*/manifest.json"))


def report(out: Path) -> dict:
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {(b["post"], b["platform"]): b for b in doc["bundles"]}


def test_ytdlp_folder_migrates_in_parallel_and_a_rerun_redoes_nothing(
    run, ytdlp_source, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    result = run("migrate", ytdlp_source, "--to", TO, "--out", out, "-j", "2", "--json")
    assert result.code == 0, result.out + result.err
    doc = result.json()
    assert (doc["kind"], doc["posts"], doc["done"], doc["up_to_date"], doc["failed"]) == (
        "yt-dlp",
        3,
        6,
        0,
        [],
    )
    assert len(bundles_under(out)) == 6
    # folders a person knows: date, title, the id's tail
    first = out / "2023-11-14-dusk-cats-0-0000000"
    caption = (first / "rednote" / "caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("Cats 0 at dusk 🐱 #cats")
    assert (first / "rednote" / "title.txt").read_text(encoding="utf-8") == "Dusk cats 0\n"
    # the yt-dlp thumbnail is not there, so the cover comes from the video
    assert (first / "reels" / "cover.jpg").is_file()
    check = run("validate", out, "--json")
    assert check.code == 0 and len(check.json()["bundles"]) == 6
    assert {b["result"] for b in report(out).values()} == {"made"}
    md = (out / "report.md").read_text(encoding="utf-8")
    # the post named by its folder, its source id in the last column
    name = "2023-11-12-dusk-cats-2-0000002"
    row = f"| 2023-11-12 | Dusk cats 2 | {name} | reels | made | {name}/reels |"
    assert "## Every bundle in out" in md and "3 posts → 6 bundles: 6 ready" in md
    [line] = [line for line in md.splitlines() if line.startswith(row)]
    assert "copied H264/AAC" in line and line.endswith(" | 7300000000000000002 |")

    # Nothing to do: no media probed, no bundle touched.
    def no_probe(path):
        raise AssertionError(f"probed {path} for an up-to-date post")

    monkeypatch.setattr("repost.bundle.make.probe_media", no_probe)
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/*/manifest.json")}
    again = run("migrate", ytdlp_source, "--to", TO, "--out", out, "-j", "2", "--json")
    assert again.code == 0, again.err
    assert (again.json()["done"], again.json()["up_to_date"]) == (0, 6)
    assert before == {p: p.stat().st_mtime_ns for p in out.glob("*/*/manifest.json")}
    assert {b["result"] for b in report(out).values()} == {"up_to_date"}


def test_tiktok_export_downloads_names_expired_links_and_skips_private(
    run, link_server, tmp_path, clip_fits_all, image_jpeg_34, tiktok_video, write_tiktok_export
):
    link_server.routes["/v/good"] = ("file", clip_fits_all.read_bytes())
    link_server.routes["/v/private"] = ("file", clip_fits_all.read_bytes())
    link_server.routes["/i/1"] = ("file", image_jpeg_34.read_bytes())
    link_server.routes["/i/2"] = ("redirect", "/i/1")
    link_server.routes["/v/expired"] = ("status", 410)
    videos = [
        tiktok_video("2024-03-02 18:04:11", link_server.url("/v/good"), "Sunset cats 🐱 #cats"),
        tiktok_video("2024-03-01 10:00:00", link_server.url("/v/expired"), "Gone"),
        tiktok_video("2024-02-01 09:00:00", link_server.url("/v/private"), "Just me", who="Only You"),
        tiktok_video(
            "2024-01-01 08:00:00", link_server.url("/i/1") + "\n" + link_server.url("/i/2"), "Two photos"
        ),
    ]
    source = write_tiktok_export(tmp_path / "TikTok_Data", videos).parent
    out = tmp_path / "out"
    result = run("migrate", source, "--to", TO, "--out", out, "-j", "2", "--json", "--retries", "0")
    assert result.code == 1, result.err
    doc = result.json()
    failed = {(f["post"], f["platform"]): f["error"] for f in doc["failed"]}
    assert set(failed) == {("tiktok-20240301-100000", "rednote"), ("tiktok-20240301-100000", "reels")}
    assert failed["tiktok-20240301-100000", "reels"].startswith(EXPIRED + " [HTTP 410 ")
    assert [s["post"] for s in doc["skipped"]] == ["tiktok-20240201-090000"]
    assert bundles_under(out) == [
        "2024-01-01-two-photos-080000/rednote",
        "2024-01-01-two-photos-080000/reels",  # the photo post as a slideshow: Reels takes video only
        "2024-03-02-sunset-cats-180411/rednote",
        "2024-03-02-sunset-cats-180411/reels",
    ]
    photos = json.loads((out / "2024-01-01-two-photos-080000/rednote/manifest.json").read_bytes())
    assert [f["path"] for f in photos["files"] if f["role"] == "image"] == ["01.jpg", "02.jpg"]
    assert "links" not in photos["post"]["source"] and photos["post"]["source"]["importer"] == "tiktok"
    caption = (out / "2024-03-02-sunset-cats-180411/reels/caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("Sunset cats 🐱 #cats")
    downloads = sorted(
        re.sub("-[0-9a-f]{10}[.]", ".", p.name) for p in (out / ".repost" / "downloads").iterdir()
    )
    assert downloads == ["tiktok-20240101-080000-01.jpg", "tiktok-20240101-080000-02.jpg",
                         "tiktok-20240302-180411-01.mp4"]  # fmt: skip

    # A dry run downloads nothing and says what it would fetch.
    hits = len(link_server.hits)
    dry = run("migrate", source, "--to", TO, "--out", out, "--dry-run", "--json", "--include-private")
    assert len(link_server.hits) == hits and dry.json()["up_to_date"] == 4 and dry.json()["planned"] == 4
    assert not (out / "2024-02-01-just-me-090000").exists()
    text = run("migrate", source, "--to", TO, "--out", out, "--dry-run", "--include-private")
    assert "plan: 2024-02-01-just-me-090000: would download 1 file(s) first" in text.out

    # A re-run downloads nothing that is already here; --include-private takes the private post.
    hits = len(link_server.hits)
    again = run("migrate", source, "--to", TO, "--out", out, "--json", "--include-private", "--retries", "0")
    assert again.code == 1
    assert [p for p, _ in link_server.hits[hits:]] == ["/v/expired", "/v/private"]
    assert again.json()["done"] == 2 and again.json()["up_to_date"] == 4


def test_instagram_export_keeps_emoji_and_reads_extensionless_video(
    run, tmp_path, clip_fits_all, image_jpeg_34, ig_media, write_instagram_export
):
    posts = [{"media": [ig_media("media/posts/202405/111_n.jpg", 1715566876, "Café cats 🐱 #cats")]}]
    reels = [{"media": [ig_media("media/reels/202401/FQIoAkMz_1790", 1704232088, "Reel 🇨🇴")]}]
    files = {"media/posts/202405/111_n.jpg": image_jpeg_34, "media/reels/202401/FQIoAkMz_1790": clip_fits_all}
    root = write_instagram_export(tmp_path / "instagram", "2024", posts, reels, files)
    # as in a real export: the UTF-8 bytes of 🐱 written as four latin-1 escapes
    raw = (root / "your_instagram_activity/content/posts_1.json").read_text(encoding="utf-8")
    assert "\\u00f0\\u009f\\u0090\\u00b1" in raw and "🐱" not in raw
    out = tmp_path / "out"
    result = run("migrate", root, "--to", TO, "--out", out, "-j", "2", "--json")
    doc = result.json()
    assert result.code == 0 and doc["failed"] == []
    # a photo post becomes a slideshow for Reels, which takes video only
    assert (out / "2024-05-13-café-cats-022116/reels/01.mp4").is_file()
    caption = (out / "2024-05-13-café-cats-022116/rednote/caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("Café cats 🐱 #cats")
    reel = (out / "2024-01-02-reel-214808/reels/caption.txt").read_text(encoding="utf-8")
    assert reel.startswith("Reel 🇨🇴")
    assert run("validate", out).code == 0


def make_backlog(write_post, clip, n, start=0):
    for i in range(start, start + n):
        text = f"caption: Post {i} 🐱\ncreated: 2024-01-{i + 1:02d}T12:00:00Z\nmedia: [clip.mp4]\n"
        write_post(text, media={"clip.mp4": clip}, folder=f"backlog/p{i}")


def test_one_misfit_post_fails_alone(run, write_post, clip_fits_all, image_jpeg_34, tmp_path):
    make_backlog(write_post, clip_fits_all, 2)
    # a post mixing a video and a photo: no platform takes both in one post
    media = {"clip.mp4": clip_fits_all, "a.jpg": image_jpeg_34}
    write_post("caption: wide\nmedia: [clip.mp4, a.jpg]\n", media=media, folder="backlog/wide")
    out = tmp_path / "out"
    result = run("migrate", tmp_path / "backlog", "--to", TO, "--out", out, "--json")
    assert result.code == 1
    doc = result.json()
    assert doc["done"] == 4 and {f["post"] for f in doc["failed"]} == {"wide"}
    assert all(f["error"].startswith("the post mixes photos and video") for f in doc["failed"])
    assert bundles_under(out) == ["p0/rednote", "p0/reels", "p1/rednote", "p1/reels"]
    # a post.yaml that cannot be read fails alone too, naming the file and the problem
    write_post("media: [gone.mp4]\n", folder="backlog/broken")
    text = run("migrate", tmp_path / "backlog", "--to", TO, "--out", out)
    assert text.code == 1 and "✗ wide → reels: the post mixes photos and video" in text.out
    assert "✗ broken → rednote: media[0]: media file not found: gone.mp4 [" in text.out
    assert "4 up to date" in text.out and "\r" not in text.err  # not a terminal: no progress bar


def test_a_change_redoes_just_what_it_touches(run, write_post, clip_fits_all, tmp_path):
    make_backlog(write_post, clip_fits_all, 2)
    out, src = tmp_path / "out", tmp_path / "backlog"
    assert run("migrate", src, "--to", TO, "--out", out).code == 0
    post = src / "p1" / "post.yaml"
    post.write_text(post.read_text(encoding="utf-8").replace("Post 1", "Post one"), encoding="utf-8")
    assert run("migrate", src, "--to", TO, "--out", out).code == 0
    made = {k for k, b in report(out).items() if b["result"] == "made"}
    assert made == {("p1", "rednote"), ("p1", "reels")}
    assert "Post one" in (out / "p1/reels/caption.txt").read_text(encoding="utf-8")
    # a profile edit (a user copy of reels.yaml, version bumped) redoes Reels only
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    builtin = Path(__file__).resolve().parents[1] / "profiles" / "reels.yaml"
    text = builtin.read_text(encoding="utf-8")
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    bumped = int(version.split(":")[1]) + 1
    (profiles / "reels.yaml").write_text(text.replace(version, f"version: {bumped}"), encoding="utf-8")
    assert run("migrate", src, "--to", TO, "--out", out, "--profiles", profiles).code == 0
    made = {k for k, b in report(out).items() if b["result"] == "made"}
    assert made == {("p0", "reels"), ("p1", "reels")}
    manifest = json.loads((out / "p0/reels/manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"]["version"] == bumped
    # an option that changes what is made redoes everything it reaches
    assert run("migrate", src, "--to", "rednote", "--out", out, "--fit", "pad").code == 0
    assert {k for k, b in report(out).items() if b["result"] == "made"} == {
        ("p0", "rednote"),
        ("p1", "rednote"),
    }


def test_filters_and_dry_run(run, write_post, clip_fits_all, tmp_path):
    make_backlog(write_post, clip_fits_all, 4)
    src, out = tmp_path / "backlog", tmp_path / "out"
    dry = run("migrate", src, "--to", "reels", "--out", out, "--dry-run", "--json",
              "--since", "2024-01-02", "--until", "2024-01-04", "--limit", "2")  # fmt: skip
    assert dry.code == 0, dry.err
    assert [p["post"] for p in dry.json()["plans"]] == ["p1", "p2"] and dry.json()["planned"] == 2
    assert not out.exists()
    text = run("migrate", src, "--to", "reels", "--out", out, "--dry-run", "--only", "p3")
    assert "plan: p3 → reels" in text.out and "p0" not in text.out and not out.exists()
    only = run("migrate", src, "--to", "reels", "--out", out, "--only", "p0,p3", "--json")
    assert only.code == 0 and bundles_under(out) == ["p0/reels", "p3/reels"]


def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def test_schedule_paces_oldest_first_one_a_day_per_platform(run, write_post, clip_fits_all, tmp_path):
    make_backlog(write_post, clip_fits_all, 3)
    post = tmp_path / "backlog" / "p2" / "post.yaml"
    post.write_text("title: Cats, dogs; and \\ more\n" + post.read_text(encoding="utf-8"), encoding="utf-8")
    src, out = tmp_path / "backlog", tmp_path / "out"
    result = run("migrate", src, "--to", TO, "--out", out, "--schedule", "daily 18:00",
                 "--start", "2026-03-28", "--tz", "Europe/Berlin")  # fmt: skip
    assert result.code == 0, result.err
    rows = (out / "schedule.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "date,time,timezone,platform,post,title,bundle,part,name"
    got = [r.split(",")[:5] for r in rows[1:]]
    assert [g for g in got if g[3] == "reels"] == [
        ["2026-03-28", "18:00", "Europe/Berlin", "reels", "p0"],
        ["2026-03-29", "18:00", "Europe/Berlin", "reels", "p1"],
        ["2026-03-30", "18:00", "Europe/Berlin", "reels", "p2"],
    ]
    assert len(rows) == 7
    raw = (out / "schedule.ics").read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    lines = unfold(raw.decode("utf-8"))
    assert lines.count("BEGIN:VEVENT") == 6
    # 18:00 in Berlin: 17:00Z before the clocks change on 29 March 2026, 16:00Z after
    assert "DTSTART:20260328T170000Z" in lines and "DTSTART:20260329T160000Z" in lines
    assert "SUMMARY:Post on reels: Cats\\, dogs\\; and \\\\ more" in lines
    two = run("migrate", src, "--to", "reels", "--out", out, "--schedule", "daily 09:00,18:00",
              "--start", "2026-01-10")  # fmt: skip
    assert two.code == 0
    # The schedule paces every bundle in the folder (RedNote's from the first run too).
    rows = [r.split(",") for r in (out / "schedule.csv").read_text(encoding="utf-8").splitlines()[1:]]
    for platform in ("rednote", "reels"):
        dates = [r[:2] for r in rows if r[3] == platform]
        assert dates == [["2026-01-10", "09:00"], ["2026-01-10", "18:00"], ["2026-01-11", "09:00"]]
    # A later run without --schedule keeps to it, so it lists the bundles there are now.
    shutil.rmtree(out / "p1" / "reels")
    (src / "p2" / "post.yaml").unlink()
    shutil.rmtree(src / "p2")
    later = run("migrate", src, "--to", "rednote", "--out", out, "--json")
    assert later.json()["files"]["schedule_csv"] == str(out / "schedule.csv")
    rows = [r.split(",") for r in (out / "schedule.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert [(r[0], r[1], r[3], r[4]) for r in rows if r[3] == "reels"] == [
        ("2026-01-10", "09:00", "reels", "p0"),
        ("2026-01-10", "18:00", "reels", "p2"),  # made before, still there: still to post
    ]
    off = run("migrate", src, "--to", "rednote", "--out", out, "--schedule", "off", "--json")
    assert off.code == 0 and "schedule_csv" not in off.json()["files"]
    assert not (out / "schedule.csv").exists() and not (out / "schedule.ics").exists()
    assert (
        "schedule_csv" not in run("migrate", src, "--to", "rednote", "--out", out, "--json").json()["files"]
    )
    bad = run("migrate", src, "--to", "reels", "--out", out, "--schedule", "sometimes")
    assert bad.code == 2 and "cannot read the schedule" in bad.err


def test_unrecognised_source_is_a_usage_error(run, tmp_path):
    (tmp_path / "src").mkdir()
    result = run("migrate", tmp_path / "src", "--to", TO, "--out", tmp_path / "out")
    assert result.code == 2 and "Error: not a source repost can migrate" in result.err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def tiktok_backlog(link_server, tiktok_video, write_tiktok_export):
    """``tiktok_backlog(clip, folder, n)``: a TikTok export of ``n`` posts whose links serve ``clip``."""

    def make(clip: Path, folder: Path, n: int) -> Path:
        link_server.routes["/v/clip"] = ("file", clip.read_bytes())
        videos = [
            tiktok_video(f"2024-01-{i + 1:02d} 12:00:00", link_server.url("/v/clip"), f"Post {i} 🐱")
            for i in range(n)
        ]
        return write_tiktok_export(folder, videos).parent

    return make


@pytest.mark.parametrize("kind", ["posts", "tiktok", "yt-dlp", "instagram"])
def test_killed_with_sigkill_midway_then_resumed(
    run,
    write_post,
    clip_fits_all,
    tmp_path,
    kind,
    tiktok_backlog,
    ig_media,
    write_instagram_export,
    write_ytdlp_entry,
):
    if kind == "posts":
        make_backlog(write_post, clip_fits_all, 8)
        src = tmp_path / "backlog"
    elif kind == "tiktok":  # killed while downloading or making: .part files and half-made bundles
        src = tiktok_backlog(clip_fits_all, tmp_path / "TikTok_Data", 8)
    elif kind == "yt-dlp":
        src = tmp_path / "yt"
        for i in range(8):
            write_ytdlp_entry(src, f"73000000000000000{i:02d}", clip_fits_all, description=f"Dusk {i} 🐱",
                              timestamp=1700000000 + i * DAY)  # fmt: skip
    else:
        reels = [{"media": [ig_media(f"media/reels/2024/r{i}", 1704232088 + i * DAY, f"Reel {i} 🇨🇴")]}
                 for i in range(8)]  # fmt: skip
        files = {f"media/reels/2024/r{i}": clip_fits_all for i in range(8)}
        src = write_instagram_export(tmp_path / "instagram", "2024", [], reels, files)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "repost", "migrate", src, "--to", TO, "--out", out, "-j", "2"]
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and not list(out.glob("*/*/manifest.json")) and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    # Whatever is in place is whole: a bundle folder always has its manifest and every file in it.
    finished = {}
    for bundle in (p for p in out.glob("*/*") if ".repost" not in p.parts):
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        assert all((bundle / f["path"]).stat().st_size == f["bytes"] for f in manifest["files"])
        finished[bundle] = ((bundle / "manifest.json").stat().st_mtime_ns, manifest["post"]["id"])
    assert 0 < len(finished) < 16

    result = run("migrate", src, "--to", TO, "--out", out, "-j", "2", "--json")
    assert result.code == 0, result.out + result.err
    assert result.json()["done"] + result.json()["up_to_date"] == 16
    assert len(bundles_under(out)) == 16
    assert len([p for p in out.glob("*/*") if ".repost" not in p.parts]) == 16
    for bundle, (mtime, post) in finished.items():  # finished before the kill: not made again
        assert (bundle / "manifest.json").stat().st_mtime_ns == mtime
        assert report(out)[post, bundle.name]["result"] == "up_to_date"
    assert not list((out / ".repost" / "tmp").iterdir())
    assert not list(out.glob(".repost/downloads/*.part"))
    check = run("validate", out, "--json")
    assert check.code == 0 and len(check.json()["bundles"]) == 16


def test_migrate_preview_writes_the_page(run, write_post, clip_fits_all, tmp_path):
    make_backlog(write_post, clip_fits_all, 2)
    out = tmp_path / "out"
    result = run("migrate", tmp_path / "backlog", "--to", "rednote", "--out", out, "--preview")
    assert result.code == 0, result.out
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "p0/rednote" in page and "p1/rednote" in page
    assert f"preview: {out / 'index.html'}" in result.err


def test_post_folders_with_one_id_get_distinct_bundles(run, write_post, clip_fits_all, tmp_path):
    for name, caption in (("a", "A"), ("b", "B")):
        write_post(f"id: same\ncaption: {caption}\nmedia: [c.mp4]\n", media={"c.mp4": clip_fits_all},
                   folder=f"backlog/{name}")  # fmt: skip
    out = tmp_path / "out"
    result = run("migrate", tmp_path / "backlog", "--to", "tiktok", "--out", out, "--json")
    assert result.code == 0, result.out
    assert bundles_under(out) == ["same-2/tiktok", "same/tiktok"]
    assert (out / "same-2" / "tiktok" / "caption.txt").read_text(encoding="utf-8").startswith("B")


def test_a_split_carousel_keeps_a_row_per_part(run, write_post, image_jpeg_34, tmp_path):
    # Lemon8 takes 10 photos: 12 become two numbered posts, each its own bundle and state row.
    media = {f"{i:02d}.jpg": image_jpeg_34 for i in range(12)}
    text = f"caption: Twelve cups 🍵\ncreated: 2024-01-01T12:00:00Z\nmedia: [{', '.join(media)}]\n"
    write_post(text, media=media, folder="backlog/tea")
    src, out = tmp_path / "backlog", tmp_path / "out"
    common = ("migrate", src, "--to", "lemon8", "--out", out, "--json")
    first = run(*common, "--schedule", "daily 18:00", "--start", "2026-03-01")
    assert first.code == 0, first.err
    assert first.json()["done"] == 2
    assert bundles_under(out) == ["tea-part1/lemon8", "tea-part2/lemon8"]
    rows = json.loads((out / "report.json").read_text(encoding="utf-8"))["bundles"]
    assert [(b["post"], b["part"], b["result"]) for b in rows] == [
        ("tea", "1/2", "made"),
        ("tea", "2/2", "made"),
    ]
    schedule = [r.split(",") for r in (out / "schedule.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert [(r[0], r[4], r[7], r[8]) for r in schedule] == [
        ("2026-03-01", "tea", "1/2", "tea"),  # a post.yaml's post: named by its id
        ("2026-03-02", "tea", "2/2", "tea"),
    ]
    # A re-run finds both parts up to date; a deleted part is made again, alone.
    again = run(*common)
    assert (again.json()["done"], again.json()["up_to_date"]) == (0, 2)
    said = run(*common[:-1]).out
    assert "1 post → 2 bundles: 0 made, 2 up to date, 0 failed; 0 posts skipped" in said
    assert again.json()["posts"] == 1 and again.json()["bundles"] == 2
    part1 = (out / "tea-part1/lemon8/manifest.json").read_bytes()
    shutil.rmtree(out / "tea-part2")
    third = run(*common)
    assert (third.json()["done"], third.json()["up_to_date"]) == (1, 1)
    assert {k: b["result"] for k, b in report(out).items()} == {("tea", "lemon8"): "made"}
    assert json.loads((out / "tea-part2/lemon8/manifest.json").read_bytes())["part"] == "2/2"
    assert (out / "tea-part1/lemon8/manifest.json").read_bytes() == part1
    # Truncated instead, the post is one bundle again: the parts it replaces are removed.
    trunc = run(*common, "--carousel", "truncate")
    assert (trunc.json()["done"], trunc.json()["up_to_date"]) == (1, 0)
    assert bundles_under(out) == ["tea/lemon8"] and not (out / "tea-part1").exists()
    files = json.loads((out / "tea/lemon8/manifest.json").read_bytes())["files"]
    assert sum(f["role"] == "image" for f in files) == 10
    assert run(*common, "--carousel", "truncate").json()["up_to_date"] == 1
    forced = run(*common, "--carousel", "truncate", "--force")
    assert (forced.json()["done"], forced.json()["up_to_date"]) == (1, 0)


def test_export_options_reach_migrate_and_parallel_encodes_share_the_cores(
    run, write_post, media_factory, tmp_path, monkeypatch
):
    import yaml

    import repost.bundle.renditions
    from repost.bundle.build import threads_per_encode
    from repost.platforms.profiles import builtin_profile_dir

    data = yaml.safe_load((builtin_profile_dir() / "tiktok.yaml").read_text(encoding="utf-8"))
    data["video"]["max_duration_s"] = {**data["video"]["max_duration_s"]["app"], "value": 2}
    data["video"]["min_duration_s"]["value"] = 1
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "tiktok.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clip = media_factory("five_s.mp4", size="160x284", duration=5.0, sample_rate=48000)
    for i in range(2):
        text = f"caption: Walk {i}.\ncreated: 2024-01-0{i + 1}\nmedia: [clip.mp4]\nlang: en\n"
        text += f"translations: {{fr: {{caption: Marche {i}.}}}}\n"
        write_post(text, media={"clip.mp4": clip}, folder=f"backlog/walk{i}")
    threads = []
    for name in ("make_file", "make_shared"):
        real = getattr(repost.bundle.renditions, name)

        def spy(*args, _real=real, **kwargs):
            threads.append(kwargs.get("threads"))
            return _real(*args, **kwargs)

        monkeypatch.setattr(repost.bundle.renditions, name, spy)
    out = tmp_path / "out"
    common = (
        "migrate",
        tmp_path / "backlog",
        "--to",
        "tiktok",
        "--out",
        out,
        "--profiles",
        profiles,
        "--json",
    )
    result = run(*common, "-j", "2", "--split", "--lang", "fr", "--loudness", "-14")
    assert result.code == 0, result.out + result.err
    assert result.json()["done"] == 6
    assert bundles_under(out) == [f"walk{p}-part{i}/tiktok" for p in (0, 1) for i in (1, 2, 3)]
    caption = (out / "walk1-part3/tiktok/caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("(3/3) Marche 1.")
    assert "loudness" in " ".join(
        json.loads((out / "walk0-part1/tiktok/manifest.json").read_bytes())["changes"]
    )
    # Each encode ran with its share of the cores (posts run side by side); no renditions left.
    assert threads and set(threads) == {threads_per_encode(2)}
    assert [p.name for p in (out / ".repost").iterdir() if p.name.startswith("renditions-")] == []
    assert run("validate", out, "--profiles", profiles).code == 0
    # Without --split the option fingerprint changes: each post is one trimmed bundle again.
    trimmed = run(*common)
    assert trimmed.json()["done"] == 2
    assert bundles_under(out) == ["walk0/tiktok", "walk1/tiktok"]


def test_parts_replaced_after_a_failed_run_in_between_are_still_removed(
    run, write_post, image_jpeg_34, tmp_path
):
    # A failed run replaces the post's rows (the parts' paths with them); the next run that makes
    # the post whole again still finds the old parts on disk and removes them.
    media = {f"{i:02d}.jpg": image_jpeg_34 for i in range(12)}
    text = f"caption: Twelve cups 🍵\nmedia: [{', '.join(media)}]\n"
    post = write_post(text, media=media, folder="backlog/tea")
    write_post("caption: Other\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34}, folder="backlog/teapot")
    src, out = tmp_path / "backlog", tmp_path / "out"
    common = ("migrate", src, "--to", "lemon8", "--out", out, "--json")
    assert run(*common).json()["done"] == 3
    assert bundles_under(out) == ["tea-part1/lemon8", "tea-part2/lemon8", "teapot/lemon8"]
    photo = (post / "05.jpg").read_bytes()
    (post / "05.jpg").write_bytes(b"not a photo")
    broken = run(*common, "--strict-photos")  # a carousel otherwise leaves the bad photo out
    assert broken.code == 1 and [f["post"] for f in broken.json()["failed"]] == ["tea"]
    assert bundles_under(out) == ["tea-part1/lemon8", "tea-part2/lemon8", "teapot/lemon8"]  # nothing lost
    (post / "05.jpg").write_bytes(photo)
    whole = run(*common, "--carousel", "truncate")
    assert whole.code == 0, whole.out
    # The other post, whose id starts the same, is left alone.
    assert bundles_under(out) == ["tea/lemon8", "teapot/lemon8"]


def test_an_option_or_override_redoes_only_the_bundles_it_reaches(
    run, write_post, clip_fits_all, image_jpeg_34, tmp_path
):
    write_post("caption: Dusk 🐱\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder="backlog/v")
    tea = write_post("caption: Tea 🍵\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34}, folder="backlog/ph")
    src, out = tmp_path / "backlog", tmp_path / "out"

    def made(*extra, source=src):
        result = run("migrate", source, "--to", "rednote,lemon8", "--out", out, "--json", *extra)
        assert result.code == 0, result.out + result.err
        return {k for k, b in report(out).items() if b["result"] == "made"}

    assert made() == {("v", "rednote"), ("v", "lemon8"), ("ph", "rednote"), ("ph", "lemon8")}
    # --loudness reaches the video's sound only: the photo post is left alone.
    assert made("--loudness", "-14") == {("v", "rednote"), ("v", "lemon8")}
    # One platform's override in post.yaml reaches that platform only.
    (tea / "post.yaml").write_text(
        "caption: Tea 🍵\nmedia: [a.jpg]\nplatforms: {lemon8: {caption: Tea on Lemon8}}\n", encoding="utf-8"
    )
    assert made("--loudness", "-14") == {("ph", "lemon8")}
    # The backlog moved to another folder: the same files, nothing made again.
    moved = src.rename(tmp_path / "moved")
    assert made("--loudness", "-14", source=moved) == set()
    assert run("validate", out).code == 0


def test_a_slideshow_sound_replaced_in_place_is_made_again(run, write_post, image_jpeg_34, tmp_path):
    from repost.media.ffmpeg import run_ffmpeg

    tunes = []
    for hz in (330, 440):
        tunes.append(tmp_path / f"tune{hz}.m4a")
        run_ffmpeg(["-f", "lavfi", "-i", f"sine=frequency={hz}:duration=4", "-c:a", "aac", tunes[-1]])
    post = write_post(
        "caption: Tea\nmedia: [a.jpg]\naudio: tune.m4a\n",
        media={"a.jpg": image_jpeg_34, "tune.m4a": tunes[0]},
        folder="backlog/tea",
    )
    common = ("migrate", tmp_path / "backlog", "--to", "reels", "--out", tmp_path / "out", "--json")
    assert run(*common).json()["done"] == 1
    assert run(*common).json()["up_to_date"] == 1
    (post / "tune.m4a").write_bytes(tunes[1].read_bytes())  # same name, another sound
    assert run(*common).json()["done"] == 1


def test_a_part_never_overwrites_a_post_that_has_its_folder_name(run, write_post, image_jpeg_34, tmp_path):
    # "tea" split in two writes tea-part2/, the folder a post with the id "tea-part2" has too.
    media = {f"{i:02d}.jpg": image_jpeg_34 for i in range(12)}
    write_post(f"caption: Twelve cups\nmedia: [{', '.join(media)}]\n", media=media, folder="backlog/tea")
    write_post("caption: Other\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34}, folder="backlog/tea-part2")
    common = ("migrate", tmp_path / "backlog", "--to", "lemon8", "--out", tmp_path / "out", "--json")
    for _ in range(2):
        result = run(*common)
        assert result.code == 1
        [failed] = result.json()["failed"]
        assert failed["post"] == "tea-part2"
        assert "holds the bundle of another post (post 'tea', part 2/2); left untouched" in failed["error"]
        manifest = json.loads((tmp_path / "out/tea-part2/lemon8/manifest.json").read_bytes())
        assert (manifest["post"]["id"], manifest["part"]) == ("tea", "2/2")


def test_a_link_that_cannot_be_fetched_fails_its_post_alone(
    run, link_server, tmp_path, clip_fits_all, tiktok_video, write_tiktok_export
):
    link_server.routes["/v/good"] = ("file", clip_fits_all.read_bytes())
    videos = [
        tiktok_video("2024-01-01 12:00:00", link_server.url("/v/good"), "First 🐱"),
        tiktok_video("2024-01-02 12:00:00", "https://[bad/v/1?sig=1", "Broken link"),
        tiktok_video("2024-01-03 12:00:00", link_server.url("/v/good"), "Third 🐱"),
    ]
    source = write_tiktok_export(tmp_path / "TikTok_Data", videos).parent
    result = run("migrate", source, "--to", "reels", "--out", tmp_path / "out", "--json", "-j", "2")
    assert result.code == 1, result.err
    doc = result.json()
    assert doc["done"] == 2
    [failed] = doc["failed"]
    assert failed["post"] == "tiktok-20240102-120000"
    assert failed["error"] == "not a link that can be downloaded [https://[bad/v/1]"
    assert (tmp_path / "out" / "report.json").is_file()


def test_an_interrupted_run_ends_at_once_and_the_next_one_resumes(
    link_server, tmp_path, clip_fits_all, tiktok_video, write_tiktok_export
):
    link_server.routes["/v/clip"] = ("slow", 30, clip_fits_all.read_bytes())  # a stalled link_server
    videos = [
        tiktok_video(f"2024-01-0{i} 12:00:00", link_server.url("/v/clip"), f"Post {i}") for i in (1, 2, 3)
    ]
    source = write_tiktok_export(tmp_path / "TikTok_Data", videos).parent
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "repost", "migrate", source, "--to", "reels", "--out", out, "-j", "2",
           "--timeout", "60"]  # fmt: skip
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while (
        len(link_server.hits) < 2 and time.monotonic() < deadline
    ):  # both workers waiting on the link_server
        time.sleep(0.01)
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "Interrupted." in err and "Traceback" not in err
    assert time.monotonic() - asked < 10  # not the 30 s the stalled downloads would take
    link_server.routes["/v/clip"] = ("file", clip_fits_all.read_bytes())
    again = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(bundles_under(out)) == 3


def test_files_of_the_users_where_the_report_goes_are_never_written_over(
    run, write_post, clip_fits_all, tmp_path
):
    make_backlog(write_post, clip_fits_all, 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("# My notes\n", encoding="utf-8")  # the user's own file
    common = ("migrate", tmp_path / "backlog", "--to", "reels", "--out", out)
    result = run(*common)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"Error: exists and was not written by repost; left untouched [{out / 'report.md'}]" in result.err
    assert (out / "report.md").read_text(encoding="utf-8") == "# My notes\n"
    assert bundles_under(out) == []  # refused before any work
    (out / "report.md").unlink()
    (out / "schedule.csv").mkdir()  # in the way only when there is a schedule to write
    assert run(*common).code == 0
    assert run(*common, "--schedule", "daily 18:00").code == 2
    # A report repost wrote is repost's to write again.
    (out / "schedule.csv").rmdir()
    assert run(*common, "--schedule", "daily 18:00", "--start", "2030-01-01").code == 0
    assert run(*common).code == 0
    plan = (out / "schedule.csv").read_bytes()
    # A refused run changes nothing, the schedule neither: not ended, not replaced.
    (out / "report.md").rename(out / "kept.md")
    (out / "report.md").write_text("# My notes\n", encoding="utf-8")
    assert run(*common, "--schedule", "off").code == 2 and (out / "schedule.csv").read_bytes() == plan
    assert run(*common, "--schedule", "daily 07:00", "--start", "2031-06-01").code == 2
    (out / "kept.md").replace(out / "report.md")
    assert run(*common).code == 0 and (out / "schedule.csv").read_bytes() == plan


def test_a_report_that_cannot_be_written_is_named(tmp_path):
    from repost.errors import InputError
    from repost.migrate.outfiles import write_aside

    (tmp_path / "file").write_text("not a folder")
    aside = write_aside(tmp_path / "file" / "report.json")
    with pytest.raises(InputError, match="cannot write: Not a directory") as info, aside as f:
        f.write("{}")
    assert str(info.value.where).endswith("report.json")


def test_a_bug_met_by_one_post_fails_that_post_alone(run, write_post, clip_fits_all, tmp_path, monkeypatch):
    import repost.migrate.migration

    make_backlog(write_post, clip_fits_all, 3)
    real = repost.migrate.migration.plan_post

    def buggy(post, *args, **kwargs):
        if post.id == "p1":
            raise KeyError("surprise")
        return real(post, *args, **kwargs)

    monkeypatch.setattr(repost.migrate.migration, "plan_post", buggy)
    result = run("migrate", tmp_path / "backlog", "--to", "reels", "--out", tmp_path / "out", "--json")
    assert result.code == 1
    assert result.json()["done"] == 2
    [failed] = result.json()["failed"]
    assert failed["post"] == "p1" and failed["error"].startswith("internal error: KeyError: 'surprise'")


def test_half_an_emoji_in_an_export_never_stops_a_run(run, clip_fits_all, tmp_path, write_ytdlp_entry):
    folder = tmp_path / "yt"
    write_ytdlp_entry(folder, "7300000000000000001", clip_fits_all, description="Cut mid-emoji \ud83d")
    write_ytdlp_entry(folder, "7300000000000000002", clip_fits_all, description="Whole 🐱")
    out = tmp_path / "out"
    for expected in ((2, 0), (0, 2)):
        result = run("migrate", folder, "--to", "reels", "--out", out, "--json")
        assert result.code == 0, result.err
        assert (result.json()["done"], result.json()["up_to_date"]) == expected
    caption = (out / "undated-cut-mid-emoji-0000001/reels/caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("Cut mid-emoji")
    assert report(out)["7300000000000000001", "reels"]["title"] == "Cut mid-emoji"


def test_media_downloaded_by_an_earlier_version_are_used_not_asked_for_again(
    run, link_server, tmp_path, clip_fits_all, tiktok_video, write_tiktok_export
):
    # Earlier versions named a download by the post alone; its link has expired since.
    link_server.routes["/v/1"] = ("status", 410)
    videos = [tiktok_video("2024-01-01 10:00:00", link_server.url("/v/1"), "Kept 🐱")]
    source = write_tiktok_export(tmp_path / "TikTok_Data", videos).parent
    out = tmp_path / "out"
    (out / ".repost" / "downloads").mkdir(parents=True)
    shutil.copyfile(clip_fits_all, out / ".repost" / "downloads" / "tiktok-20240101-100000-01.mp4")
    result = run("migrate", source, "--to", "reels", "--out", out, "--json")
    assert result.code == 0, result.out
    assert result.json()["done"] == 1 and link_server.hits == []
