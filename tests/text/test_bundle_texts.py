"""Texts in real bundles: the issue's "done means" (a long bilingual caption with 40 hashtags, emoji
and a Chinese title to all four platforms), comment.txt for overflow, and the text options."""

import json

import pytest
import regex
import yaml

from repost.platforms.profiles import load_profiles
from repost.text.count import count_text
from repost.text.tagchoice import in_language_first, text_script

PLATFORMS = ["lemon8", "rednote", "reels", "tiktok"]
FAMILY = "👨\u200d👩\u200d👧"
EN = (
    "We spent the whole evening by the Kamo river with the cats 🐱, watching the light change over "
    f"the water. A {FAMILY} family had a picnic on the bank and waved at us 👋🏽. "
    "Tomorrow we try the temple at dawn 🇯🇵, if the weather holds! More at https://example.com/kyoto. "
)
ZH = (
    "我们在鸭川边和猫咪待了一整个晚上，看着水面上的光慢慢变化。"
    "桥上的老爷爷向我们挥手👩🏽\u200d💻。明天如果天气好，我们去看寺庙的日出！"
)
TITLE = "京都的猫咪和鸭川的黄昏，一个特别安静美丽的夜晚"  # 23 CJK characters: over RedNote's 20


def long_post() -> dict:
    paragraphs, n = [], 0
    while sum(map(len, paragraphs)) < 2300:
        paragraphs.append((EN if n % 2 == 0 else ZH) + (f" #inline{n} #城市{n}" if n < 5 else ""))
        n += 1
    paragraphs.append(
        f"Thanks for watching, see you tomorrow by the river again! 谢谢观看，明天河边见！{FAMILY}"
    )
    caption = "\n\n".join(paragraphs) + "\n\n#kyoto #猫咪 #sunset #Cats #夕阳"
    key = [f"tag{i:02d}" for i in range(25)] + ["cats"]  # 'cats' again: counted once
    return {"title": TITLE, "caption": caption, "hashtags": key, "media": ["clip.mp4"], "lang": "en"}


@pytest.fixture
def long_bundles(run, write_post, clip_fits_all, tmp_path):
    data = long_post()
    assert 2450 <= len(data["caption"]) <= 2600
    post = write_post(
        yaml.safe_dump(data, allow_unicode=True), media={"clip.mp4": clip_fits_all}, folder="kyoto"
    )
    out = tmp_path / "out"
    result = run(
        "export", post, "--to", "tiktok,reels,rednote,lemon8", "--out", out, "--overflow", "comment", "--json"
    )
    assert result.code == 0, result.out + result.err
    return out / "kyoto", data


def all_tags(data) -> list[str]:
    found = regex.findall(r"#([\p{L}\p{N}_]+)", data["caption"])
    seen, out = set(), []
    for t in [*data["hashtags"], *found]:
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out


def test_done_means_long_bilingual_caption_to_all_four(run, long_bundles):
    root, data = long_bundles
    tags = all_tags(data)
    assert len(tags) == 40
    profiles = load_profiles()
    for pid in PLATFORMS:
        bundle, profile = root / pid, profiles[pid]
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        caption = (bundle / "caption.txt").read_text(encoding="utf-8").removesuffix("\n")
        rule = profile.text.caption
        counted = count_text(caption, rule.count)
        assert counted <= rule.max_length
        assert manifest["text"]["caption"] == caption
        assert manifest["text"]["counts"]["caption"] == {
            "count": counted,
            "limit": rule.max_length,
            "unit": rule.count,
        }
        # emoji sequences come out whole: every family has all three people
        assert caption.count(FAMILY) == caption.count("👨")
        hashtags = (bundle / "hashtags.txt").read_text(encoding="utf-8").split()
        limit = profile.text.max_hashtags or 40
        # tags in the bundle's language first (issue 16), each group in the post's order
        lang = manifest["text"].get("lang") or text_script(caption)
        ordered = in_language_first(tags, lang)
        assert hashtags == ordered[:limit]
        comment = bundle / "comment.txt"
        if limit < 40:
            assert comment.read_text(encoding="utf-8").split() == ["#" + t for t in ordered[limit:]]
            entry = next(f for f in manifest["files"] if f["path"] == "comment.txt")
            assert entry["role"] == "text"
        else:
            assert not comment.exists()
        cut = [c for c in manifest["changes"] if c.startswith("caption cut")]
        if pid == "tiktok":  # 4,000 UTF-16 units in the app: the whole caption fits
            assert not cut and caption.startswith(TITLE + "\nWe spent")
            assert "More at https://example.com/kyoto." in caption
        else:
            assert cut and cut[0].startswith("caption cut at a sentence end, ")
            body = caption.split("\n\n#")[0]
            assert body.endswith(("! …", ". …", "！…", "。…"))
    rednote_title = (root / "rednote" / "title.txt").read_text(encoding="utf-8").removesuffix("\n")
    assert rednote_title == "京都的猫咪和鸭川的黄昏…"  # cut at the comma, 12 weighted of 20
    assert (root / "reels" / "caption.txt").read_text(encoding="utf-8").startswith(TITLE + "\n")
    check = run("validate", root, "--json")
    assert check.code == 0, check.out
    assert [b["ok"] for b in check.json()["bundles"]] == [True] * 4


def test_overflow_drop_writes_no_comment(run, write_post, clip_fits_all, tmp_path):
    data = {"caption": "Hi.", "hashtags": [f"t{i}" for i in range(35)], "media": ["clip.mp4"]}
    post = write_post(yaml.safe_dump(data), media={"clip.mp4": clip_fits_all}, folder="tags")
    out = tmp_path / "out"
    result = run("export", post, "--to", "reels", "--out", out, "--json")
    assert result.code == 0
    bundle = out / "tags" / "reels"
    assert not (bundle / "comment.txt").exists()
    changes = result.json()["bundles"][0]["changes"]
    assert any(
        c.startswith("hashtags: kept 30 of 35 for Instagram Reels; dropped #t30 #t31") for c in changes
    )
    assert run("validate", bundle).code == 0


def test_validate_checks_comment_txt(run, write_post, clip_fits_all, tmp_path):
    data = {"caption": "Hi.", "hashtags": [f"t{i}" for i in range(12)], "media": ["clip.mp4"]}
    post = write_post(yaml.safe_dump(data), media={"clip.mp4": clip_fits_all}, folder="c")
    out = tmp_path / "out"
    assert run("export", post, "--to", "lemon8", "--out", out, "--overflow", "comment").code == 0
    bundle = out / "c" / "lemon8"
    assert (bundle / "comment.txt").read_text(encoding="utf-8") == "#t10 #t11\n"
    assert run("validate", bundle).code == 0
    (bundle / "comment.txt").write_bytes(b"#t10\r\n#t11\r\n")
    found = run("validate", bundle, "--json").json()["bundles"][0]["findings"]
    fields = {(f["file"], f["field"]) for f in found}
    assert ("comment.txt", "line_endings") in fields and ("comment.txt", "sha256") in fields


def test_lang_and_bilingual_options(run, write_post, clip_fits_all, tmp_path):
    data = {
        "title": "Golden hour",
        "caption": "The sky went violet.",
        "lang": "en",
        "translations": {"zh": {"title": "黄昏", "caption": "天空变成了紫色。"}},
        "media": ["clip.mp4"],
    }
    post = write_post(yaml.safe_dump(data, allow_unicode=True), media={"clip.mp4": clip_fits_all}, folder="l")
    out = tmp_path / "out"
    args = ("export", post, "--to", "rednote,tiktok", "--out", out, "--dry-run", "--json")
    plans = {p["platform"]: p["text"] for p in run(*args).json()["plans"]}
    assert (plans["rednote"]["title"], plans["tiktok"]["caption"]) == (
        "黄昏",
        "Golden hour\nThe sky went violet.",
    )
    plans = {p["platform"]: p["text"] for p in run(*args, "--lang", "rednote=en").json()["plans"]}
    assert plans["rednote"]["title"] == "Golden hour"
    plans = {p["platform"]: p["text"] for p in run(*args, "--bilingual").json()["plans"]}
    assert plans["tiktok"]["caption"] == "Golden hour\nThe sky went violet.\n\n天空变成了紫色。"
    bad = run(*args, "--lang", "rednote=chinese!")
    assert bad.code == 2 and "--lang" in bad.err
