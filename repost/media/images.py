"""Reading every photo creators have as upright 8-bit sRGB, fitting it, and writing a JPEG."""

from __future__ import annotations

import functools
import io
import math
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

from repost.errors import MediaError
from repost.media.faces import box_over_faces
from repost.media.probe_image import bomb_error, icc_name, limit_pixels, register_heif
from repost.ops import SRGB_NAMES

_SHRINK_STEP = 0.85  # when even the lowest quality is too big, shrink by this and try again


@dataclass
class Photo:
    """A decoded photo: upright RGB (or RGBA) in sRGB, and the EXIF to keep if asked."""

    image: object  # PIL.Image.Image
    exif: bytes | None


def open_photo(path: Path, scale: float = 1.0) -> Photo:
    """Decode ``path``: first frame, EXIF orientation applied, 16-bit scaled, ICC to sRGB.

    ``scale`` below 1 says how small the picture will end up: a JPEG is then decoded at 1/2,
    1/4 or 1/8 size straight from its DCT blocks (never below ``scale``), which is several times
    faster and lighter for a 50-200 MP phone photo made into a 1080-pixel one.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    register_heif()
    limit_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                # Animated GIF/WebP/APNG and MPO (UltraHDR's gain map is the second picture):
                # frame 0 is the still a viewer shows, the base picture of an UltraHDR file.
                im.seek(0)
                if scale < 0.5 and im.format in ("JPEG", "MPO"):
                    w, h = im.size
                    im.draft(None, (math.ceil(w * scale), math.ceil(h * scale)))
                icc = im.info.get("icc_profile") or None
                upright = ImageOps.exif_transpose(im)  # also removes the orientation tag
                exif = upright.getexif()
                exif.pop(0x0112, None)
                pixels = _to_rgb(upright, icc)
                return Photo(pixels, exif.tobytes() if len(exif) else None)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise bomb_error(path) from exc
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        IndexError,
        struct.error,
        UnidentifiedImageError,
    ) as exc:
        raise MediaError(
            f"cannot read image ({exc})",
            where=path,
            hint="the image is damaged or in a format Pillow cannot read",
        ) from exc


def _to_rgb(im, icc: bytes | None):
    """Any Pillow mode to RGB or RGBA, colours converted from the embedded profile to sRGB."""

    mode = im.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        im = _sixteen_to_eight(im)
        mode = "L"
    if mode in ("P", "PA", "LA", "La", "RGBa") or (mode in ("L", "RGB") and "transparency" in im.info):
        im = im.convert("RGBA")
    elif mode in ("1", "L"):
        im = im.convert("RGB")
    if icc and not _is_srgb(icc):
        im = _icc_to_srgb(im, icc)
    if im.mode not in ("RGB", "RGBA"):
        # CMYK (Pillow undoes Adobe's inverted CMYK and libjpeg turns YCCK into CMYK), YCbCr, LAB:
        # without a profile Pillow's plain formula is the best guess there is.
        im = im.convert("RGB")
    return im if im.mode in ("RGB", "RGBA") else im.convert("RGB")


def _sixteen_to_eight(im):
    """16-bit (and 32-bit integer) greyscale to 8-bit by its top byte: Pillow's convert() clips."""
    import numpy as np
    from PIL import Image

    arr = np.asarray(im)
    if im.mode == "F":
        arr = np.clip(arr, 0, 255)
    else:
        arr = np.clip(arr.astype(np.int64), 0, 65535) >> 8
    return Image.fromarray(arr.astype(np.uint8))  # uint8 2-D: mode L


def _is_srgb(icc: bytes) -> bool:
    name = (icc_name(icc) or "").lower()
    return any(n in name for n in SRGB_NAMES)


@functools.cache
def _srgb_profile():
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _icc_to_srgb(im, icc: bytes):
    """Display P3, Adobe RGB, CMYK press profiles... to sRGB, keeping alpha aside."""
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return im  # a broken profile: read the numbers as they are, as browsers do
    alpha = im.getchannel("A") if im.mode == "RGBA" else None
    base = im.convert("RGB") if im.mode == "RGBA" else im
    try:
        out = ImageCms.profileToProfile(
            base, source, _srgb_profile(), renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode="RGB",
        )  # fmt: skip
    except (OSError, ValueError, ImageCms.PyCMSError):
        return im  # a profile that does not match the pixels (an RGB profile on CMYK data)
    if alpha is not None:
        out.putalpha(alpha)
    return out


def render_photo(image, op, scaled: dict | None = None):
    """Apply a plan's PhotoOp: crop, scale, place on the canvas, flatten alpha; RGB out.

    ``scaled``: the caller's memo of this same ``image``'s kept parts already scaled (covers
    of several shapes often place the same scaled picture on their canvases: a 16:9 frame
    1080 wide on 9:16 and on 3:4). The picture returned may be one of them: not to be drawn on.
    """
    from PIL import Image

    if image.mode == "RGBA":
        image = _flatten(image, op.alpha_fill)
    box = _kept(image, op)
    if box != (0, 0, *image.size):
        image = image.crop(box)
    x, y, w, h = op.place
    picture = scaled.get((box, w, h)) if scaled is not None else None
    if picture is None:
        picture = image if image.size == (w, h) else image.resize((w, h), Image.Resampling.LANCZOS)
        if scaled is not None:
            scaled[(box, w, h)] = picture
    if (x, y, w, h) == (0, 0, *op.canvas):
        return picture
    canvas = _background(image, op.canvas, op.background, (x, y, w, h))
    canvas.paste(picture, (x, y))
    return canvas


def _kept(image, op) -> tuple[int, int, int, int]:
    """The part of ``image`` (flattened) that render_photo keeps: the op's box, shrunk with a
    picture decoded smaller, and with fit smart slid over the faces."""
    box = op.box
    if op.source_size and image.size != tuple(op.source_size):
        # Decoded smaller (a JPEG draft): the box shrinks with the picture.
        f = image.width / op.source_size[0]
        box = tuple(min(round(v * f), lim) for v, lim in zip(box, (*image.size, *image.size), strict=True))
    if op.follow_faces:
        box = box_over_faces(image, box)
    return box


def kept_box(image, op) -> tuple[int, int, int, int]:
    """The box render_photo keeps of ``image``, in the op's source pixels: what provenance
    records for fit smart, whose box moves to the faces only when the picture is seen."""
    if image.mode == "RGBA":
        image = _flatten(image, op.alpha_fill)
    box = _kept(image, op)
    if not op.source_size or image.size == tuple(op.source_size):
        return box
    f = op.source_size[0] / image.width
    return tuple(round(v * f) for v in box)


def _flatten(image, fill: str):
    from PIL import Image

    ground = _background(image, image.size, "blur") if fill == "blur" else Image.new("RGB", image.size, fill)
    ground.paste(image, mask=image.getchannel("A"))
    return ground


def _background(image, size: tuple[int, int], kind: str, hole=None):
    """The canvas behind a padded picture: white, black, or the picture blurred to fill it.
    ``hole`` (left, top, width, height): where the picture goes, left unpainted."""
    from PIL import Image, ImageFilter

    if kind != "blur":
        return Image.new("RGB", size, kind)
    # Blur a small copy and enlarge it: the same look at a fraction of the cost at 1080x1920.
    # The copy is shrunk by whole-pixel averaging first (reducing_gap), then bicubic: under the
    # blur it differs from a bicubic shrink alone by at most one level, at a quarter of the cost.
    small_size = (max(2, size[0] // 8), max(2, size[1] // 8))
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    small = rgb.resize(small_size, Image.Resampling.BICUBIC, box=_centre_box(image.size, small_size),
                       reducing_gap=2.0)  # fmt: skip
    small = small.filter(ImageFilter.GaussianBlur(radius=max(2, min(small.size) // 12)))
    if hole is None:
        return small.resize(size, Image.Resampling.BILINEAR)
    # Enlarging only the bands the picture leaves uncovered (the side bars of a 9:16 frame on a
    # 3:4 canvas) gives the same pixels there for a fraction of the work.
    canvas = Image.new("RGB", size)
    fx, fy = small.width / size[0], small.height / size[1]
    for left, top, right, bottom in _bands(size, hole):
        band = small.resize((right - left, bottom - top), Image.Resampling.BILINEAR,
                            box=(left * fx, top * fy, right * fx, bottom * fy))  # fmt: skip
        canvas.paste(band, (left, top))
    return canvas


def _centre_box(size: tuple[int, int], shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """The largest central part of a picture of ``size`` with the aspect of ``shape``."""
    w, h = size
    aspect = shape[0] / shape[1]
    cw, ch = (h * aspect, h) if w / h >= aspect else (w, w / aspect)
    left, top = (w - cw) / 2, (h - ch) / 2
    return (left, top, left + cw, top + ch)


def _bands(size: tuple[int, int], hole) -> list[tuple[int, int, int, int]]:
    """The canvas outside ``hole`` (left, top, width, height), as boxes: above, below, left
    and right of it."""
    (w, h), (x, y, hw, hh) = size, hole
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + hw), min(h, y + hh)
    if x0 >= x1 or y0 >= y1:
        return [(0, 0, w, h)]
    boxes = [(0, 0, w, y0), (0, y1, w, h), (0, y0, x0, y1), (x1, y0, w, y1)]
    return [(left, top, right, bottom) for left, top, right, bottom in boxes if left < right and top < bottom]


def encode_jpeg(image, op, exif: bytes | None = None, *, optimize: bool = True) -> bytes:
    """JPEG bytes at the highest quality that fits ``op.max_bytes``, shrinking if none does.

    ``optimize`` False skips libjpeg's second pass that fits the Huffman tables to the picture
    (the same pixels, about 7% more bytes, half the encode time) except where it decides
    whether a quality fits the byte limit: the quality chosen is always the same."""
    from PIL import Image

    while True:
        for quality in op.qualities:
            data = _jpeg(image, quality, exif, optimize)
            if not optimize and op.max_bytes is not None and len(data) > op.max_bytes:
                data = _jpeg(image, quality, exif, True)
            if op.max_bytes is None or len(data) <= op.max_bytes:
                return data
        w, h = image.size
        if min(w, h) < 64:
            raise MediaError(f"cannot make a JPEG under {op.max_bytes:,} bytes")
        image = image.resize((int(w * _SHRINK_STEP), int(h * _SHRINK_STEP)), Image.Resampling.LANCZOS)


def _jpeg(image, quality: int, exif: bytes | None, optimize: bool = True) -> bytes:
    buf = io.BytesIO()
    options = {"quality": quality, "optimize": optimize, "progressive": False}
    if exif:
        options["exif"] = exif
    # No icc_profile: an untagged JPEG is read as sRGB everywhere, which is what it now holds.
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def make_photo(step, dest: Path) -> None:
    """Carry out a ``photo`` step: read, fit, and write a JPEG (metadata only if kept)."""
    op = step.op
    photo = open_photo(step.source, op.scale)
    picture = render_photo(photo.image, op)
    try:
        data = encode_jpeg(picture, op, photo.exif if op.keep_metadata else None)
    except MediaError as exc:
        raise MediaError(exc.what, where=step.source) from exc
    dest.write_bytes(data)
