"""The picture of the benchmarks' clips, shared by bench_copy_limit.py and bench_export.py:
testsrc2 as a fixed camera sees it, or a hand-held phone panning across it (``--content``)."""

from __future__ import annotations

CONTENTS = ("testsrc2", "pan")


def picture(content: str, size: str, seconds: float) -> tuple[str, str]:
    """(lavfi source, filter) of a clip's picture of ``content`` (one of CONTENTS)."""
    if content == "testsrc2":
        return f"testsrc2=size={size}:rate=30:duration={seconds}", "noise=alls=6:allf=t"
    w, h = (int(v) for v in size.split("x"))
    shake = "+6*sin(9*t)", "+6*cos(7*t)"  # a few pixels of hand shake on top of the pan
    crop = (f"crop={w}:{h}:x='(iw-ow-12)*t/{seconds}+6{shake[0]}'"
            f":y='(ih-oh-12)*t/{seconds}+6{shake[1]}'")  # fmt: skip
    return f"testsrc2=size={2 * w}x{2 * h}:rate=30:duration={seconds}", f"{crop},noise=alls=6:allf=t"
