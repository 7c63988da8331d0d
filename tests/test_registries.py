"""Every name a schema or an option accepts has its implementation, and every implementation a
name: counters, hashtag styles, fit modes, importers, publishers, norms matchers, translation
engines. A name added to a schema without its code fails here, not for a user."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest
import yaml

from repost.bundle import norms as bundle_norms
from repost.errors import UsageError
from repost.migrate import importers
from repost.plan.rendition import choose_aspect, plan_geometry
from repost.platforms import model as profile_model
from repost.platforms import norms
from repost.platforms.profiles import load_profiles
from repost.post.model import FITS, Post
from repost.publish.manual import NO_API
from repost.publish.oauth import APPS
from repost.publish.runner import PUBLISHERS
from repost.text import count
from repost.text.compose import compose_texts
from repost.text.hashtags import STYLES
from repost.translate.engines import ENGINES, Engine, make_engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "Kyoto 京都 👨\u200d👩\u200d👧 #cats"


def test_every_counter_a_profile_may_name_counts_and_has_a_unit():
    assert set(profile_model.COUNTERS) == set(count.COUNTERS) == set(count.UNITS)
    for name in profile_model.COUNTERS:
        assert count.count_text(SAMPLE, name) > 0, name


def test_every_hashtag_style_a_profile_may_name_composes(profiles):
    assert set(profile_model.HASHTAG_STYLES) == set(STYLES)
    reels = profiles["reels"]
    post = Post(id="x", caption="Dusk at the river.\n\n#cats", hashtags=("kyoto",))
    for name in profile_model.HASHTAG_STYLES:
        assert STYLES[name].name == name
        styled = dataclasses.replace(reels, text=dataclasses.replace(reels.text, hashtag_style=name))
        caption = compose_texts(post, styled, "video").caption
        assert "#kyoto" in caption and "cats" in caption, (name, caption)


def test_every_fit_is_an_option_and_plans_a_frame(profiles, run):
    # A profile's default fit is one of post.yaml's fits (smart asks for the media to be read:
    # a post or --fit chooses it, never a profile).
    assert set(profile_model.FITS) <= set(FITS)
    fit_help = " ".join(run("export", "--help").out.split())
    assert f"[{'|'.join(FITS)}]" in fit_help
    rules = profiles["tiktok"].video
    for fit in FITS:
        w, h, cw, ch, _ = plan_geometry(1920, 1080, rules, fit)
        assert w % 2 == h % 2 == 0 and 0 < cw <= w and 0 < ch <= h, fit


def test_every_importer_has_a_name_a_detector_a_reader_and_its_docs(tmp_path, monkeypatch):
    names = [m.NAME for m in importers.IMPORTERS]
    assert len(set(names)) == len(names)
    empty = tmp_path / "empty"
    empty.mkdir()
    docs = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    for module in importers.IMPORTERS:
        assert module.detect(empty) is None, module.NAME  # an empty folder is no source
        sentinel = iter(())
        monkeypatch.setattr(module, "iter_posts", lambda *a, s=sentinel, **k: s)
        assert importers.iter_source(module.NAME, empty, tmp_path / "dl") is sentinel
    # How docs/commands.md#migrate names each source: a new importer is documented there too.
    documented = {"posts": "a folder of post folders", "yt-dlp": "a yt-dlp download folder",
                  "tiktok": "a TikTok data export", "instagram": "an Instagram export folder"}  # fmt: skip
    assert set(documented) == set(names)
    assert all(said in docs for said in documented.values())


def test_every_platform_publishes_through_its_api_or_says_how_by_hand(profiles):
    for pid in profiles:
        assert (pid in PUBLISHERS) != (pid in NO_API), pid
    assert set(APPS) == set(PUBLISHERS)  # a login for each API platform, and an API for each login
    for pid, publish in PUBLISHERS.items():
        params = list(inspect.signature(publish).parameters)
        assert params[:5] == ["bundle", "session", "profile", "privacy", "commit"], pid


def _norms_file(tmp_path: Path) -> Path:
    """The built-in norms file with one more rule for each matcher the schema accepts."""
    doc = yaml.safe_load(norms.norms_file().read_text(encoding="utf-8"))
    source = doc["rules"][0]["source"][0]  # a tag SOURCES.md defines (norms cite it, as profiles do)
    for match in (*norms.TEXT_MATCHERS, *norms.IMAGE_MATCHERS, *norms.VIDEO_MATCHERS):
        rule = {"id": f"every_{match}", "platforms": ["tiktok"], "match": match, "says": "x",
                "source": [source], "checked": "2026-12-02", "confidence": "assumed"}  # fmt: skip
        if match == "words":
            rule["words"] = ["link in bio"]
        doc["rules"].append(rule)
    path = tmp_path / "norms.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_every_norms_matcher_finds_what_it_names(tmp_path, monkeypatch):
    path = _norms_file(tmp_path)
    monkeypatch.setattr(norms, "norms_file", lambda: path)
    text = "link in bio: https://example.com, mail me@example.com, follow @me on instagram"
    found = {f.rule for f in norms.check_text("tiktok", "TikTok", {"caption.txt": text}, ["other"])}
    assert {f"every_{m}" for m in norms.TEXT_MATCHERS} <= found
    # Pictures and videos: every image and video matcher's rule reports what media/ found.
    monkeypatch.setattr("repost.bundle.norms.find_qr_codes", lambda path: ["https://example.com"])
    found = {f.rule for f in bundle_norms.check_images("tiktok", "TikTok", {"01.jpg": tmp_path / "x.jpg"})}
    assert {f"every_{m}" for m in norms.IMAGE_MATCHERS} <= found
    found = {f.rule for f in norms.watermark_findings("tiktok", "TikTok", "01.mp4", ["a TikTok mark"])}
    assert {f"every_{m}" for m in norms.VIDEO_MATCHERS} <= found


@pytest.mark.parametrize("name", ENGINES)
def test_every_engine_can_be_made(name):
    try:
        engine = make_engine(name, "key:fx", "http://127.0.0.1:9")
    except UsageError as exc:  # an optional package (argos) not installed: said so, not unknown
        assert "not installed" in exc.what, exc.what
        return
    assert isinstance(engine, Engine) and engine.name == name


def test_every_reframe_and_upload_path_a_profile_may_name_is_read(profiles):
    shorts = profiles["shorts"].video  # accepts 9:16 to 1:1: the two reframes differ on 16:9
    chosen = {
        how: choose_aspect(1920, 1080, dataclasses.replace(shorts, reframe_to=how))
        for how in profile_model.REFRAMES
    }
    assert len(set(chosen.values())) == len(profile_model.REFRAMES), chosen
    # TikTok's caption limit differs by path (the app's 4,000, the API's 2,200): each path is read.
    limits = {
        path: load_profiles(upload_path=path)["tiktok"].text.caption.max_length
        for path in profile_model.UPLOAD_PATHS
    }
    assert len(set(limits.values())) == len(profile_model.UPLOAD_PATHS), limits
