"""The preview page's data and file, without a browser: folds, escaping, cards, the commands."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest

from repost.errors import InputError
from repost.platforms.profiles import load_profiles
from repost.preview import write_preview
from repost.preview.data import collect_posts, fold_caption
from repost.preview.render import TEMPLATES, embed_json, read_template
from repost.text.count import count_text

ROOT = Path(__file__).resolve().parents[2]


def test_fold_follows_each_profile(profiles, profile_id):
    rule = profiles[profile_id].text.caption
    caption = "Emoji 👩‍👩‍👧 and 中文 " * 40
    visible, rest = fold_caption(caption, rule.fold_length, rule.count)
    assert visible + rest == caption
    if rule.fold_length is None:
        assert rest == ""
        return
    assert 0 < count_text(visible, rule.count) <= rule.fold_length
    # the longest start that fits: one more grapheme would pass the fold
    import regex

    nxt = regex.match(r"\X", rest).group()
    assert count_text(visible + nxt, rule.count) > rule.fold_length


def test_fold_never_splits_an_emoji_and_short_captions_stay_whole():
    family = "👩‍👩‍👧"  # 8 UTF-16 units in one grapheme
    visible, rest = fold_caption("abcd" + family + "tail", 6, "utf16")
    assert (visible, rest) == ("abcd", family + "tail")
    assert fold_caption("short", 55, "utf16") == ("short", "")


def test_embedded_json_cannot_end_the_script_block():
    hostile = {"caption": "</script><script>alert(1)</script><!-- \u2028 & done"}
    text = embed_json(hostile)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile


def test_templates_are_package_data_listed_for_the_wheel():
    for name in TEMPLATES:
        assert read_template(name).strip()
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    assert "repost.preview" in cfg["options"]["packages"].split()
    assert cfg["options.package_data"]["repost.preview"].replace(" ", "").split(",") == [
        "*.html",
        "*.css",
        "*.js",
    ]


def test_page_data_has_one_card_per_bundle_with_alt_counts_and_fold(backlog, page_data):
    data = page_data(backlog / "index.html")
    cards = {c["path"]: c for p in data["posts"] for c in p["cards"]}
    assert len(cards) == 12 and [p["id"] for p in data["posts"]] == ["cats", "hostile", "photos"]
    tiktok = cards["cats/tiktok"]
    manifest = json.loads((backlog / "cats/tiktok/manifest.json").read_text(encoding="utf-8"))
    assert tiktok["caption"]["visible"] + tiktok["caption"]["rest"] == manifest["text"]["caption"]
    assert tiktok["caption"]["fold"] == load_profiles()["tiktok"].text.caption.fold_length
    assert tiktok["video"]["alt"] == "Two cats on a roof at sunset"
    assert (
        tiktok["video"]["src"] == "cats/tiktok/01.mp4" and tiktok["cover"]["src"] == "cats/tiktok/cover.jpg"
    )
    counts = {c["field"]: c for c in tiktok["counts"]}
    assert counts["caption"]["count"] == manifest["text"]["counts"]["caption"]["count"]
    assert counts["caption"]["limit"] == manifest["text"]["counts"]["caption"]["limit"]
    photos = cards["photos/rednote"]
    assert [i["alt"] for i in photos["images"]] == [
        "Blue square with a yellow corner",
        "The same picture again",
        "",
    ]
    assert photos["aspect"] == "3 / 4" and photos["video"] is None and photos["status"] == "valid"
    assert cards["cats/reels"]["status"] == "warnings"


def test_manifest_carries_the_posts_alt_text(backlog):
    manifest = json.loads((backlog / "photos/lemon8/manifest.json").read_text(encoding="utf-8"))
    alts = [f.get("alt") for f in manifest["files"] if f["role"] == "image"]
    assert alts == ["Blue square with a yellow corner", "The same picture again", None]


def test_preview_command_writes_the_page_and_validates(run, backlog, tmp_path, page_data):
    import shutil

    copy = tmp_path / "out"
    shutil.copytree(backlog, copy)
    (copy / "index.html").unlink()
    with open(copy / "photos" / "rednote" / "02.jpg", "ab") as f:
        f.write(b"edited")
    (copy / "hostile" / "reels" / "manifest.json").write_text("{not json", encoding="utf-8")
    result = run("preview", copy, "-j", "2")
    assert result.code == 0, result.err
    assert (copy / "index.html").as_uri() in result.out
    cards = {c["path"]: c for p in page_data(copy / "index.html")["posts"] for c in p["cards"]}
    broken = cards["photos/rednote"]
    assert broken["status"] == "failed"
    assert any("02.jpg" in f["message"] and f["severity"] == "error" for f in broken["findings"])
    unreadable = cards["hostile/reels"]
    assert unreadable["status"] == "failed" and unreadable["platform"] == "reels"
    assert any(f["message"].startswith("manifest.json: not valid JSON") for f in unreadable["findings"])
    assert not list(copy.glob(".index.html.*.tmp"))


def test_preview_refuses_an_empty_folder_and_a_single_bundle(run, backlog, tmp_path):
    empty = run("preview", tmp_path)
    assert empty.code == 2 and "no bundle here" in empty.err and not (tmp_path / "index.html").exists()
    one = run("preview", backlog / "cats" / "tiktok")
    assert one.code == 2 and "is one bundle" in one.err
    with pytest.raises(InputError):
        write_preview(tmp_path / "missing", load_profiles())


def test_export_preview_writes_nothing_on_dry_run(run, write_post, clip_fits_all, tmp_path):
    post = write_post("caption: hi\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all})
    out = tmp_path / "out"
    assert run("export", post, "--to", "tiktok", "--out", out, "--dry-run", "--preview").code == 0
    assert not out.exists()
    made = run("export", post, "--to", "tiktok", "--out", out, "--preview", "--json")
    assert made.code == 0 and made.json()["ok"] and (out / "index.html").is_file()
    assert len(collect_posts(out, load_profiles())) == 1
    # index.html sits beside the post folders, not in a bundle: the bundles still validate
    assert run("validate", out).code == 0


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa():
    import re

    css = read_template("page.css")
    var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6});", css))
    pairs = [
        ("ink", "paper"), ("ink", "card"), ("muted", "card"), ("muted", "paper"), ("tag", "card"),
        ("ok-ink", "ok-bg"), ("warn-ink", "warn-bg"), ("bad-ink", "bad-bg"), ("focus", "card"),
        ("warn-ink", "card"), ("bad-ink", "card"),
    ]  # fmt: skip
    for fg, bg in pairs:
        assert contrast(var[fg], var[bg]) >= 4.5, (fg, bg, round(contrast(var[fg], var[bg]), 2))
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
