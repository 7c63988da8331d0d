"""Reading every kind of photo creators have: pixels checked, not just that a file was written."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from repost.errors import MediaError
from repost.media.images import encode_jpeg, open_photo, render_photo
from repost.media.probe import probe_media
from repost.ops import PhotoOp
from repost.plan.photo import plan_photo_op

BLUE, RED, YELLOW, WHITE = (40, 120, 200), (200, 60, 40), (255, 255, 0), (255, 255, 255)
# Where the stored top-left corner (conftest's yellow mark) is seen once the orientation is applied.
CORNER_SHOWN = {1: "tl", 2: "tr", 3: "br", 4: "bl", 5: "tl", 6: "tr", 7: "br", 8: "bl"}


def corners(im) -> dict[str, tuple[int, ...]]:
    w, h = im.size
    return {"tl": im.getpixel((3, 3)), "tr": im.getpixel((w - 4, 3)), "bl": im.getpixel((3, h - 4)),
            "br": im.getpixel((w - 4, h - 4))}  # fmt: skip


def near(pixel, colour, tol=24) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_then_removed(image_factory, orientation):
    path = image_factory(f"ph_orient{orientation}.jpg", size=(120, 160), orientation=orientation)
    photo = open_photo(path)
    assert photo.image.size == ((160, 120) if orientation >= 5 else (120, 160))
    seen = corners(photo.image)
    mark = CORNER_SHOWN[orientation]
    assert near(seen[mark], YELLOW), (mark, seen)
    assert all(near(c, BLUE) for k, c in seen.items() if k != mark), seen
    kept = Image.Exif()
    if photo.exif:
        kept.load(photo.exif)
    assert 0x0112 not in kept


def test_cmyk_jpeg_comes_out_rgb_with_its_colours(image_factory):
    path = image_factory("ph_cmyk.jpg", size=(120, 160), mode="CMYK")
    assert probe_media(path).mode == "CMYK"
    im = open_photo(path).image
    assert im.mode == "RGB"
    assert near(corners(im)["tl"], YELLOW) and near(corners(im)["br"], BLUE)


def test_alpha_flattened_onto_white_or_a_blurred_fill(image_png_alpha):
    im = open_photo(image_png_alpha).image
    assert im.mode == "RGBA"
    op = PhotoOp((400, 400), (0, 0, 400, 400), (0, 0, 400, 400))
    white = render_photo(im, op)
    half = tuple((c + 255) // 2 for c in BLUE)  # 50% blue over white
    assert white.mode == "RGB" and near(white.getpixel((300, 300)), half, 4)
    assert near(white.getpixel((3, 3)), YELLOW, 2)  # the opaque mark is untouched
    blurred = render_photo(im, PhotoOp((400, 400), (0, 0, 400, 400), (0, 0, 400, 400), alpha_fill="blur"))
    assert near(blurred.getpixel((300, 300)), BLUE, 12)


def test_sixteen_bit_scaled_not_clipped(tmp_path):
    path = tmp_path / "grey16.png"
    Image.fromarray(np.full((80, 60), 0x8080, dtype=np.uint16)).save(path)
    assert probe_media(path).mode.startswith("I")
    im = open_photo(path).image
    assert im.mode == "RGB" and near(im.getpixel((10, 10)), (128, 128, 128), 1)  # not clipped to 255


def test_webp_and_heic_read(image_factory):
    for name, fmt in (("ph_photo.webp", None), ("ph_photo.heic", "HEIF")):
        im = open_photo(image_factory(name, size=(120, 160), format=fmt)).image
        assert near(corners(im)["tl"], YELLOW) and near(corners(im)["br"], BLUE), name


@pytest.mark.parametrize("name", ["ph_anim.gif", "ph_anim.webp", "ph_anim.png"])
def test_first_frame_of_an_animation(image_factory, name):
    path = image_factory(name, size=(120, 160), frames=3)
    assert probe_media(path).frame_count == 3
    im = open_photo(path).image
    assert near(corners(im)["br"], BLUE, 30) and not near(corners(im)["br"], RED, 60)


def test_ultrahdr_style_mpo_gives_the_base_picture(tmp_path):
    base = Image.new("RGB", (120, 160), BLUE)
    gain_map = Image.new("RGB", (60, 80), (128, 128, 128))
    path = tmp_path / "ultrahdr.jpg"
    base.save(path, "MPO", save_all=True, append_images=[gain_map])
    facts = probe_media(path)
    assert facts.format == "mpo" and facts.frame_count == 2
    im = open_photo(path).image
    assert im.size == (120, 160) and near(im.getpixel((60, 80)), BLUE, 4)


def _matrix_icc(description: str, colorants, gamma: float) -> bytes:
    """A minimal ICC v2 display profile (matrix and gamma curves), written by hand."""

    def xyz(v):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(c * 65536)) for c in v)

    desc = description.encode() + b"\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(desc)) + desc + b"\0" * 79,
        b"wtpt": xyz((0.9642, 1.0, 0.8249)),
        b"rXYZ": xyz(colorants[0]), b"gXYZ": xyz(colorants[1]), b"bXYZ": xyz(colorants[2]),
        b"rTRC": b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0",
        b"cprt": b"text\0\0\0\0" + b"none\0\0\0\0",
    }  # fmt: skip
    tags[b"gTRC"] = tags[b"bTRC"] = tags[b"rTRC"]
    table, body, offset = b"", b"", 128 + 4 + 12 * len(tags)
    for sig, data in tags.items():
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"none", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">iii", 63190, 65536, 54061)
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body


# Display P3 and sRGB colorants, D50-adapted (as in Apple's and LittleCMS's profiles).
P3 = ((0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841))
SRGB = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))


def test_display_p3_converted_to_srgb(tmp_path):
    colour = (180, 120, 90)
    path = tmp_path / "p3.jpg"
    Image.new("RGB", (64, 64), colour).save(path, quality=100, icc_profile=_matrix_icc("Display P3", P3, 2.2))
    assert probe_media(path).icc_name == "Display P3"
    got = open_photo(path).image.getpixel((32, 32))
    # The same conversion done by hand: P3 -> XYZ (D50) -> linear sRGB -> sRGB's curve.
    linear = (np.array(colour) / 255) ** 2.2
    xyz = np.array(P3).T @ linear
    rgb = np.clip(np.linalg.solve(np.array(SRGB).T, xyz), 0, 1)
    srgb = np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055) * 255
    assert near(got, tuple(round(c) for c in srgb), 4), (got, srgb)
    assert not near(got, colour, 6)  # the numbers did change: P3's red is redder


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_refused_clearly(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(30000, 30000))  # 900 megapixels in 60 bytes
    with pytest.raises(MediaError, match="too large") as info:
        open_photo(path)
    assert info.value.where == str(path)
    with pytest.raises(MediaError, match="too large"):
        probe_media(path)


def test_fit_crop_pad_blur_pixels(image_factory):
    src = open_photo(image_factory("ph_wide.jpg", size=(800, 600))).image
    crop = plan_photo_op((800, 600), "3:4", (1080, 1440), "crop")
    assert crop.box == (175, 0, 625, 600) and crop.canvas == (450, 600)  # never enlarged
    assert render_photo(src, crop).size == (450, 600)
    pad = plan_photo_op((800, 600), "3:4", (1080, 1440), "pad")
    padded = render_photo(src, pad)
    assert pad.canvas == (800, 1066) and padded.size == (800, 1066)
    assert near(padded.getpixel((400, 5)), WHITE, 2) and near(padded.getpixel((400, 533)), BLUE)
    blurred = render_photo(src, plan_photo_op((800, 600), "3:4", (1080, 1440), "blur"))
    assert not near(blurred.getpixel((400, 5)), WHITE, 40)
    big = plan_photo_op((800, 600), "3:4", (1080, 1440), "crop", upscale=True)
    assert big.canvas == (1080, 1440)


PADDED = [((720, 1280), "3:4"), ((1280, 720), "9:16"), ((1280, 720), "1:1"), ((733, 1291), "3:4")]


@pytest.mark.parametrize(("size", "aspect"), PADDED)
def test_blurred_padding_fills_every_pixel_around_the_picture(size, aspect):
    """The blur behind a padded picture is enlarged only where the picture leaves the canvas
    uncovered: every pixel there is painted, as the blurred picture enlarged whole would be."""
    from repost.media.images import _background

    rng = np.random.default_rng(7)
    src = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).resize(size)
    op = plan_photo_op(size, aspect, (1080, 1440), "blur")
    x, y, w, h = op.place
    assert (w, h) != op.canvas  # padded: there is a band to fill
    made = np.asarray(render_photo(src, op), dtype=np.int16)
    whole = np.asarray(_background(src, op.canvas, "blur"), dtype=np.int16)
    outside = np.ones(made.shape[:2], dtype=bool)
    outside[y : y + h, x : x + w] = False
    assert np.abs(made - whole)[outside].max() <= 1
    scaled = np.asarray(src.resize((w, h), Image.Resampling.LANCZOS), dtype=np.int16)
    assert np.array_equal(made[y : y + h, x : x + w], scaled)  # the picture itself, untouched


def test_jpeg_stepped_down_to_fit_the_byte_limit():
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 256, (480, 360, 3), dtype=np.uint8))
    op = PhotoOp((360, 480), (0, 0, 360, 480), (0, 0, 360, 480), max_bytes=60_000)
    data = encode_jpeg(noise, op)
    assert len(encode_jpeg(noise, PhotoOp((360, 480), (0, 0, 360, 480), (0, 0, 360, 480)))) > 60_000
    assert len(data) <= 60_000 and Image.open(io.BytesIO(data)).format == "JPEG"
    with pytest.raises(MediaError, match="under 100 bytes"):
        encode_jpeg(noise, PhotoOp((360, 480), (0, 0, 360, 480), (0, 0, 360, 480), max_bytes=100))


def test_jpeg_without_the_huffman_pass_keeps_pixels_and_the_quality_chosen():
    rng = np.random.default_rng(3)
    picture = Image.fromarray(rng.integers(0, 256, (60, 45, 3), dtype=np.uint8)).resize((360, 480))
    whole = PhotoOp((360, 480), (0, 0, 360, 480), (0, 0, 360, 480))
    fast, best = encode_jpeg(picture, whole, optimize=False), encode_jpeg(picture, whole)
    assert len(fast) > len(best)  # the second pass skipped: larger tables, larger file

    def pixels(data):
        return np.asarray(Image.open(io.BytesIO(data)))

    assert np.array_equal(pixels(fast), pixels(best))  # the same picture, the same quality
    # Where only the optimised tables bring a quality under the limit, they are used for it:
    # the quality chosen does not depend on the pass.
    limited = PhotoOp((360, 480), (0, 0, 360, 480), (0, 0, 360, 480), max_bytes=len(best))
    assert encode_jpeg(picture, limited, optimize=False) == best


def test_unreadable_photo_is_a_media_error(tmp_path):
    path = Path(tmp_path / "broken.jpg")
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(MediaError, match="cannot read image"):
        open_photo(path)


def test_big_jpeg_decoded_small_when_it_ends_up_small(image_factory):
    path = image_factory("ph_big.jpg", size=(1600, 1200), orientation=6)  # shown as 1200x1600
    op = plan_photo_op((1200, 1600), "3:4", (300, 400), "crop", upscale=True)
    assert op.scale == 0.25
    photo = open_photo(path, op.scale)
    assert photo.image.size == (300, 400)  # decoded at 1/4 straight from the JPEG
    fitted = render_photo(photo.image, op)
    assert (
        fitted.size == (300, 400)
        and near(corners(fitted)["tr"], YELLOW)
        and near(corners(fitted)["bl"], BLUE)
    )
    wide = plan_photo_op((1200, 1600), "1:1", (200, 200), "crop", upscale=True)  # box (0, 200, 1200, 1400)
    cropped = render_photo(open_photo(path, wide.scale).image, wide)
    # The mark (rows 0-400 shown) is cut to rows 200-400: 33 of 200 rows, not the 50 it had.
    assert cropped.size == (200, 200) and near(cropped.getpixel((195, 20)), YELLOW)
    assert near(cropped.getpixel((195, 45)), BLUE) and near(fitted.getpixel((295, 45)), YELLOW)
