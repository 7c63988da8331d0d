"""Benchmark: a huge yt-dlp description through the importer and every platform's caption.

Writes one ``*.info.json`` whose description is SIZE MB (``plain``: sentences in English and
Chinese with emoji, a few hashtags, mentions and links; ``tags``: a line per post-like item, each
with a hashtag and a mention of its own, so thousands of distinct tags reach the caption), then
times the yt-dlp importer and compose_texts for each built-in profile, in CPU seconds.
``--profile`` prints the functions that took the time (cProfile, cumulative).
Run: python benchmarks/bench_long_description.py [--size 10] [--kind plain|tags] [--profile]
Goal: linear in the description's size, and a 10 MB description a few CPU seconds in all.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path

from repost.migrate.importers import ytdlp
from repost.platforms.profiles import load_profiles
from repost.text.compose import compose_texts

EN = "We walked by the Kamo river with the cats 🐱 and a 👨\u200d👩\u200d👧 family waved. #kyoto #cats\n"
ZH = "我们在鸭川边和猫咪待了一整个晚上，看着水面上的光慢慢变化。#日落 @maria_k https://example.com/a?b=1\n"


def description(size: int, kind: str) -> str:
    if kind == "plain":
        unit = EN + ZH
        return unit * (size // len(unit.encode()) + 1)
    parts, total, i = [], 0, 0
    while total < size:
        line = f"Cats at dusk, day {i} #day{i} @friend{i} 🐱\n"
        parts.append(line)
        total += len(line.encode())
        i += 1
    return "".join(parts)


def run(folder: Path, profiles: dict) -> None:
    start = time.process_time()
    (imported,) = list(ytdlp.iter_posts(folder, folder))
    post = imported.post
    spent = time.process_time() - start
    print(f"  import            {spent:7.2f} CPU s  (caption {len(post.caption):,} code points)")
    for pid, profile in profiles.items():
        start = time.process_time()
        texts = compose_texts(post, profile, "video", {})
        print(f"  compose {pid:<9} {time.process_time() - start:7.2f} CPU s  ({len(texts.caption):,} kept)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=10.0, help="description size in MB")
    ap.add_argument("--kind", choices=("plain", "tags"), default="plain")
    ap.add_argument("--profile", action="store_true", help="print where the time went")
    args = ap.parse_args()
    profiles = load_profiles()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = description(int(args.size * 1_000_000), args.kind)
        (folder / "v1.mp4").write_bytes(b"\0" * 100)
        doc = {"id": "v1", "_type": "video", "title": "Kyoto", "description": text, "ext": "mp4"}
        (folder / "v1.info.json").write_text(json.dumps(doc), encoding="utf-8")
        print(f"description: {len(text.encode()):,} bytes ({args.kind}), {len(text):,} code points")
        start = time.process_time()
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(run, folder, profiles)
        else:
            run(folder, profiles)
        print(f"total {time.process_time() - start:.2f} CPU s")
        if args.profile:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()
