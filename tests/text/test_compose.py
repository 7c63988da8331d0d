"""A post's texts per platform: golden cases, titles, hashtags and overflow, mentions, languages,
and the property that what compose writes is what validate accepts (one counter serves both)."""

import dataclasses
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repost.post.model import Post, Translation
from repost.text.check import check_texts
from repost.text.compose import TextOptions, compose_texts
from repost.text.count import count_text
from repost.text.tags import find_hashtags, find_mentions

PLATFORMS = ["tiktok", "reels", "rednote", "lemon8"]


def frozen(d):
    return MappingProxyType({k: frozen(v) if isinstance(v, dict) else v for k, v in d.items()})


def make_post(**fields) -> Post:
    for key in ("mentions", "platforms", "translations"):
        if key in fields:
            fields[key] = frozen(fields[key])
    return Post(id="p", **fields)


SUNSET = make_post(
    title="Golden hour walk 🌅",
    caption="Golden hour on the pier tonight. The sky went from peach to violet.\r\n\r\n\r\n"
    "Tell me below 👇 @sunsetfan  \n\n#sunset #Pier\n",
    hashtags=("sunset", "goldenhour", "日落"),
    mentions={"sunsetfan": {"tiktok": "sunset_fan_tt"}},
)
BODY = "Golden hour on the pier tonight. The sky went from peach to violet.\n\nTell me below 👇 @{}"
TAGS = "\n\n#sunset #goldenhour #日落 #Pier"
TITLE_LINE = "title written as the caption's first line (this platform has no title field)"
TOPICS = "hashtags written as plain #tag text; pick each from the app's topic list (hashtags.txt)"


def unmapped(name):
    return (
        f"@sunsetfan has no {name} handle in post.yaml's mentions: "
        f"(left as written; it may be someone else on {name})"
    )


@pytest.mark.parametrize(
    ("pid", "title", "caption", "changes", "warnings"),
    [
        ("tiktok", None, "Golden hour walk 🌅\n" + BODY.format("sunset_fan_tt") + TAGS, [TITLE_LINE], []),
        ("reels", None, "Golden hour walk 🌅\n" + BODY.format("sunsetfan") + TAGS, [TITLE_LINE],
         [unmapped("Instagram Reels")]),
        ("rednote", "Golden hour walk 🌅", BODY.format("sunsetfan") + TAGS, [TOPICS], [unmapped("RedNote")]),
        ("lemon8", "Golden hour walk 🌅", BODY.format("sunsetfan") + TAGS, [], [unmapped("Lemon8")]),
    ],
)  # fmt: skip
def test_golden_short_post_per_platform(profiles, pid, title, caption, changes, warnings):
    texts = compose_texts(SUNSET, profiles[pid], "video")
    assert (texts.title, texts.caption) == (title, caption)
    assert texts.hashtags == ("sunset", "goldenhour", "日落", "Pier")
    assert (list(texts.changes), list(texts.warnings)) == (changes, warnings)


SENTENCE = "We walked by the river 🐱 and the light went gold over the water. "
LONG = make_post(caption=SENTENCE * 40, hashtags=("kyoto",))  # 2,600 code points, 2,640 UTF-16 units


@pytest.mark.parametrize(
    ("pid", "change"),
    [
        ("tiktok", None),  # 4,000 in the app
        ("reels", "caption cut at a sentence end, 2,607 to 2,154 characters"),
        ("lemon8", "caption cut at a sentence end, 2,647 to 2,187 UTF-16 units"),
        ("rednote", "caption cut at a sentence end, 2,647 to 999 UTF-16 units"),
    ],
)
def test_golden_long_caption_is_cut_as_each_platform_counts(profiles, pid, change):
    profile = profiles[pid]
    texts = compose_texts(LONG, profile, "video")
    rule = profile.text.caption
    assert count_text(texts.caption, rule.count) <= rule.max_length
    assert texts.counts["caption"] == {
        "count": count_text(texts.caption, rule.count),
        "limit": rule.max_length,
        "unit": rule.count,
    }
    cuts = [c for c in texts.changes if c.startswith("caption cut")]
    assert cuts == ([change] if change else [])
    assert texts.caption.endswith("water. …\n\n#kyoto" if change else "water.\n\n#kyoto")


# --- titles -----------------------------------------------------------------------------------


def test_rednote_title_is_fitted_by_its_weighted_count(profiles):
    post = make_post(title="Cats at sunset on the Kamo river in Kyoto tonight", caption="x")
    texts = compose_texts(post, profiles["rednote"], "video")
    assert texts.title == "Cats at sunset on the Kamo river in…"
    # 35 ASCII characters weigh 17.5 and the ellipsis 1: 19 when rounded up
    assert count_text(texts.title, "rednote_weighted") == 19 <= 20
    assert "title cut at a word boundary, 25 to 19 weighted characters" in texts.changes


def test_title_made_from_the_first_sentence(profiles):
    post = make_post(caption="Evening with the #cats. We stayed out late!\n#kyoto")
    texts = compose_texts(post, profiles["rednote"], "photos")
    assert texts.title == "Evening with the cats"
    assert "title made from the caption's first sentence" in texts.changes
    chinese = make_post(caption="今天和猫咪一起看日落。真的很美")
    assert compose_texts(chinese, profiles["rednote"], "photos").title == "今天和猫咪一起看日落"


def test_no_title_and_no_sentence_warns(profiles):
    texts = compose_texts(make_post(caption="#cats #kyoto"), profiles["rednote"], "photos")
    assert texts.title is None
    assert "no title: RedNote has a title field; add title: to post.yaml" in texts.warnings


def test_tiktok_photo_posts_take_a_title_and_videos_a_first_line(profiles):
    post = make_post(title="Matcha morning", caption="Whisked at dawn.")
    photos = compose_texts(post, profiles["tiktok"], "photos")
    video = compose_texts(post, profiles["tiktok"], "video")
    assert (photos.title, photos.caption) == ("Matcha morning", "Whisked at dawn.")
    assert (video.title, video.caption) == (None, "Matcha morning\nWhisked at dawn.")


def test_title_line_opt_out_and_no_duplicate(profiles):
    post = make_post(title="Matcha morning", caption="Whisked at dawn.", platforms={"reels": {"title": ""}})
    assert compose_texts(post, profiles["reels"], "video").caption == "Whisked at dawn."
    assert compose_texts(post, profiles["tiktok"], "video").caption.startswith("Matcha morning\n")
    no_title = dataclasses.replace(post, platforms=frozen({"rednote": {"title": ""}}))
    assert compose_texts(no_title, profiles["rednote"], "video").title is None  # "" means none there
    opens = make_post(title="Matcha morning", caption="Matcha morning: whisked at dawn.")
    assert compose_texts(opens, profiles["reels"], "video").caption == "Matcha morning: whisked at dawn."


# --- hashtags ---------------------------------------------------------------------------------

FORTY = tuple(f"tag{i:02d}" for i in range(40))


def test_hashtag_list_is_key_first_then_caption_deduplicated(profiles):
    post = make_post(caption="Cute #cats and #CATS\n#猫咪 #Kyoto", hashtags=("Cats", "#kyoto", "New York"))
    texts = compose_texts(post, profiles["tiktok"], "video")
    assert texts.hashtags == ("Cats", "kyoto", "NewYork", "猫咪")
    assert "hashtag 'New York' written as #NewYork" in texts.changes
    assert texts.caption == "Cute #cats and #CATS\n\n#kyoto #NewYork #猫咪"


@pytest.mark.parametrize(("pid", "limit"), [("reels", 30), ("rednote", 10), ("lemon8", 10)])
def test_limits_keep_order_and_drop_the_rest_with_a_note(profiles, pid, limit):
    texts = compose_texts(make_post(caption="Hi.", hashtags=FORTY), profiles[pid], "video")
    assert texts.hashtags == FORTY[:limit]
    assert find_hashtags(texts.caption) == list(FORTY[:limit])
    assert texts.comment is None
    note = next(c for c in texts.changes if c.startswith("hashtags: kept"))
    assert note.startswith(f"hashtags: kept {limit} of 40 for {profiles[pid].name}; dropped #tag{limit:02d} ")


def test_overflow_to_a_first_comment(profiles):
    texts = compose_texts(
        make_post(caption="Hi.", hashtags=FORTY), profiles["reels"], "video", TextOptions(overflow="comment")
    )
    assert texts.comment == " ".join("#" + t for t in FORTY[30:])
    assert any("written to comment.txt" in c for c in texts.changes)
    assert texts.to_dict()["comment"] == texts.comment


def test_overflowing_inline_tags_become_words_and_tag_lines_lose_them(profiles):
    post = make_post(caption="I love #cats and #sunsets.\n\n#extra", hashtags=FORTY[:9])
    texts = compose_texts(post, profiles["rednote"], "video")
    # list: 9 key tags, then cats (10th), sunsets and extra over the limit
    assert texts.caption.startswith("I love #cats and sunsets.\n\n#tag00")
    assert "#extra" not in texts.caption and "#sunsets" not in texts.caption


def test_rednote_topic_markup_is_written_plain(profiles):
    post = make_post(caption="可爱 #猫咪[话题]# 的一天")
    texts = compose_texts(post, profiles["rednote"], "photos")
    assert texts.caption == "可爱 #猫咪 的一天" and texts.hashtags == ("猫咪",)


def with_style(p, style):
    return dataclasses.replace(p, text=dataclasses.replace(p.text, hashtag_style=style))


def test_append_gathers_trailing_tags_inline_keeps_them_as_written(profiles):
    post = make_post(caption="Hello #a\n\n#b #c", hashtags=("d",))
    append = compose_texts(post, with_style(profiles["reels"], "append"), "video").caption
    inline = compose_texts(post, with_style(profiles["reels"], "inline"), "video").caption
    assert append == "Hello #a\n\n#d #b #c"
    assert inline == "Hello #a\n\n#b #c\n\n#d"


def test_a_cut_that_takes_an_inline_tag_appends_it(profiles):
    post = make_post(caption="Start. " + "Words go on and on. " * 80 + "The end with #late")
    texts = compose_texts(post, profiles["rednote"], "video")
    assert texts.caption.endswith("…\n\n#late") and count_text(texts.caption, "utf16") <= 1000


# --- mentions ---------------------------------------------------------------------------------


def test_mentions_are_mapped_per_platform_and_limited(profiles):
    handles = [f"friend{i}" for i in range(22)]
    post = make_post(
        caption="Thanks @Ana and @bo! " + " ".join("@" + h for h in handles),
        mentions={"ana": {"tiktok": "ana_tt", "reels": "ana.ig"}, "bo": {}},
    )
    tiktok = compose_texts(post, profiles["tiktok"], "video")
    assert tiktok.caption.startswith("Thanks @ana_tt and @bo! ")
    reels = compose_texts(post, profiles["reels"], "video")
    assert reels.caption.startswith("Thanks @ana.ig and @bo! ")
    assert len(set(find_mentions(reels.caption))) == 20
    assert reels.caption.endswith("@friend17 friend18 friend19 friend20 friend21")
    assert any(c.startswith("mentions over Instagram Reels's 20") for c in reels.changes)
    rednote = compose_texts(post, profiles["rednote"], "video")
    assert any(w.startswith("@Ana has no RedNote handle") for w in rednote.warnings)
    assert not any(w.startswith("@bo ") for w in rednote.warnings)  # listed: the same everywhere


def test_demoting_a_sigil_never_makes_another(profiles):
    # '#@friend20' is a mention after a '#': without its '@' it would become a new hashtag
    handles = " ".join(f"@friend{i}" for i in range(20))
    post = make_post(caption=f"{handles} #@friend20 @#late")
    texts = compose_texts(post, profiles["reels"], "video")
    assert "#friend20" not in texts.caption and "@late" not in texts.caption
    assert not check_texts(profiles["reels"], texts.caption, None, list(texts.hashtags), "video")


# --- languages --------------------------------------------------------------------------------

BILINGUAL = make_post(
    title="Golden hour",
    caption="The sky went violet.",
    lang="en",
    translations={"zh": Translation(title="黄昏", caption="天空变成了紫色。")},
)


def test_profile_preference_chooses_the_language(profiles):
    assert compose_texts(BILINGUAL, profiles["rednote"], "video").title == "黄昏"
    assert (
        compose_texts(BILINGUAL, profiles["tiktok"], "video").caption == "Golden hour\nThe sky went violet."
    )


def test_command_line_and_post_override_the_preference(profiles):
    zh = compose_texts(BILINGUAL, profiles["tiktok"], "video", TextOptions(lang={"*": "zh"}))
    assert zh.caption == "黄昏\n天空变成了紫色。" and zh.lang == "zh"
    only_rednote = compose_texts(BILINGUAL, profiles["rednote"], "video", TextOptions(lang={"rednote": "en"}))
    assert only_rednote.title == "Golden hour"
    post = dataclasses.replace(BILINGUAL, platforms=frozen({"reels": {"lang": "zh"}}))
    assert compose_texts(post, profiles["reels"], "video").caption == "黄昏\n天空变成了紫色。"
    missing = compose_texts(BILINGUAL, profiles["reels"], "video", TextOptions(lang={"*": "fr"}))
    assert "no fr text for Instagram Reels (the post has: en, zh); used en" in missing.warnings


def test_bilingual_caption_where_it_fits(profiles):
    texts = compose_texts(BILINGUAL, profiles["rednote"], "video", TextOptions(bilingual=True))
    assert texts.caption == "天空变成了紫色。\n\nThe sky went violet." and texts.lang == "zh+en"
    long = dataclasses.replace(BILINGUAL, caption="The sky went violet. " * 60)
    texts = compose_texts(long, profiles["rednote"], "video", TextOptions(bilingual=True))
    assert texts.caption == "天空变成了紫色。" and texts.lang == "zh"
    assert any(w.startswith("--bilingual: zh and en together do not fit") for w in texts.warnings)


# --- what compose writes, validate accepts ----------------------------------------------------

words = st.text(alphabet="abcdefgh 猫咪日落🐱.!,\n", min_size=1, max_size=30)
pieces = st.one_of(
    words,
    st.sampled_from(
        ["👨\u200d👩\u200d👧", "🇯🇵", " #tag", " #猫咪", " @bob", " https://x.com/a", " #@m", " @#t", "#"]
    ),
    st.text(max_size=3),  # anything: marks, controls, joiners
)


@settings(max_examples=25, deadline=None)
@given(
    caption=st.lists(pieces, max_size=200).map("".join),
    tags=st.lists(st.text(alphabet="abcxyz猫", min_size=1, max_size=8), max_size=45),
    title=st.one_of(st.none(), st.text(alphabet="Kyoto 京都的猫🐱", max_size=40)),
    kind=st.sampled_from(["video", "photos"]),
)
def test_composed_texts_pass_validate_on_every_platform(profiles, caption, tags, title, kind):
    post = make_post(caption=caption, hashtags=tuple(tags), title=title)
    for pid in PLATFORMS:
        profile = profiles[pid]
        texts = compose_texts(post, profile, kind, TextOptions(overflow="comment"))
        findings = check_texts(profile, texts.caption, texts.title, list(texts.hashtags), kind)
        assert not [f for f in findings if f.severity == "error"], (pid, findings)
        rule = profile.text.caption
        assert texts.counts["caption"]["count"] == count_text(texts.caption, rule.count) <= rule.max_length
