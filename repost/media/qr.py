"""QR codes in a picture, found offline with OpenCV's detector (they lead people off a platform)."""

from __future__ import annotations

from pathlib import Path

from repost.errors import MediaError

# Large photos are searched at this size: a QR code a viewer could scan is far larger than
# OpenCV's minimum module size there, and detection time grows with the pixel count.
MAX_SIDE_PX = 1600


def find_qr_codes(path: Path) -> list[str]:
    """What each QR code in the image at ``path`` says ("(unreadable QR code)" where one is
    found but cannot be decoded); empty when there is none."""
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
