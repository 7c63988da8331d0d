"""The Shorts title sent to YouTube: fitted to its 100-code-point limit as captions are, never
cutting inside an emoji sequence, and without < or >."""

from pathlib import Path

import regex

from repost.publish.integrity import Bundle
from repost.publish.youtube import title_of
from repost.text.count import count_text

# A family (4 people joined by ZWJs: 7 code points), a technologist with a skin tone (4), a
# thumbs-up with a skin tone (2) and a rainbow flag (4): 17 code points a round, never 100 whole.
ROUND = "👨‍👩‍👧‍👦👩🏽‍💻👍🏿🏳️‍🌈"


def bundle(title: str | None, caption: str = "") -> Bundle:
    return Bundle(Path("b"), "shorts", "p", "video", (), caption, title, 3.0)


def test_an_emoji_title_is_cut_between_whole_emoji(profiles):
    field = profiles["shorts"].text.title
    source = "Mood " + ROUND * 8  # 141 code points
    title = title_of(bundle(source), profiles["shorts"])
    assert count_text(title, field.count) <= field.max_length < count_text(source, field.count)
    assert title.endswith("…")
    kept = regex.findall(r"\X", title.removesuffix("…").rstrip())
    # The graphemes kept are the source's first ones, each whole: no broken family, no lone tone.
    assert kept == regex.findall(r"\X", source)[: len(kept)]
    # Cut one code point at a time (as before), the title ended inside a sequence here.
    assert regex.findall(r"\X", source[:100])[-1] not in regex.findall(r"\X", ROUND)


def test_a_title_that_fits_is_sent_as_it_is_less_angle_brackets(profiles):
    assert title_of(bundle("Kyoto <3 " + ROUND), profiles["shorts"]) == "Kyoto 3 " + ROUND
    assert title_of(bundle(None, "First line\nsecond"), profiles["shorts"]) == "First line"
