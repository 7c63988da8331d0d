"""Issue 6's "done means", measured: a yt-dlp folder, a TikTok export (links served on 127.0.0.1,
one of them expired) and an Instagram export each migrate to RedNote and Reels with -j 2, are
killed with SIGKILL after 3 bundles, resumed, validated and run again; one line per source.
Run: python benchmarks/migrate_done_means.py [--posts N]  (the `repost` on PATH; media from lavfi)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The fixture writers of the tests, so the exports are shaped as the tests shape them.
from tests.importers.exports import (
    LinkServer,
    ig_media,
    tiktok_video,
    write_instagram_export,
    write_tiktok_export,
    write_ytdlp_entry,
)

TO = "rednote,reels"
DAY = 86400


def make_media(root: Path) -> tuple[Path, Path, Path]:
    """A 9:16 clip that fits, a 16:9 clip to reframe (6 s each, with sound) and a 3:4 photo."""
    import imageio_ffmpeg
    from PIL import Image

    ff = imageio_ffmpeg.get_ffmpeg_exe()
    clips = []
    for name, size, tone in (("tall.mp4", "720x1280", 440), ("wide.mp4", "1280x720", 330)):
        clips.append(root / name)
        subprocess.run(
            [ff, "-loglevel", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration=6",
             "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration=6",
             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "high", "-c:a", "aac", "-ac", "2",
             "-movflags", "+faststart", "-use_editlist", "0", "-shortest", str(clips[-1])],
            check=True,
        )  # fmt: skip
    photo = root / "photo.jpg"
    Image.new("RGB", (1200, 1600), (200, 120, 40)).save(photo, quality=90)
    return clips[0], clips[1], photo


def make_sources(root: Path, n: int, server: LinkServer) -> dict[str, Path]:
    tall, wide, photo = make_media(root)
    yt = root / "yt"
    for i in range(n):
        write_ytdlp_entry(yt, f"73000000000000000{i:02d}", wide if i % 2 else tall,
                          description=f"Dusk {i} 🐱 #cats 👨‍👩‍👧", timestamp=1700000000 + i * DAY,
                          tags=["cats"])  # fmt: skip
    server.routes["/v/tall"] = ("file", tall.read_bytes())
    server.routes["/v/wide"] = ("file", wide.read_bytes())
    server.routes["/v/gone"] = ("status", 410)
    videos = [
        tiktok_video(
            f"2024-01-{i + 1:02d} 12:00:00", server.url("/v/wide" if i % 2 else "/v/tall"), f"TikTok {i} 🐱🇨🇴"
        )
        for i in range(n - 1)
    ]
    videos.append(tiktok_video("2024-02-01 12:00:00", server.url("/v/gone"), "Expired"))
    tiktok = write_tiktok_export(root / "TikTok_Data", videos).parent
    half = n // 2
    posts = [{"media": [ig_media(f"media/posts/2024/p{i}.jpg", 1715566876 + i * DAY, f"Café {i} 🐱")]}
             for i in range(half)]  # fmt: skip
    reels = [{"media": [ig_media(f"media/reels/2024/r{i}", 1704232088 + i * DAY, f"Reel {i} 🇨🇴")]}
             for i in range(half)]  # fmt: skip
    files = {f"media/posts/2024/p{i}.jpg": photo for i in range(half)}
    files.update({f"media/reels/2024/r{i}": wide for i in range(half)})
    instagram = write_instagram_export(root / "instagram", "2024", posts, reels, files)
    return {"yt-dlp": yt, "tiktok": tiktok, "instagram": instagram}


def run_json(cmd: list[str]) -> tuple[int, dict, float]:
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return proc.returncode, json.loads(proc.stdout), time.monotonic() - start


def check(repost: str, name: str, src: Path, out: Path) -> str:
    cmd = [repost, "migrate", str(src), "--to", TO, "--out", str(out), "-j", "2", "--json", "--retries", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and len(list(out.glob("*/*/manifest.json"))) < 3:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = len(list(out.glob("*/*/manifest.json")))
    code, doc, took = run_json(cmd)
    vcode, vdoc, _ = run_json([repost, "validate", str(out), "--json"])
    again_code, again, again_took = run_json(cmd)
    folders = [p for p in out.glob("*/*") if ".repost" not in p.parts]
    captions = [(p / "caption.txt").read_text(encoding="utf-8") for p in folders]
    emoji = all("🐱" in c or "🇨🇴" in c for c in captions)
    failed = [f"{f['post']} → {f['platform']}: {f['error']}" for f in doc["failed"]][:1]
    return (
        f"{name:9} killed after {killed_at} bundles; resumed: exit {code}, {doc['done']} made, "
        f"{doc['up_to_date']} up to date in {took:.1f} s{'; ' + failed[0] if failed else ''}\n"
        f"{'':9} validate: exit {vcode}, {len(vdoc['bundles'])} bundles, ok {vdoc['ok']}; "
        f"{len(folders)} bundle folders; emoji intact: {emoji}; "
        f"re-run: exit {again_code}, {again['up_to_date']} up to date in {again_took:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10, help="posts per source")
    args = parser.parse_args()
    repost = shutil.which("repost") or sys.exit("install repost first (pip install -e .)")
    root = Path(tempfile.mkdtemp(prefix="repost-done-means-"))
    server = LinkServer()
    try:
        for name, src in make_sources(root, args.posts, server).items():
            print(check(repost, name, src, root / f"out-{name}"), flush=True)
    finally:
        server.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
