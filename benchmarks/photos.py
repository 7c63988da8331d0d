"""Photo speed: a 12 MP phone photo fitted for RedNote, and a 5-photo Reels slideshow.

Run: python benchmarks/photos.py   (writes only under a temporary folder; prints seconds)
Goals: a 12 MP photo in under 1.5 s; a 13 s 1080x1920 slideshow in under 30 s on one core.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' media makers

from repost.media.files import make_file  # noqa: E402
from repost.media.probe import probe_media  # noqa: E402
from repost.plan.images import plan_images  # noqa: E402
from repost.plan.options import PlanOptions  # noqa: E402
from repost.plan.slideshow import plan_slideshow  # noqa: E402
from repost.platforms.profiles import load_profiles  # noqa: E402
from repost.post.model import Post  # noqa: E402
from tests.media.sample_media import make_image  # noqa: E402


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"{label}: {took:.2f} s")
    return took


def main() -> None:
    profiles = load_profiles()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photo = make_image(folder / "big.jpg", size=(4032, 3024), orientation=6, gps=True)
        facts = probe_media(photo)
        steps = plan_images(profiles["rednote"], [facts], PlanOptions()).steps
        timed(
            "12 MP JPEG (orientation 6, GPS) -> RedNote 1080x1440",
            lambda: make_file(steps[0], folder / "01.jpg"),
        )
        photos = [make_image(folder / f"p{i}.jpg", size=(3024, 4032)) for i in range(5)]
        pictures = [probe_media(p) for p in photos]
        steps = plan_slideshow(Post(id="b"), profiles["reels"], pictures, PlanOptions()).steps
        timed(
            f"5-photo slideshow, {steps[0].op.duration_s:g} s at 1080x1920 -> Reels",
            lambda: make_file(steps[0], folder / "01.mp4"),
        )


if __name__ == "__main__":
    main()
