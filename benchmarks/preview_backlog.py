"""Benchmark: a preview page for a backlog of 1,000 posts (4,000 cards) opened in headless Chromium.

Makes one real post with ``repost export`` (a tiny clip, all four platforms), then repeats its
cards 1,000 times with varied ids, captions and statuses, writes the page and measures in the
browser: page size, time to the load event and to the first cards, cards built at first, time
to re-filter, and time to build every card by pressing "Show more posts" until none is left.
Also times ``write_preview`` (validation included) on the real bundles.

    python benchmarks/preview_backlog.py [--posts 1000]
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repost.cli.main import main as repost_main  # noqa: E402
from repost.platforms.profiles import load_profiles  # noqa: E402
from repost.preview import write_preview  # noqa: E402
from repost.preview.data import collect_posts  # noqa: E402
from repost.preview.render import render_page  # noqa: E402
from tests.media.sample_media import make_video  # noqa: E402
from tests.preview.browser import Browser, find_chromium  # noqa: E402

STATUSES = ("valid", "warnings", "failed")


def export_one(work: Path) -> Path:
    post = work / "posts" / "cats"
    post.mkdir(parents=True)
    make_video(
        post / "clip.mp4", size="720x1280", duration=3.2, sample_rate=48000, extra_args=("-use_editlist", "0")
    )
    (post / "post.yaml").write_text(
        "title: Cats\ncaption: " + "Evening with the cats on the roof, watching the sun go down. " * 3 + "\n"
        "hashtags: [cats, sunset]\nmedia: [{path: clip.mp4, alt: Two cats}]\n",
        encoding="utf-8",
    )
    out = work / "out"
    try:
        repost_main(["export", str(post), "--to", "all", "--out", str(out)])
    except SystemExit as exc:
        assert exc.code == 0, exc.code
    return out


def backlog(cards: list[dict], posts: int) -> list[dict]:
    out = []
    for i in range(posts):
        post_cards = []
        for k, card in enumerate(cards):
            c = copy.deepcopy(card)
            c["post"] = f"post-{i:04d}"
            c["path"] = f"post-{i:04d}/{c['platform']}"
            c["status"] = STATUSES[(i + k) % 3]
            c["caption"]["visible"] = f"Post {i}: " + c["caption"]["visible"]
            post_cards.append(c)
        out.append({"id": f"post-{i:04d}", "title": f"Post {i}", "cards": post_cards})
    return out


def measure(page: Path) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        b = Browser(find_chromium(), Path(profile))
        try:
            t0 = time.perf_counter()
            b.open(page.as_uri())
            loaded = time.perf_counter() - t0
            first = b.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
            built = b.evaluate("document.querySelectorAll('.card').length")
            refilter = b.evaluate(
                """(() => { const s = document.getElementById('filter-status'); const t = performance.now();
                   s.value = 'failed'; s.dispatchEvent(new Event('change')); const ms = performance.now() - t;
                   s.value = ''; s.dispatchEvent(new Event('change')); return ms; })()"""
            )
            all_ms = b.evaluate(
                """(() => { const t = performance.now(); const btn = document.getElementById('load-more');
                   while (!btn.hidden) btn.click();
                   return [performance.now() - t, document.querySelectorAll('.card').length]; })()"""
            )
        finally:
            b.close()
    return {
        "load_s": loaded,
        "dom_ready_ms": first,
        "cards_at_first": built,
        "refilter_ms": refilter,
        "all": all_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = export_one(work)
        profiles = load_profiles()
        t0 = time.perf_counter()
        write_preview(out, profiles)
        per_bundle = (time.perf_counter() - t0) / 4
        cards = collect_posts(out, profiles)[0]["cards"]
        posts = backlog(cards, args.posts)
        t0 = time.perf_counter()
        page = render_page(posts, title="benchmark", subtitle=f"{args.posts} posts")
        render_s = time.perf_counter() - t0
        index = out / "index.html"
        index.write_text(page, encoding="utf-8")
        m = measure(index)
    size = len(page.encode()) / 1e6
    print(f"write_preview on real bundles: {per_bundle * 1000:.0f} ms per bundle (validation included)")
    print(
        f"{args.posts} posts, {args.posts * len(cards)} cards: page {size:.1f} MB, made in {render_s:.2f} s"
    )
    print(
        f"browser: load event {m['load_s']:.2f} s, DOMContentLoaded {m['dom_ready_ms']:.0f} ms,"
        f" {m['cards_at_first']} cards built at first"
    )
    print(f"status filter: {m['refilter_ms']:.0f} ms; every card: {m['all'][0]:.0f} ms ({m['all'][1]})")


if __name__ == "__main__":
    main()
