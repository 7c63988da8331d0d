"""`repost translate`: drafts written into post.yaml by DeepL, LibreTranslate or Argos, text a
person wrote never replaced, hashtags/mentions/links/emoji kept byte for byte, a re-run free."""

from __future__ import annotations

import io
import sys
import types

import pytest
import yaml

from repost.translate import translate_texts
from repost.translate.cache import Cache
from repost.translate.protect import split_lines

pytestmark = pytest.mark.timeout(120)

CAPTION = (
    "Golden hour on the pier 🌅 with @maria_k! Details: https://example.com/pier?x=1.\n"
    "\n"
    "Thanks 👨‍👩‍👧 & see you <soon>.\n"
    "#sunset #goldenhour #日落[话题]#"
)
KEPT = ["🌅", "@maria_k", "https://example.com/pier?x=1", "👨‍👩‍👧", "#sunset", "#goldenhour", "#日落[话题]#"]

POST = f"""# my post: the comments stay
id: pier
title: Golden hour walk   # a title
caption: {yaml.safe_dump(CAPTION, allow_unicode=True, default_style='"').strip()}
hashtags: [sunset, GoldenHour]
media:
  - {{path: clip.jpg, alt: A pier at sunset}}
  - clip2.jpg
lang: en
"""


@pytest.fixture
def post(tmp_path, image_factory):
    folder = tmp_path / "pier"
    folder.mkdir()
    for name in ("clip.jpg", "clip2.jpg"):
        (folder / name).write_bytes(image_factory("t-" + name, size=(300, 400)).read_bytes())
    (folder / "post.yaml").write_text(POST, encoding="utf-8")
    return folder


def _login(run, monkeypatch, engine, key="good-key"):
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
    return run("auth", "login", engine, "--token-stdin")


def _doc(post):
    return yaml.safe_load((post / "post.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("markup,drop", [(True, False), (True, True), (False, False)])
def test_kept_parts_come_back_byte_for_byte(fake_engine, markup, drop):
    engine = fake_engine(markup=markup, drop_elements=drop)
    (out,) = translate_texts(engine, Cache(None), "en", "zh", [CAPTION])
    for kept in KEPT:
        assert out.count(kept) == CAPTION.count(kept), kept
    assert "译GOLDEN 译HOUR" in out and "译THANKS" in out and "<soon>" not in out and "&lt;" not in out
    assert out.count("\n") == CAPTION.count("\n")
    assert not any(k in s for s in engine.seen for k in ("@maria_k", "#sunset", "example.com"))


def test_a_line_keeps_its_sentence_whole_where_the_engine_keeps_markup(fake_engine):
    engine = fake_engine()
    translate_texts(engine, Cache(None), "en", "zh", ["Golden hour with @maria_k tonight"])
    assert engine.seen == ['Golden hour with <x i="0"/> tonight']


def test_lines_split_and_rejoin_exactly():
    for line in split_lines(CAPTION):
        if not isinstance(line, str):
            assert line.unmark(line.marked) == line.body


def test_deepl_drafts_into_post_yaml_and_a_rerun_asks_nothing(
    run, monkeypatch, memory_keyring, engine_server, post
):
    assert _login(run, monkeypatch, "deepl").code == 0
    assert "good-key" not in (post / "post.yaml").read_text()
    res = run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    assert res.code == 0, res.out + res.err
    assert "zh drafted (title, caption, alt, hashtags)" in res.out
    text = (post / "post.yaml").read_text(encoding="utf-8")
    assert "# my post: the comments stay" in text and "# a title" in text
    zh = _doc(post)["translations"]["zh"]
    assert zh["title"] == "译GOLDEN 译HOUR 译WALK"
    assert all(zh["caption"].count(k) == CAPTION.count(k) for k in KEPT)
    assert zh["alt"] == ["译A 译PIER 译AT 译SUNSET", None]
    assert zh["hashtags"] == ["译SUNSET", "译GOLDEN译HOUR"]  # "GoldenHour" went as "Golden Hour"
    assert zh["machine"]["engine"] == "deepl"
    assert zh["machine"]["fields"] == ["title", "caption", "alt", "hashtags"]
    made = len(engine_server.requests)
    assert made >= 1
    # the same text again (the draft deleted by hand): from the cache, no request
    (post / "post.yaml").write_text(POST, encoding="utf-8")
    assert (
        run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url).code == 0
    )
    assert len(engine_server.requests) == made
    assert _doc(post)["translations"]["zh"] == zh


def test_a_persons_text_is_never_replaced_and_approve_removes_the_mark(
    run, monkeypatch, memory_keyring, engine_server, post
):
    text = POST + "translations:\n  zh:\n    caption: 我自己写的\n"
    (post / "post.yaml").write_text(text, encoding="utf-8")
    _login(run, monkeypatch, "deepl")
    res = run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    assert res.code == 0 and "kept what a person wrote (caption)" in res.out
    zh = _doc(post)["translations"]["zh"]
    assert zh["caption"] == "我自己写的" and zh["machine"]["fields"] == ["title", "alt", "hashtags"]
    assert run("translate", post, "--to", "zh", "--approve").code == 0
    zh = _doc(post)["translations"]["zh"]
    assert "machine" not in zh and zh["title"] == "译GOLDEN 译HOUR 译WALK"


def test_export_says_a_draft_is_machine_made_until_approved(
    run, monkeypatch, memory_keyring, engine_server, post, tmp_path
):
    _login(run, monkeypatch, "deepl")
    run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    out = tmp_path / "out"
    res = run("export", post, "--to", "rednote", "--lang", "zh", "--out", out, "--json")
    assert res.code == 0, res.out + res.err
    import json

    manifest = json.loads((out / "pier" / "rednote" / "manifest.json").read_text())
    assert manifest["text"]["machine_translation"][0]["engine"] == "deepl"
    assert any("machine-translated" in w and "not reviewed" in w for w in manifest["warnings"])
    assert manifest["text"]["caption"].startswith("译GOLDEN")
    run("translate", post, "--to", "zh", "--approve")
    run("export", post, "--to", "rednote", "--lang", "zh", "--out", out, "--force")
    manifest = json.loads((out / "pier" / "rednote" / "manifest.json").read_text())
    assert "machine_translation" not in manifest["text"]
    assert not any("machine-translated" in w for w in manifest["warnings"])


@pytest.mark.parametrize(
    "setup,message",
    [
        (lambda s: setattr(s, "key", "other"), "deepl: the API key was refused"),
        (lambda s: setattr(s, "quota_left", 5), "deepl: the account's character quota is used up"),
        (lambda s: setattr(s, "char_limit", 5), "deepl: text too long for one request"),
    ],
)
def test_deepl_errors_fail_the_post_and_leave_it_alone(
    run, monkeypatch, memory_keyring, engine_server, post, setup, message
):
    _login(run, monkeypatch, "deepl")
    setup(engine_server)
    before = (post / "post.yaml").read_bytes()
    res = run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    assert res.code == 1 and message in res.out, res.out + res.err
    assert (post / "post.yaml").read_bytes() == before


def test_deepl_without_a_key_says_how_to_store_one(run, memory_keyring, post, engine_server):
    res = run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    assert res.code == 2 and "no deepl API key" in res.err
    assert "repost auth login deepl --token-stdin" in res.err


@pytest.mark.parametrize(
    "setup,message",
    [
        (lambda s: None, None),
        (lambda s: setattr(s, "key", "other"), "libretranslate: the API key was refused"),
        (lambda s: setattr(s, "char_limit", 5), "libretranslate: text too long for this instance"),
        (lambda s: setattr(s, "slow_down", True), "libretranslate: too many requests"),
        (lambda s: setattr(s, "drop_elements", True), None),
    ],
)
def test_libretranslate(run, monkeypatch, memory_keyring, engine_server, post, setup, message):
    _login(run, monkeypatch, "libretranslate")
    setup(engine_server)
    res = run(
        "translate", post, "--to", "zh", "--engine", "libretranslate", "--engine-url", engine_server.url
    )
    if message is None:
        assert res.code == 0, res.out + res.err
        zh = _doc(post)["translations"]["zh"]
        assert all(zh["caption"].count(k) == CAPTION.count(k) for k in KEPT)
        assert zh["machine"]["engine"] == "libretranslate"
        assert engine_server.requests[0][1]["format"] == "html"
    else:
        assert res.code == 1 and message in res.out, res.out + res.err
        assert "translations" not in _doc(post)


def test_one_bad_post_leaves_the_others(run, monkeypatch, memory_keyring, engine_server, post, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "post.yaml").write_text("caption: [not, text]\nmedia: [x.jpg]\n")
    _login(run, monkeypatch, "deepl")
    res = run("translate", bad, post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    assert res.code == 1 and "✗" in res.out and "zh drafted" in res.out


def test_argos_with_its_translate_call_doubled(run, monkeypatch, post, fake_translate):
    """The Argos path, with only the package's own calls replaced by a test double."""
    calls = []
    fake = types.ModuleType("argostranslate.translate")
    fake.get_installed_languages = lambda: [
        types.SimpleNamespace(code="en"),
        types.SimpleNamespace(code="zh"),
    ]

    def translate(text, src, dst):
        calls.append((text, src, dst))
        return fake_translate(text)

    fake.translate = translate
    pkg = types.ModuleType("argostranslate")
    pkg.translate = fake
    monkeypatch.setitem(sys.modules, "argostranslate", pkg)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", fake)
    res = run("translate", post, "--to", "zh", "--engine", "argos")
    assert res.code == 0, res.out + res.err
    zh = _doc(post)["translations"]["zh"]
    assert all(zh["caption"].count(k) == CAPTION.count(k) for k in KEPT)
    assert all(src == "en" and dst == "zh" and "<x" not in text for text, src, dst in calls)


def test_argos_missing_language_package_says_how_to_install(run, monkeypatch, post):
    fake = types.ModuleType("argostranslate.translate")
    fake.get_installed_languages = lambda: [types.SimpleNamespace(code="en")]
    pkg = types.ModuleType("argostranslate")
    pkg.translate = fake
    monkeypatch.setitem(sys.modules, "argostranslate", pkg)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", fake)
    res = run("translate", post, "--to", "zh", "--engine", "argos")
    assert (
        res.code == 1
        and "no en->zh language package installed" in res.out
        and "argospm install translate-en_zh" in res.out
    )


def test_argos_for_real_where_installed(post, run):
    argos = pytest.importorskip(
        "argostranslate.translate", reason="Argos Translate is not installed (optional)"
    )
    codes = {lang.code for lang in argos.get_installed_languages()}
    if not {"en", "zh"} <= codes:
        pytest.skip("no en->zh Argos language package installed (argospm install translate-en_zh)")
    res = run("translate", post, "--to", "zh", "--engine", "argos")
    assert res.code == 0
    assert all(_doc(post)["translations"]["zh"]["caption"].count(k) == CAPTION.count(k) for k in KEPT)


def test_rednote_gets_suggested_chinese_topics_beside_the_tags(
    run, monkeypatch, memory_keyring, engine_server, post, tmp_path
):
    """A tag in the creator's topics.yaml is taken from there (no engine call for it); the
    others come from the engine; RedNote's topics.txt lists them, its hashtags.txt holds the
    tags alone, one per line, and validate counts only the tags. TikTok (English first) gets none."""
    import json

    topics = tmp_path / "topics.yaml"
    topics.write_text("zh: {sunset: 日落}\n", encoding="utf-8")
    _login(run, monkeypatch, "deepl")
    res = run("translate", post, "--to", "zh", "--engine-url", engine_server.url, "--topics", topics)
    assert res.code == 0, res.out + res.err
    assert _doc(post)["translations"]["zh"]["hashtags"] == ["日落", "译GOLDEN译HOUR"]
    assert not any(
        "sunset" in t.lower() for _, doc in engine_server.requests for t in doc["text"] if len(t) < 10
    )
    out = tmp_path / "out"
    assert run("export", post, "--to", "rednote,tiktok", "--out", out).code == 0
    tags = (out / "pier" / "rednote" / "hashtags.txt").read_text(encoding="utf-8")
    # 日落 is a tag of the caption already (#日落[话题]#): only the new topic is suggested; the
    # bundle's text is the zh draft, so the tag in Chinese comes first
    assert tags == "日落\nsunset\nGoldenHour\n"
    assert (out / "pier" / "rednote" / "topics.txt").read_text(encoding="utf-8") == "译GOLDEN译HOUR\n"
    manifest = json.loads((out / "pier" / "rednote" / "manifest.json").read_text())
    assert manifest["text"]["suggested_topics"] == [
        {"topic": "译GOLDEN译HOUR", "for": "GoldenHour", "lang": "zh", "machine": True}
    ]
    assert any("topics.txt suggests 1 zh topic(s)" in w and "not reviewed" in w for w in manifest["warnings"])
    assert "suggested" not in (out / "pier" / "tiktok" / "hashtags.txt").read_text()
    assert not (out / "pier" / "tiktok" / "topics.txt").exists()
    listed = {f["path"] for f in manifest["files"]}
    assert {"hashtags.txt", "topics.txt"} <= listed
    res = run("validate", out / "pier" / "rednote", "--json")
    assert res.code == 0, res.out


def test_a_bad_topics_file_is_named(run, memory_keyring, post, tmp_path, engine_server):
    topics = tmp_path / "topics.yaml"
    topics.write_text("zh: [not, a, mapping]\n", encoding="utf-8")
    url = engine_server.url
    res = run(
        "translate", post, "--to", "zh", "--engine", "libretranslate", "--engine-url", url, "--topics", topics
    )
    assert res.code == 2 and "topics.yaml" in res.err and "must be a mapping" in res.err


def test_the_preview_says_a_draft_is_machine_made(
    run, monkeypatch, memory_keyring, engine_server, post, tmp_path
):
    from repost.platforms.profiles import load_profiles
    from repost.preview.data import read_card

    _login(run, monkeypatch, "deepl")
    run("translate", post, "--to", "zh", "--engine", "deepl", "--engine-url", engine_server.url)
    out = tmp_path / "out"
    assert run("export", post, "--to", "rednote,tiktok", "--out", out).code == 0
    card = read_card(out, out / "pier" / "rednote", load_profiles())
    assert card["machine"].startswith("Machine-translated, not reviewed: zh title, caption")
    assert read_card(out, out / "pier" / "tiktok", load_profiles())["machine"] is None
    assert run("preview", out).code == 0
    assert "machine-note" in (out / "index.html").read_text(encoding="utf-8")
