"""Norms: what RedNote and Lemon8 limit (links, contacts, other apps, QR codes), absolute
claims on RedNote, TikTok-only calls to action elsewhere; warnings in the plan, the manifest
and validate, never errors; `--norms off` silences them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repost.errors import ProfileError
from repost.platforms.norms import (
    _MATCHERS,
    IMAGE_MATCHERS,
    TEXT_MATCHERS,
    VIDEO_MATCHERS,
    check_text,
    load_rules,
)

pytestmark = pytest.mark.timeout(180)

# caption -> {platform: rule ids it must give}; platforms not named must give none


def _both(*rules: str) -> dict:
    """RedNote and Lemon8 share the off-platform rules."""
    return {"rednote": set(rules), "lemon8": set(rules)}


TABLE = [
    ("Sunset on the pier tonight.", {}),
    ("Details at https://shop.example.com/x today", _both("off_platform_link")),
    ("see example.com for more", _both("off_platform_link")),
    ("mail me at me@example.org", _both("off_platform_contact")),
    ("call 13812345678", _both("off_platform_contact")),
    ("or +1 415-555-0132", _both("off_platform_contact")),
    ("加我微信: abc_12345 聊", _both("off_platform_contact", "link_in_bio")),
    ("QQ号 123456789", _both("off_platform_contact")),
    ("Full recipe: link in bio!", _both("link_in_bio")),
    ("Follow me on TikTok and 抖音", _both("other_platform")),
    ("全网第一的面霜, the best ever", {"rednote": {"absolute_claims"}}),
    ("国家级 quality", {"rednote": {"absolute_claims"}}),
    (
        "Duet this with your pet!",
        {p: {"tiktok_call_to_action"} for p in ("reels", "rednote", "lemon8", "shorts")},
    ),
    ("thanks @maria_k for the tip", _both("foreign_handle")),
]
# Clean bilingual captions, with numbers, dates, prices, ordinary superlatives: no finding anywhere.
CLEAN = [
    "第一次来这里，黄昏很美。My first time here; the sunset was lovely.",
    "Opened 2024-05-01 at 18:30, tickets ¥1,299 (about $180). 推荐给大家！",
    "The biggest wave I have seen this week 🌊 最大的浪",
    "#sunset #日落[话题]# 黄昏 Golden hour",
    "Let me stitch together three clips from today's walk.",
    "The ig-nition of the evening: a sky on fire.",
]
PLATFORMS = ("tiktok", "reels", "rednote", "lemon8", "shorts")


@pytest.mark.parametrize("caption,expected", TABLE)
def test_each_caption_gives_the_warnings_it_must(caption, expected):
    for platform in PLATFORMS:
        found = {f.rule for f in check_text(platform, platform, {"caption.txt": caption})}
        assert found == expected.get(platform, set()), (platform, caption)


@pytest.mark.parametrize("caption", CLEAN)
def test_clean_captions_give_none(caption):
    for platform in PLATFORMS:
        assert check_text(platform, platform, {"caption.txt": caption}) == [], (platform, caption)


def test_a_handle_post_yaml_maps_to_the_platform_is_not_foreign():
    assert check_text("rednote", "RedNote", {"caption.txt": "with @maria_k"}, ["maria_k"]) == []


def test_every_rule_names_a_registered_matcher_and_a_known_platform():
    from repost.platforms.profiles import load_profiles

    profiles = load_profiles()
    for rule in load_rules():
        assert rule.match in _MATCHERS or rule.match in IMAGE_MATCHERS + VIDEO_MATCHERS
        assert set(rule.platforms) <= set(profiles), rule.id
    assert set(TEXT_MATCHERS) == set(_MATCHERS)


def test_the_norms_file_is_checked_strictly(tmp_path):
    bad = tmp_path / "norms.yaml"
    bad.write_text(
        "schema: 1\nrules:\n  - {id: x, platforms: [rednote], match: words, says: s, source: [NOPE],"
        " checked: 2026-12-02, confidence: assumed, colour: red}\nsources: {}\n"
    )
    with pytest.raises(ProfileError) as info:
        load_rules(bad)
    text = str(info.value)
    assert "colour: unknown key" in text and "needs its words" in text
    assert "NOPE is defined neither in profiles/SOURCES.md nor in this file's sources" in text


def _norms_file(tmp_path: Path, source: str, extra: str = "") -> Path:
    path = tmp_path / "norms.yaml"
    path.write_text(
        "schema: 1\nrules:\n  - {id: x, platforms: [rednote], match: link, says: s,"
        f" source: {source}, checked: 2026-12-02, confidence: assumed}}\n{extra}",
        encoding="utf-8",
    )
    return path


def test_a_rule_cites_the_tags_of_sources_md_with_no_sources_of_its_own(tmp_path):
    (rule,) = load_rules(_norms_file(tmp_path, '[R7, "L1; the Don\'ts"]'))
    assert rule.source == ("R7", "L1; the Don'ts")


def test_a_norms_file_with_its_own_sources_is_still_accepted(tmp_path):
    """A user's copy written before the sources moved to SOURCES.md keeps its own list."""
    own = "sources:\n  MY1: {url: 'https://example.org/rules', read: 2026-12-01, says: their rules}\n"
    assert load_rules(_norms_file(tmp_path, "[MY1, R8]", own))[0].source == ("MY1", "R8")
    bad = "sources:\n  MY1: {url: 'https://example.org/rules', says: their rules}\n"
    (tmp_path / "bad").mkdir()
    with pytest.raises(ProfileError, match=r"sources\.MY1\.read: is required"):
        load_rules(_norms_file(tmp_path / "bad", "[MY1]", bad))


def test_a_tag_defined_nowhere_is_refused_even_beside_own_sources(tmp_path):
    own = "sources:\n  MY1: {url: 'https://example.org/rules', read: 2026-12-01, says: their rules}\n"
    with pytest.raises(ProfileError) as info:
        load_rules(_norms_file(tmp_path, "[MY1, RN1]", own))
    assert "RN1 is defined neither" in str(info.value) and "MY1" not in str(info.value)


def test_sources_md_missing_is_one_error_naming_it(tmp_path):
    from repost.platforms.norms import _source_tags

    with pytest.raises(ProfileError) as info:
        _source_tags(tmp_path / "SOURCES.md")
    assert "SOURCES.md" in str(info.value) and "missing" in str(info.value)


def _photo_with_qr(path: Path, text: str) -> Path:
    import cv2
    import numpy as np
    from PIL import Image

    code = cv2.QRCodeEncoder.create().encode(text)
    code = np.pad(code, 4, constant_values=255)
    qr = Image.fromarray(code).resize((code.shape[1] * 8, code.shape[0] * 8), Image.NEAREST).convert("RGB")
    photo = Image.new("RGB", (900, 1200), (180, 120, 90))
    photo.paste(qr, (300, 500))
    photo.save(path, quality=95)
    return path


@pytest.fixture
def qr_post(tmp_path, image_factory):
    folder = tmp_path / "qr"
    folder.mkdir()
    _photo_with_qr(folder / "a.jpg", "https://u.wechat.com/abc")
    (folder / "b.jpg").write_bytes(image_factory("plain-34.jpg", size=(900, 1200)).read_bytes())
    (folder / "post.yaml").write_text("caption: Tea time, see https://example.com\nmedia: [a.jpg, b.jpg]\n")
    return folder


def test_a_qr_code_in_a_photo_warns_rednote_in_the_manifest_and_validate(run, qr_post, tmp_path):
    out = tmp_path / "out"
    plan = run("export", qr_post, "--to", "rednote,reels", "--out", out, "--dry-run", "--json")
    assert plan.code == 0
    rednote = next(p for p in plan.json()["plans"] if p["platform"] == "rednote")
    assert any(
        "off_platform_link" in w for w in rednote["warnings"]
    )  # text norms shown before anything is made
    assert run("export", qr_post, "--to", "rednote,reels", "--out", out).code == 0
    manifest = json.loads((out / "qr" / "rednote" / "manifest.json").read_text())
    qr = [w for w in manifest["warnings"] if "qr_code" in w]
    assert len(qr) == 1 and "01.jpg" in qr[0] and "u.wechat.com" in qr[0]
    reels = json.loads((out / "qr" / "reels" / "manifest.json").read_text())
    assert not any(w.startswith("norm:") for w in reels["warnings"])
    res = run("validate", out / "qr" / "rednote", "--json")
    assert res.code == 0  # warnings, never errors
    findings = res.json()["bundles"][0]["findings"]
    fields = {f["field"] for f in findings if f["severity"] == "warning"}
    assert {"norm:qr_code", "norm:off_platform_link"} <= fields
    res = run("validate", out / "qr" / "rednote", "--json", "--norms", "off")
    assert not any(f["field"].startswith("norm:") for f in res.json()["bundles"][0]["findings"])


def test_norms_off_silences_export(run, qr_post, tmp_path):
    out = tmp_path / "out"
    assert run("export", qr_post, "--to", "rednote", "--out", out, "--norms", "off").code == 0
    manifest = json.loads((out / "qr" / "rednote" / "manifest.json").read_text())
    assert not any(w.startswith("norm:") for w in manifest["warnings"])


def test_check_shows_a_qr_code_before_anything_is_made(run, qr_post, tmp_path):
    res = run("check", qr_post, "--to", "rednote,reels", "--json")
    platforms = {p["platform"]: p for p in res.json()["posts"][0]["platforms"]}
    assert any("qr_code" in w and "a.jpg" in w for w in platforms["rednote"]["warnings"])
    assert not any("qr_code" in w for w in platforms["reels"]["warnings"])
    assert not any(qr_post.parent.glob("out*"))


def test_a_picture_is_searched_for_qr_codes_once_whatever_its_name(tmp_path, monkeypatch):
    """RedNote's and Lemon8's covers are often the same bytes: one decode and search serves both."""
    import repost.media.qr as qr

    first = _photo_with_qr(tmp_path / "a.jpg", "https://u.wechat.com/abc")
    second = tmp_path / "b.jpg"
    second.write_bytes(first.read_bytes())
    monkeypatch.setattr(qr, "_SEEN", {})  # another test may have searched these very bytes
    searched = []
    real = qr._search
    monkeypatch.setattr(qr, "_search", lambda p: searched.append(p) or real(p))
    assert qr.find_qr_codes(first) == qr.find_qr_codes(second) == ["https://u.wechat.com/abc"]
    assert searched == [first]
