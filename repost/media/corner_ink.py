"""Which corner bands of the frames tesseract reads could hold an app's mark, so that it reads
only those: a tesseract run costs about 0.15 s of CPU however little it is shown (mostly its
start and its model), and three runs a video were most of a stream-copy migration's time
(benchmarks/bench_copy_limit.py).

A mark's words are thin white strokes (tesseract is shown only what is at least ocr.WHITE) that
stay put: its edges are in the scan's small grey samples (media/watermark.py) on either side of
the frame read. A band without both gives tesseract nothing it could read as a mark: broad white
areas (a bright sky, testsrc2's yellow bar) are not strokes, and passing text (a sign the camera
pans over) does not stay."""

from __future__ import annotations

import threading
from collections import OrderedDict

from repost.media.ocr import BAND_H, BAND_W, CORNERS, FRACTIONS, WHITE

# Samples on each side of a frame read: the strokes' edges are in all of those before it or all
# of those after it (a mark that moves to another corner near the frame is still seen on one side).
SIDE = 3
# A stroke is thinner than this share of the frame's width: white wider than that is an area, not
# ink (the apps' mark text and logo lines are a few pixels thick on a 1080-pixel-wide video).
STROKE_MAX = 0.01
# A band is read where such strokes, next to staying edges, cover this share of it (on the samples'
# grid: the test mark covers about 10% of its band; on a 1080x1920 pan, the word TikTok 40 px
# tall 1.4% and an @handle 30 px tall 2%; burned-in subtitles 0.6-3%; testsrc2 and a panning
# scene under 0.4%).
INK_SHARE = 0.005
# Canny's hysteresis thresholds for the edges of the small grey samples, here and in the scan
# (media/watermark.py): both must see the same strokes.
EDGE_LOW, EDGE_HIGH = 60, 160


def edge_maps(greys: list):
    """Where each sample has an edge: (samples, height, width) booleans. Each sample's edges are
    found once: the scan's early stop asks for the first 6, 12 and 18 samples, its statistics
    and this module's gate for all of them (about 2 ms of Canny a sample, 84 a video before)."""
    import numpy as np

    return np.stack([_edges_of(g) for g in greys])


# The last samples' edges, by the sample itself (each entry holds its sample, so an id is never
# reused while it is here): two videos' 24, about 11 MB; posts run side by side beyond two only
# find some again.
_EDGES_KEPT = 48
_edges: OrderedDict[int, tuple] = OrderedDict()
_edges_lock = threading.Lock()


def _edges_of(grey):
    import cv2

    with _edges_lock:
        kept = _edges.get(id(grey))
    if kept is not None and kept[0] is grey:
        return kept[1]
    edges = cv2.Canny(grey, EDGE_LOW, EDGE_HIGH) > 0
    with _edges_lock:
        _edges[id(grey)] = (grey, edges)
        while len(_edges) > _EDGES_KEPT:
            _edges.popitem(last=False)
    return edges


def ink_corners(greys: list, pictures: list) -> list[tuple[str, ...]]:
    """For each picture tesseract reads (taken at ocr.FRACTIONS of the video), the corners whose
    band holds staying white strokes; every corner of every picture where the samples are too
    few to tell."""
    import cv2
    import numpy as np

    if len(greys) < 2 * SIDE or len(pictures) != len(FRACTIONS):
        return [CORNERS] * len(pictures)
    edges = edge_maps(greys)
    out = []
    for fraction, picture in zip(FRACTIONS, pictures, strict=True):
        i = min(max(SIDE, round(fraction * len(greys))), len(greys) - SIDE)
        staying = edges[i - SIDE : i].all(axis=0) | edges[i : i + SIDE].all(axis=0)
        near = cv2.dilate(staying.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        strokes = _strokes(picture, near.shape, cv2, np)
        out.append(tuple(c for c in CORNERS if (strokes & near)[band(near.shape, c)].mean() >= INK_SHARE))
    return out


def _strokes(picture, shape: tuple[int, int], cv2, np):
    """Where thin white strokes are, on the samples' grid (``shape``): the pixels at least WHITE,
    less what an opening as wide as STROKE_MAX keeps (areas), any of them in a cell counting."""
    grey = np.asarray(picture.convert("L"))
    white = (grey >= WHITE).astype(np.uint8)
    k = max(3, round(grey.shape[1] * STROKE_MAX)) | 1  # odd: OpenCV shifts an even kernel's opening
    thin = white & (1 - cv2.morphologyEx(white, cv2.MORPH_OPEN, np.ones((k, k), np.uint8)))
    return cv2.resize(thin.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_AREA) > 0


def band(shape, corner: str, size: tuple[float, float] = (BAND_W, BAND_H)) -> tuple[slice, slice]:
    """(rows, columns) of a corner band, ``size`` as shares of the picture's width and height."""
    h, w = shape
    bw, bh = int(w * size[0]), int(h * size[1])
    rows = slice(0, bh) if corner.startswith("top") else slice(h - bh, h)
    cols = slice(0, bw) if corner.endswith("left") else slice(w - bw, w)
    return rows, cols
