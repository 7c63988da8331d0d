"""The pure photo fit: canvases validate takes at every profile's aspects, and too-thin pictures refused."""

import itertools

import pytest

from repost.errors import DoesNotFitError
from repost.plan.photo import choose_aspect, frame_for, plan_photo_op, whole_size
from repost.platforms.rules import check_geometry

# Phone photos, screenshots, and the small ones (70x100 became 76x100 at 3:4 with even rounding).
SIZES = [(4032, 3024), (1080, 1350), (1080, 566), (320, 400), (301, 401), (70, 100), (40, 60), (10, 14)]


def _frame(rules, aspect):
    return frame_for(aspect, rules)


def test_every_photo_canvas_passes_validate(photo_profile):
    rules = photo_profile.image
    for size, fit, aspect in itertools.product(SIZES, ("crop", "pad", "blur"), rules.aspects):
        frame = _frame(rules, aspect)
        try:
            op = plan_photo_op(size, aspect, frame, fit, tolerance=rules.aspect_tolerance)
        except DoesNotFitError:
            assert max(size) < 16 and fit == "crop", (size, aspect)  # 10x14 crops to 8x14 at 9:16
            continue
        case = (size, fit, aspect, op.canvas)
        assert not check_geometry("01.jpg", *op.canvas, rules), case
        assert op.canvas[0] <= frame[0] and op.canvas[1] <= frame[1], case
        x, y, w, h = op.place
        assert w >= 1 and h >= 1 and x + w <= op.canvas[0] and y + h <= op.canvas[1], case


def test_small_photos_keep_their_size_at_the_exact_aspect(profiles):
    rules = profiles["rednote"].image
    fitted = {
        size: plan_photo_op(size, "3:4", (1080, 1440), "pad", tolerance=rules.aspect_tolerance).canvas
        for size in [(70, 100), (40, 60), (10, 14), (300, 400), (800, 600)]
    }
    # 75x100 and 45x60 rounded whole; 12x16 the exact multiple of 3:4 that holds the 10x14
    # picture (the one within it, 9x12, shrank the picture: the size policy never does that);
    # the rest as they always were.
    assert fitted == {
        (70, 100): (75, 100),
        (40, 60): (45, 60),
        (10, 14): (12, 16),
        (300, 400): (300, 400),
        (800, 600): (800, 1066),
    }


def test_whole_size_keeps_even_sides_where_they_fit_and_never_enlarges():
    assert whole_size("9:16", 300, 533.3, 0.01) == (300, 534)  # even and within 1%: as before
    assert whole_size("3:4", 75, 100, 0.01) == (75, 100)  # 76x100 would be 1.3% off
    assert whole_size("9:16", 10, 17.8, 0.01) == (9, 16)  # rounding misses; the multiple below
    assert whole_size("3:4", 10.5, 14, 0.0) == (9, 12)
    assert whole_size("3:4", 2.25, 3, 0.01) is None  # under 3x4: no whole 3:4 picture fits


@pytest.mark.parametrize("upscale", [False, True])
@pytest.mark.parametrize("fit", ["crop", "pad", "blur"])
def test_a_too_thin_picture_is_refused_in_words(profiles, fit, upscale):
    # Photos (a tolerance), covers and slideshow frames (none) alike: no Pillow error later.
    for tolerance in (0.01, None):
        for size, aspect in [((5000, 1), "4:3"), ((5000, 1), "3:4"), ((1, 5000), "9:16")]:
            frame = _frame(profiles["tiktok"].image, aspect)
            message = f"{size[0]}x{size[1]} is too thin to fit {aspect}"
            with pytest.raises(DoesNotFitError, match=message):
                plan_photo_op(size, aspect, frame, fit, upscale=upscale, tolerance=tolerance)


def test_rednote_takes_a_5000x1_strip_as_4_3_and_still_refuses_it(profiles):
    rules = profiles["rednote"].image
    aspect = choose_aspect(5000, 1, rules)
    assert aspect == "4:3"
    with pytest.raises(DoesNotFitError) as info:
        plan_photo_op((5000, 1), aspect, _frame(rules, aspect), rules.fit, tolerance=rules.aspect_tolerance)
    assert info.value.reasons == ("5000x1 is too thin to fit 4:3",)
