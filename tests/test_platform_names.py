"""Platform names as people say them: every id and alias, in any case, wherever a platform is named."""

import copy
from pathlib import Path

import pytest
import yaml

from repost.errors import ProfileError
from repost.platforms.names import name_key, resolve_platform
from repost.platforms.profiles import builtin_profile_dir, load_profiles, select_profiles

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SAID = {  # what creators type -> the platform they mean
    "RedNote": "rednote",
    "xiaohongshu": "rednote",
    "XHS": "rednote",
    "小红书": "rednote",
    "Little Red Book": "rednote",
    "instagram": "reels",
    "IG": "reels",
    "Instagram-Reels": "reels",
    "youtube": "shorts",
    "YT": "shorts",
    "YouTube Shorts": "shorts",
    "TikTok": "tiktok",
    "LEMON8": "lemon8",
}


def test_every_id_and_alias_of_every_profile_resolves_in_any_case(profiles):
    assert all(p.aliases for p in profiles.values())  # each built-in platform has other names
    for pid, profile in profiles.items():
        for name in (pid, *profile.aliases):
            for spelt in (name, name.upper(), name.title(), f" {name} ", name.replace(" ", "-")):
                assert resolve_platform(profiles, spelt) == pid, spelt


def test_what_people_say(profiles):
    assert {said: resolve_platform(profiles, said) for said in SAID} == SAID
    assert resolve_platform(profiles, "myspace") is None
    assert [p.id for p in select_profiles(profiles, "RedNote, xhs,小红书,IG,youtube")] == [
        "rednote",
        "reels",
        "shorts",
    ]
    assert len(select_profiles(profiles, "ALL")) == 5


def _copy_profile(folder: Path, pid: str, **changes) -> Path:
    data = copy.deepcopy(yaml.safe_load((builtin_profile_dir() / f"{pid}.yaml").read_text(encoding="utf-8")))
    data.update(changes)
    out = folder / f"{data['id']}.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def test_an_alias_two_profiles_claim_is_a_profile_error(tmp_path):
    # A user's new platform answering to "Instagram" would make --to instagram a guess.
    _copy_profile(tmp_path, "tiktok", id="threads", name="Threads", aliases=["Instagram", "threads-app"])
    with pytest.raises(ProfileError) as info:
        load_profiles([tmp_path])
    assert "'Instagram' names both" in str(info.value) and "threads" in str(info.value)
    assert "reels" in str(info.value)


def test_an_alias_that_is_another_profiles_id_or_all_is_refused(tmp_path):
    _copy_profile(tmp_path, "tiktok", id="threads", name="Threads", aliases=["Reels"])
    with pytest.raises(ProfileError, match="names both"):
        load_profiles([tmp_path])
    _copy_profile(tmp_path, "tiktok", id="threads", name="Threads", aliases=["All"])
    with pytest.raises(ProfileError, match="reserved"):
        load_profiles([tmp_path])
    # An override of a built-in platform may keep or change its aliases.
    (tmp_path / "threads.yaml").unlink()
    _copy_profile(tmp_path, "reels", aliases=["insta"])
    found = load_profiles([tmp_path])
    assert resolve_platform(found, "insta") == "reels" and resolve_platform(found, "instagram") is None


def test_aliases_are_checked_as_data(tmp_path):
    _copy_profile(tmp_path, "tiktok", aliases="tt")
    with pytest.raises(ProfileError, match="aliases: must be a list"):
        load_profiles([tmp_path])


def test_names_match_without_case_spaces_or_width():
    assert name_key("Ｒｅｄ Ｎｏｔｅ") == name_key("red-note") == name_key("RED_NOTE") == "rednote"


def test_to_takes_names_and_unknown_ones_get_a_guess(run, tmp_path):
    out = tmp_path / "out"
    result = run("export", EXAMPLES / "matcha-photos", "--to", "RedNote,xiaohongshu,Instagram", "--out", out,
                 "--dry-run", "--json")  # fmt: skip
    assert result.code == 0, result.err
    assert [p["platform"] for p in result.json()["plans"]] == ["rednote", "reels"]
    wrong = run("export", EXAMPLES / "matcha-photos", "--to", "rednot", "--out", out)
    assert wrong.code == 2 and "Error: unknown platform rednot [--to]" in wrong.err
    assert "did you mean 'rednote'?" in wrong.err and "xiaohongshu" in wrong.err


def test_validate_and_profiles_show_take_names(run, image_jpeg_34):
    result = run("validate", image_jpeg_34, "--profile", "小红书", "--json")
    assert result.json()["bundles"][0]["platform"] == "rednote"
    shown = run("profiles", "show", "YouTube", "--json")
    assert shown.code == 0 and shown.json()["id"] == "shorts" and "yt" in shown.json()["aliases"]
    listed = run("profiles", "list", "--json").json()
    assert {r["id"]: r["aliases"] for r in listed}["rednote"][:2] == ["xiaohongshu", "xhs"]
    assert run("profiles", "show", "myspace").code == 2


def test_post_yaml_platform_keys_take_names(run, write_post, image_jpeg_34, tmp_path):
    post = write_post(
        "caption: Plain everywhere\nmedia: [a.jpg]\n"
        "platforms:\n  Instagram: {caption: Only on Reels}\n  小红书: {caption: 只在小红书}\n"
        "mentions: {cat: {IG: cat.ig}}\n",
        media={"a.jpg": image_jpeg_34},
    )
    result = run(
        "export", post, "--to", "reels,rednote,tiktok", "--out", tmp_path / "out", "--dry-run", "--json"
    )
    assert result.code == 0, result.err
    captions = {p["platform"]: p["text"]["caption"] for p in result.json()["plans"]}
    assert captions["reels"].startswith("Only on Reels") and captions["rednote"].startswith("只在小红书")
    assert captions["tiktok"].startswith("Plain everywhere")


def test_a_post_yaml_platform_nobody_answers_to_is_an_error(run, write_post, image_jpeg_34, tmp_path):
    post = write_post(
        "media: [a.jpg]\nplatforms:\n  instagarm: {caption: x}\n", media={"a.jpg": image_jpeg_34}
    )
    result = run("export", post, "--to", "reels", "--out", tmp_path / "out")
    assert result.code == 2
    assert "platforms.instagarm: unknown platform 'instagarm' (did you mean 'reels'?)" in result.err
    assert "Hint: see docs/post-yaml.md#platforms" in result.err


def test_help_lists_the_platforms_of_the_loaded_profiles(run, config_dir):
    mine = config_dir / "profiles"
    mine.mkdir(parents=True)
    _copy_profile(mine, "tiktok", id="threads", name="Threads", aliases=[])
    top = run("--help").out
    for pid in ("tiktok", "reels", "rednote", "lemon8", "shorts", "threads"):
        assert f"{pid} (" in top, pid
    to_help = " ".join(run("export", "--help").out.split())
    assert "(lemon8, rednote, reels, shorts, threads, tiktok)" in to_help
