"""Tags that fit each platform: in the text's language first, a person's per-language tags,
never another platform's own tags (#fyp off RedNote and Reels); --bilingual repeats no line."""

from __future__ import annotations

import dataclasses

import pytest

from repost.platforms.profiles import load_profiles
from repost.post.model import Translation
from repost.text.compose import TextOptions, compose_texts
from repost.text.tagchoice import in_language_first, tag_script, text_script

pytestmark = pytest.mark.timeout(60)

ENGLISH_TAGS = tuple(f"tag{i}" for i in range(12))


def _post(**fields):
    from types import MappingProxyType

    from repost.post.model import Post

    if "translations" in fields:
        fields["translations"] = MappingProxyType(fields["translations"])
    return Post(id="p", **fields)


def test_scripts_and_order():
    assert (tag_script("日落"), tag_script("さくら"), tag_script("노을"), tag_script("sunset")) == (
        "zh",
        "ja",
        "ko",
        None,
    )
    assert text_script("今晚码头的黄昏 很美 with me") == "zh" and text_script("Sunset 日落") is None
    assert in_language_first(["a", "日落", "b", "黄昏"], "zh") == ["日落", "黄昏", "a", "b"]
    assert in_language_first(["日落", "a"], "en") == ["a", "日落"]
    assert in_language_first(["日落", "a"], None) == ["日落", "a"]  # language unknown: as written


def test_a_chinese_post_keeps_its_chinese_tags_on_rednote():
    """The walkthrough's case: 12 English tags listed first, then Chinese ones, a Chinese
    caption and no `lang`: RedNote (10 topics) used to keep only English tags."""
    caption = "今晚码头的黄昏很美，天空从桃色变成紫色。"
    post = _post(caption=caption, hashtags=(*ENGLISH_TAGS, "日落", "黄昏"))
    texts = compose_texts(post, load_profiles()["rednote"], "video")
    assert texts.hashtags[:2] == ("日落", "黄昏") and len(texts.hashtags) == 10


@pytest.mark.parametrize(
    "pid,kept", [("tiktok", True), ("reels", False), ("rednote", False), ("lemon8", False)]
)
def test_tiktok_only_tags_stay_on_tiktok(pid, kept):
    post = _post(caption="Sunset walk #fyp\n\n#foryou", hashtags=("sunset", "fyp", "foryoupage"))
    texts = compose_texts(post, load_profiles()[pid], "video")
    has = {"fyp", "foryou", "foryoupage"} & {t.casefold() for t in texts.hashtags}
    assert bool(has) == kept
    if not kept:
        assert "#fyp" not in texts.caption and "#foryou" not in texts.caption
        assert any("another platform only" in c and "#fyp" in c for c in texts.changes)


def test_a_persons_tags_for_a_language_come_first_and_a_draft_is_only_suggested():
    zh = Translation(title="黄昏", caption="今晚码头的黄昏很美。", hashtags=("码头", "黄昏"))
    post = _post(
        caption="Sunset on the pier.", lang="en", hashtags=("sunset", "pier"), translations={"zh": zh}
    )
    rednote = load_profiles()["rednote"]
    texts = compose_texts(post, rednote, "video")
    assert texts.lang == "zh" and texts.hashtags[:2] == ("码头", "黄昏") and not texts.suggested
    draft = dataclasses.replace(zh, machine={"engine": "deepl", "date": "2026-12-02", "fields": ["hashtags"]})
    post = dataclasses.replace(post, translations={"zh": draft})
    texts = compose_texts(post, rednote, "video")
    assert "码头" not in texts.hashtags and [t["topic"] for t in texts.suggested] == ["码头", "黄昏"]


def test_bilingual_repeats_no_line():
    zh = Translation(caption="今晚码头的黄昏很美。\nGolden hour 🌅")
    post = _post(caption="Sunset on the pier.\nGolden hour 🌅", lang="en", translations={"zh": zh})
    texts = compose_texts(post, load_profiles()["tiktok"], "video", TextOptions(bilingual=True))
    assert texts.caption.count("Golden hour 🌅") == 1 and "今晚码头的黄昏很美。" in texts.caption
