"""QR codes in a picture, found offline with OpenCV's detector (they lead people off a platform)."""

from __future__ import annotations

import threading
from pathlib import Path

from repost.errors import MediaError
from repost.media.files import sha256_of

# Large photos are searched at this size: a QR code a viewer could scan is far larger than
# OpenCV's minimum module size there, and detection time grows with the pixel count.
MAX_SIDE_PX = 1600
# Pictures already searched in this run, by content: RedNote's and Lemon8's identical covers,
# and a photo that `check` or an earlier bundle searched, are decoded and searched once.
_SEEN: dict[str, tuple[str, ...]] = {}
_SEEN_MAX = 4096
_LOCK = threading.Lock()


def find_qr_codes(path: Path) -> list[str]:
    """What each QR code in the image at ``path`` says ("(unreadable QR code)" where one is
    found but cannot be decoded); empty when there is none."""
    try:
        key = sha256_of(Path(path))
    except OSError as exc:
        raise MediaError(f"cannot read the image for a QR check: {exc}", where=path) from None
    with _LOCK:
        if key in _SEEN:
            return list(_SEEN[key])
    codes = _search(Path(path))
    with _LOCK:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[key] = tuple(codes)
    return codes


def _search(path: Path) -> list[str]:
    try:
        import cv2
        import numpy as np
        from PIL import Image, ImageOps
    except ImportError as exc:  # pragma: no cover - opencv-python-headless is a dependency
        raise MediaError(
            f"QR detection needs OpenCV: {exc}", hint="pip install opencv-python-headless"
        ) from None
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("L")
            im.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
            pixels = np.asarray(im)
    except OSError as exc:
        raise MediaError(f"cannot read the image for a QR check: {exc}", where=path) from None
    detector = cv2.QRCodeDetector()
    try:
        ok, texts, _points, _ = detector.detectAndDecodeMulti(pixels)
    except cv2.error:
        ok, texts = False, ()
    if not ok:
        return []
    return [t or "(unreadable QR code)" for t in texts]
