"""Counters as the platforms count: UTF-16 units, code points, graphemes, bytes, RedNote's weight."""

import pytest

from repost.text.count import count_text
from repost.text.fit import fit_text

FAMILY = "👨‍👩‍👧"  # three people joined by ZWJ: 5 code points, 8 UTF-16 units, 1 grapheme


@pytest.mark.parametrize(
    ("text", "counter", "expected"),
    [
        ("hello", "utf16", 5),
        ("🐱", "utf16", 2),
        (FAMILY, "utf16", 8),
        (FAMILY, "chars", 5),
        (FAMILY, "graphemes", 1),
        ("🇯🇵", "graphemes", 1),
        ("猫", "utf8_bytes", 3),
        ("abcd", "rednote_weighted", 2),  # ASCII weighs half
        ("abc", "rednote_weighted", 2),  # rounded up
        ("小红书", "rednote_weighted", 3),
        ("a小", "rednote_weighted", 2),  # 1 + 2 = 3 halves -> 2
        ("🐱", "rednote_weighted", 2),  # a surrogate pair: two units of weight 2
    ],
)
def test_counters(text, counter, expected):
    assert count_text(text, counter) == expected


def test_fit_keeps_text_that_fits():
    fitted = fit_text("short and sweet", 100, "utf16")
    assert fitted.text == "short and sweet" and not fitted.cut


@pytest.mark.parametrize("counter", ["utf16", "chars", "graphemes", "utf8_bytes", "rednote_weighted"])
def test_fit_never_exceeds_or_splits_a_grapheme(counter):
    text = ("cats " + FAMILY + " 小红书 🇯🇵 ") * 20
    for limit in (5, 9, 17, 40):
        fitted = fit_text(text, limit, counter)
        assert fitted.cut and count_text(fitted.text, counter) <= limit
        assert fitted.text.endswith("…")
        # every cluster of the result is a whole cluster of the source
        assert FAMILY[:2] not in fitted.text.replace(FAMILY, "")
