"""Choosing a platform's language: --lang parsing, code matching, post overrides."""

from types import MappingProxyType

import pytest

from repost.post.model import Post, Translation
from repost.text.languages import choose_texts, match_lang, parse_lang_option


def test_parse_lang_option():
    assert parse_lang_option(None) == {}
    assert parse_lang_option("zh") == {"*": "zh"}
    assert parse_lang_option("rednote=zh, tiktok=pt-BR") == {"rednote": "zh", "tiktok": "pt-BR"}
    for bad in ("chinese!", "Red Note=zh", "rednote=", "=zh-"):
        with pytest.raises(ValueError, match="is not LANG or PLATFORM=LANG"):
            parse_lang_option(bad)


def test_match_lang_by_code_then_primary_subtag():
    assert match_lang("zh", ["en", "zh-Hans"]) == "zh-Hans"
    assert match_lang("zh-CN", ["zh", "en"]) == "zh"
    assert match_lang("EN", ["en"]) == "en"
    assert match_lang("fr", ["en", None]) is None


def test_an_override_with_its_own_text_is_in_the_language_it_names(profiles):
    post = Post(
        id="p",
        caption="The sky went violet.",
        lang="en",
        translations=MappingProxyType({"ja": Translation(caption="空が紫色に。")}),
        platforms=MappingProxyType({"rednote": MappingProxyType({"lang": "zh", "caption": "天空变紫了。"})}),
    )
    choice = choose_texts(post, profiles["rednote"], {}, bilingual=True)
    assert (choice.primary.lang, choice.primary.caption) == ("zh", "天空变紫了。")
    # the override replaced the en text on RedNote: the other language left is the translation
    assert choice.secondary.lang == "ja" and not choice.warnings
    plain = choose_texts(post, profiles["tiktok"], {"*": "ja"}, bilingual=False)
    assert (plain.primary.lang, plain.primary.caption) == ("ja", "空が紫色に。")
