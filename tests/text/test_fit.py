"""Fitting: whole where it fits; else cut where a person would, never inside a grapheme cluster,
a hashtag, a mention or a URL, and never over the limit by the platform's count."""

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from repost.text.count import COUNTERS, count_text
from repost.text.fit import ELLIPSIS, describe_cut, fit_text
from repost.text.tags import HASHTAG_RE, MENTION_RE

EMOJI = ["👨\u200d👩\u200d👧", "🇯🇵", "👍🏽", "❤\ufe0f\u200d🔥", "🏳\ufe0f\u200d🌈", "🐱", "1\ufe0f\u20e3",
         "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"]  # fmt: skip
SEPARATORS = [" ", " ", "\n", ". ", "! ", "? ", ", ", "。", "，", "！", "\n\n", "… "]
# What the test calls a URL (its own definition, not the code's): scheme, then these characters.
TEST_URL_RE = regex.compile(r"https?://[A-Za-z0-9./_-]+")

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü", min_size=1, max_size=12)
cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=8)
tags = st.builds(lambda a, b: f"#{a}{b}", words, st.sampled_from(["", "猫咪", "日落", "_2025"]))
mentions = st.builds(lambda a: f"@{a}", words)
urls = st.builds(lambda a, b: f"https://{a}.com/{b}", words, st.text(alphabet="abc/._-09", max_size=30))
pieces = st.one_of(
    words, words, cjk, st.sampled_from(EMOJI), tags, mentions, urls, st.sampled_from(SEPARATORS),
    st.text(max_size=4),  # anything at all: combining marks, controls, private use
)  # fmt: skip
texts = st.lists(pieces, max_size=60).map("".join)


def unbreakable_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for rx in (HASHTAG_RE, MENTION_RE) for m in rx.finditer(text)]
    for m in TEST_URL_RE.finditer(text):
        end = m.start() + len(m.group().rstrip("./_-"))  # trailing punctuation is the sentence's
        spans.append((m.start(), end))
    return spans


def assert_whole_pieces(text: str, fitted) -> None:
    """The fitted text is the source's first ``kept`` code points plus an ellipsis, and ``kept``
    falls between grapheme clusters and outside every hashtag, mention and URL."""
    body = text[: fitted.kept]
    assert fitted.text in (body, body + ELLIPSIS, body + " " + ELLIPSIS)
    cluster_bounds = {m.start() for m in regex.finditer(r"\X", text)} | {len(text)}
    assert fitted.kept in cluster_bounds
    for start, end in unbreakable_spans(text):
        assert not start < fitted.kept < end, (text[start:end], fitted.text)
    # The clusters kept are the source's own (no emoji came out as a different picture).
    assert regex.findall(r"\X", body) == regex.findall(r"\X", text)[: len(regex.findall(r"\X", body))]


@settings(max_examples=250, deadline=None)
@given(texts, st.integers(min_value=0, max_value=400), st.sampled_from(sorted(COUNTERS)))
def test_fitted_text_is_within_the_limit_and_whole_pieces(text, limit, counter):
    fitted = fit_text(text, limit, counter)
    assert count_text(fitted.text, counter) <= limit
    assert fitted.count == count_text(fitted.text, counter)
    if count_text(text, counter) <= limit:
        assert fitted.text == text and not fitted.cut
    else:
        assert fitted.cut
        assert_whole_pieces(text, fitted)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(EMOJI), min_size=1, max_size=40).map("".join), st.integers(1, 40))
def test_emoji_runs_are_cut_between_sequences(text, limit):
    for counter in ("utf16", "chars", "graphemes"):
        fitted = fit_text(text, limit, counter)
        assert count_text(fitted.text, counter) <= limit
        if fitted.cut:
            assert_whole_pieces(text, fitted)


LONG = (
    "We walked along the river at dusk. The cats followed us all the way home, and the sky "
    "turned violet over the bridge. Tomorrow we go again."
)


@pytest.mark.parametrize(
    ("text", "limit", "counter", "expected", "how"),
    [
        (LONG, 120, "chars", "We walked along the river at dusk. The cats followed us all the way home, "
         "and the sky turned violet over the bridge. …", "sentence"),
        (LONG, 60, "chars", "We walked along the river at dusk. The cats followed us all…", "word"),
        (LONG, 40, "chars", "We walked along the river at dusk. …", "sentence"),
        ("今天和猫咪一起看了京都的日落，真的太美了。我们沿着河边散步", 25, "utf16",
         "今天和猫咪一起看了京都的日落，真的太美了。…", "sentence"),
        ("今天和猫咪一起看了京都的日落，真的太美了", 16, "utf16",
         "今天和猫咪一起看了京都的日落…", "punctuation"),
        ("今天和猫咪一起看了京都的日落真的太美了", 10, "utf16", "今天和猫咪一起看了…", "cjk"),
        ("京都的猫咪和鸭川的黄昏，一个特别安静美丽的夜晚", 20, "rednote_weighted",
         "京都的猫咪和鸭川的黄昏…", "punctuation"),
        ("Read more at https://example.com/a/very/long/path/page.html today", 40, "chars",
         "Read more at…", "word"),
        ("Sunset with #goldenhourlovers forever", 25, "chars", "Sunset with…", "word"),
        ("Ask @someone_with_a_long_handle about it", 25, "utf16", "Ask…", "word"),
        ("🐱" * 10, 7, "utf16", "🐱🐱🐱…", "character"),
        ("Supercalifragilisticexpialidocious", 10, "chars", "Supercali…", "character"),
    ],
)  # fmt: skip
def test_golden_cuts(text, limit, counter, expected, how):
    fitted = fit_text(text, limit, counter)
    assert (fitted.text, fitted.how) == (expected, how)


def test_fits_whole_and_describes_a_cut():
    assert fit_text(LONG, len(LONG), "chars").text == LONG
    fitted = fit_text("One sentence here. " * 200, 2180, "chars")
    assert describe_cut("caption", fitted, "chars") == (
        f"caption cut at a sentence end, 3,800 to {fitted.count:,} characters"
    )
    assert fitted.count <= 2180 and fitted.text.endswith("here. …")


def test_limit_below_an_ellipsis_gives_nothing():
    assert fit_text("abc", 0, "chars").text == ""
    assert fit_text("abc", 1, "utf8_bytes").text == ""  # '…' is 3 bytes
