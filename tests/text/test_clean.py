"""Clean text: NFC, LF, no trailing spaces or blank runs, no stray invisibles, emoji ZWJ kept."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repost.text.clean import clean_line, clean_tag, clean_text

FAMILY = "👨\u200d👩\u200d👧"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cafe\u0301", "café"),  # NFC: e + combining acute -> é
        ("cafe\u200b\u0301", "café"),  # composed once the stray zero-width space is gone
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("trailing   \nspaces\t", "trailing\nspaces"),
        ("a\n\n\n\n\nb", "a\n\nb"),  # at most one blank line in a row
        ("\n\n  \nbody\n\n", "body"),
        ("zero\u200bwidth\ufeff and\u2060 joiner", "zerowidth and joiner"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("half \ud83d emoji", "half  emoji"),  # a lone surrogate cannot be encoded anywhere
        (f"family {FAMILY} stays", f"family {FAMILY} stays"),  # ZWJ inside an emoji sequence
        ("👩🏽\u200d💻 coder", "👩🏽\u200d💻 coder"),  # ZWJ after a skin tone
        ("❤\ufe0f\u200d🔥", "❤\ufe0f\u200d🔥"),  # ZWJ after a variation selector
        ("stray\u200d joiner \u200d", "stray joiner"),  # ZWJ joining nothing
        ("क्\u200dष", "क्\u200dष"),  # Devanagari half form: ZWJ between letters and marks kept
        ("line\u2028sep\u2029para", "line\nsep\n\npara"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_clean_line_and_tag():
    assert clean_line("  Golden\nhour \u200b walk  ") == "Golden hour walk"
    assert clean_tag("#New York!") == "NewYork"
    assert clean_tag("猫咪") == "猫咪"
    assert clean_tag("#") == ""


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_clean_text_properties(raw):
    out = clean_text(raw)
    assert clean_text(out) == out  # idempotent
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\n\n\n" not in out
    assert all(line == line.rstrip() for line in out.split("\n"))
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in out)
    assert not set(out) & {"\u200b", "\ufeff", "\u2060"}
