"""Time the text pipeline: one long bilingual post composed for every platform, and one big fit.

Goal: composing a post's texts stays well under the cost of probing its media (a few ms per
platform), so a backlog of hundreds of posts spends its time on media, not text.
Run: python benchmarks/bench_text.py
"""

from __future__ import annotations

import time

from repost.platforms.profiles import load_profiles
from repost.post.model import Post
from repost.text.compose import compose_texts
from repost.text.fit import fit_text

EN = "We walked by the Kamo river with the cats 🐱 and a 👨\u200d👩\u200d👧 family waved at us. "
ZH = "我们在鸭川边和猫咪待了一整个晚上，看着水面上的光慢慢变化。"
GOAL_MS = 20.0


def best_ms(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main() -> None:
    profiles = load_profiles()
    caption = (EN + ZH) * 22 + "\n\n" + " ".join(f"#tag{i}" for i in range(40))
    post = Post(id="bench", title="京都的猫咪和鸭川的黄昏，一个特别安静美丽的夜晚", caption=caption)
    print(f"caption: {len(caption):,} code points, 40 hashtags")
    for pid, profile in profiles.items():
        ms = best_ms(lambda p=profile: compose_texts(post, p, "video", {"overflow": "comment"}))
        print(f"compose_texts {pid:<8} {ms:6.2f} ms {'ok' if ms < GOAL_MS else 'OVER GOAL'}")
    big = (EN + ZH) * 400
    ms = best_ms(lambda: fit_text(big, 5000, "utf8_bytes"), repeat=5)
    print(f"fit_text {len(big):,} code points to 5,000 bytes: {ms:.2f} ms")


if __name__ == "__main__":
    main()
