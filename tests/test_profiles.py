"""Profiles: every built-in one loads with a source beside each figure; every bad key is caught."""

import copy
from pathlib import Path

import pytest
import yaml

from repost.errors import ProfileError
from repost.platforms.profiles import builtin_profile_dir, load_profile, load_profiles, select_profiles

BUILTIN = ["lemon8", "rednote", "reels", "shorts", "tiktok"]


def builtin_file(pid: str) -> Path:
    return builtin_profile_dir() / f"{pid}.yaml"


@pytest.mark.parametrize("pid", BUILTIN)
@pytest.mark.parametrize("path", ["app", "api"])
def test_builtin_profile_loads_on_both_paths(pid, path):
    profile = load_profile(builtin_file(pid), upload_path=path)
    assert profile.id == pid and profile.upload_path == path
    assert profile.figures, "a profile without figures"
    for key, fig in profile.figures.items():
        assert fig.source.strip() and fig.checked, key
        if fig.confidence == "assumed":
            assert fig.note, f"{pid} {key}: an assumed figure must say why"
    assert profile.video or profile.image


def test_all_builtin_profiles_found_and_default_to_the_app():
    profiles = load_profiles()
    assert sorted(profiles) == BUILTIN
    assert all(p.upload_path == "app" for p in profiles.values())


def test_app_and_api_figures_differ_where_the_platforms_do():
    app = load_profiles()
    api = load_profiles(upload_path="api")
    assert (app["tiktok"].text.caption.max_length, api["tiktok"].text.caption.max_length) == (4000, 2200)
    assert (app["reels"].video.max_duration_s, api["reels"].video.max_duration_s) == (180, 900)
    assert set(app["tiktok"].by_path["text.caption.max_length"]) == {"app", "api"}


def test_rednote_and_reels_key_figures():
    profiles = load_profiles()
    rn, reels = profiles["rednote"], profiles["reels"]
    assert (rn.text.title.max_length, rn.text.title.count) == (20, "rednote_weighted")
    assert (rn.text.caption.max_length, rn.text.max_hashtags, rn.image.max_count) == (1000, 10, 18)
    assert rn.image.preferred_aspect == "3:4" and {"1:1", "4:3"} <= set(rn.image.aspects)
    assert reels.video.max_bitrate_bps == 25_000_000 and reels.video.max_bytes == 300_000_000
    assert reels.video.max_sample_rate_hz == 48000 and reels.video.max_audio_channels == 2
    assert reels.video.require_faststart and not reels.video.allow_edit_lists
    assert (reels.text.max_hashtags, reels.text.max_mentions) == (30, 20)


def test_no_assumed_frame_rate_floor_is_above_what_the_sourced_platforms_share():
    # An assumed minimum above the sourced ones would re-time 24/25 fps clips no platform refuses.
    profiles = load_profiles()
    figures = {pid: p.figures.get("video.min_fps") for pid, p in profiles.items() if p.video}
    sourced = [f.value for f in figures.values() if f and f.confidence != "assumed"]
    assert sourced and min(sourced) == 23
    for pid, fig in figures.items():
        if fig and fig.confidence == "assumed":
            assert fig.value <= min(sourced), pid
    assert figures["rednote"].value == 23 and figures["rednote"].confidence == "assumed"


def test_shorts_key_figures_are_sourced():
    shorts = load_profiles()["shorts"]
    assert shorts.kinds == ("video",) and shorts.image is None
    assert shorts.video.max_duration_s == 180 and shorts.video.preferred_aspect == "9:16"
    assert shorts.video.reframe_to == "preferred" and "1:1" in shorts.video.aspects
    assert (shorts.text.title.max_length, shorts.text.title.count) == (100, "chars")
    assert (shorts.text.caption.max_length, shorts.text.caption.count) == (5000, "utf8_bytes")
    assert shorts.figures["video.max_duration_s"].source.startswith("Y1 ")
    assert shorts.figures["text.caption.max_length"].source.startswith("Y4 ")


def _mutated(tmp_path, mutate, pid="reels"):
    data = yaml.safe_load(builtin_file(pid).read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    mutate(data)
    out = tmp_path / f"{data.get('id', pid)}.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def _fig(value):
    return {"value": value, "source": "test", "checked": "2026-01-01", "confidence": "official"}


BAD = {
    "unknown top-level key": (lambda d: d.update(colour="red"), "colour: unknown key"),
    "unknown video key": (lambda d: d["video"].update(max_fps_hz=_fig(60)), "video.max_fps_hz: unknown key"),
    "unknown figure key": (
        lambda d: d["video"]["max_fps"].update(sauce="x"),
        "video.max_fps.sauce: unknown key",
    ),
    "unit in a string": (
        lambda d: d["video"]["max_bitrate_bps"].update(value="25 Mbps"),
        "video.max_bitrate_bps.value: must be a whole number",
    ),
    "out of range": (
        lambda d: d["video"]["max_fps"].update(value=1000),
        "video.max_fps.value: 1000 is above",
    ),
    "negative bytes": (
        lambda d: d["video"]["max_bytes"].update(value=-5),
        "video.max_bytes.value: -5 is below",
    ),
    "missing source": (lambda d: d["video"]["max_fps"].pop("source"), "video.max_fps.source: is required"),
    "bad confidence": (lambda d: d["video"]["max_fps"].update(confidence="vibes"), "'vibes' is not one of"),
    "assumed without note": (
        lambda d: d["video"]["max_fps"].update(confidence="assumed"),
        "video.max_fps.note: an assumed figure must say why",
    ),
    "future check date": (lambda d: d["video"]["max_fps"].update(checked="2999-01-01"), "is in the future"),
    "bad aspect": (lambda d: d["video"]["preferred_aspect"].update(value="tall"), "is not of the form"),
    "preferred not accepted": (
        lambda d: d["video"]["preferred_aspect"].update(value="4:5"),
        "video.preferred_aspect: 4:5 is not in aspects",
    ),
    "min above max": (lambda d: d["video"]["min_fps"].update(value=90), "video.min_fps: 90 is above max_fps"),
    "unknown reframe rule": (
        lambda d: d["video"].update(reframe_to=_fig("widest")),
        "video.reframe_to.value: 'widest' is not one of",
    ),
    "id not file name": (lambda d: d.update(id="insta"), None),
    "bare number instead of figure": (
        lambda d: d["video"].update(max_fps=60),
        "video.max_fps: must be a mapping",
    ),
    "unknown counter": (
        lambda d: d["text"]["caption"]["count"].update(value="words"),
        "'words' is not one of",
    ),
    "half an app/api pair": (
        lambda d: d["video"]["max_duration_s"].pop("api"),
        "video.max_duration_s.api: is required",
    ),
    "missing required section": (lambda d: d.pop("cover"), "cover: is required"),
    "bad language code": (
        lambda d: d["text"]["languages"].update(value=["english!"]),
        "text.languages.value[0]: 'english!' is not of the form",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_every_bad_profile_key_is_caught(tmp_path, case):
    mutate, expected = BAD[case]
    file = _mutated(tmp_path, mutate)
    if case == "id not file name":
        file = file.rename(tmp_path / "reels.yaml")
        expected = "id: 'insta' must equal the file name 'reels'"
    with pytest.raises(ProfileError) as info:
        load_profile(file)
    assert info.value.where == str(file)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_all_problems_in_a_profile_at_once(tmp_path):
    def mutate(d):
        d.update(colour="red")
        d["video"]["max_fps"].update(value="sixty")
        d["text"].update(emoji=_fig(1))

    with pytest.raises(ProfileError) as info:
        load_profile(_mutated(tmp_path, mutate))
    assert len(info.value.problems) == 3


def test_user_profiles_add_and_override(tmp_path):
    def cheaper(d):
        d["video"]["max_duration_s"]["app"]["value"] = 60
        d["version"] = 7

    extra = tmp_path / "extra"
    extra.mkdir()
    _mutated(extra, cheaper)  # overrides reels by id
    # a copy made into another platform gets names of its own (reels' aliases would clash)
    _mutated(extra, lambda d: d.update(id="shorts", name="YouTube Shorts", aliases=["youtube"]))
    profiles = load_profiles([extra])
    assert profiles["reels"].version == 7 and profiles["reels"].video.max_duration_s == 60
    assert "shorts" in profiles
    # "all" means the built-in platforms, with a user's override standing in for its id.
    assert [p.id for p in select_profiles(profiles, "all")] == BUILTIN


def test_config_dir_profiles_are_read(config_dir):
    folder = config_dir / "profiles"
    folder.mkdir(parents=True)
    _mutated(folder, lambda d: d.update(id="mine", name="Mine", aliases=[]))
    assert "mine" in load_profiles()


def test_a_broken_user_profile_is_an_error_not_ignored(tmp_path):
    (tmp_path / "bad.yaml").write_text("schema: 1\nid: bad\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="is required"):
        load_profiles([tmp_path])


def test_select_unknown_platform():
    with pytest.raises(ProfileError, match="unknown platform myspace"):
        select_profiles(load_profiles(), "tiktok,myspace")


def test_photo_and_cover_shape_figures_are_checked(tmp_path):
    file = _mutated(tmp_path, lambda d: d["cover"].update(safe_aspect=_fig("wide")))
    with pytest.raises(ProfileError) as info:
        load_profile(file)
    assert any("cover.safe_aspect.value" in p for p in info.value.problems), info.value.problems
    rednote = _mutated(tmp_path, lambda d: d["image"].update(uniform_aspect=_fig("yes")), pid="rednote")
    with pytest.raises(ProfileError, match=r"image\.uniform_aspect"):
        load_profile(rednote)
    ok = _mutated(tmp_path, lambda d: d["image"].update(uniform_aspect=_fig(True)), pid="rednote")
    assert load_profile(ok).image.uniform_aspect is True


def test_preferred_languages_per_profile():
    profiles = load_profiles()
    assert profiles["rednote"].text.languages == ("zh", "en")
    assert all(p.text.languages for p in profiles.values())
    assert profiles["rednote"].figures["text.languages"].confidence == "assumed"
