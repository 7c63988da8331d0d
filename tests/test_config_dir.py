"""repost's config folder: REPOST_CONFIG_DIR moves it on every system, the system's place is
click's as before, and the suite never reads the developer's own (a broken profile there cannot
fail it)."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from repost.configdir import ENV_VAR, config_dir, system_config_dir
from repost.errors import ProfileError
from repost.platforms.profiles import builtin_profile_dir, load_profiles, user_profile_dir
from repost.translate.topics import default_topics_file

ROOT = Path(__file__).resolve().parent.parent
BROKEN = "schema: 1\nid: broken\n"  # no name, no kinds: load_profiles refuses the whole set


def test_the_variable_moves_profiles_and_topics(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "mine"))
    assert config_dir() == tmp_path / "mine"
    assert user_profile_dir() == tmp_path / "mine" / "profiles"
    assert default_topics_file() == tmp_path / "mine" / "topics.yaml"
    (tmp_path / "mine" / "profiles").mkdir(parents=True)
    data = yaml.safe_load((builtin_profile_dir() / "tiktok.yaml").read_text(encoding="utf-8"))
    data["version"] = 99  # an override of the built-in profile, by its id
    (tmp_path / "mine" / "profiles" / "tiktok.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_profiles()["tiktok"].version == 99


def test_a_user_profile_in_the_moved_folder_is_read(tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere" / "profiles"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere"))
    with pytest.raises(ProfileError, match=r"broken\.yaml"):
        load_profiles()


def test_without_the_variable_the_folder_is_clicks(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == system_config_dir() == Path(click.get_app_dir("repost"))
    monkeypatch.setenv(ENV_VAR, "")  # empty is unset, not the current folder
    assert config_dir() == Path(click.get_app_dir("repost"))


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CONFIG_HOME": "/x"}, Path("/x/repost")),
        ("linux", {}, Path("~/.config/repost").expanduser()),
        ("darwin", {"XDG_CONFIG_HOME": "/x"}, Path("~/Library/Application Support/repost").expanduser()),
        ("win32", {"APPDATA": "/roaming"}, Path("/roaming/repost")),
    ],
)
def test_the_system_place_on_each_system(monkeypatch, platform, env, expected):
    for name in ("XDG_CONFIG_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert system_config_dir() == expected


@pytest.mark.timeout(240)
def test_a_broken_user_profile_cannot_fail_the_suite(tmp_path):
    """The developer's config folder holds a broken profile (as found by XDG_CONFIG_HOME and by
    REPOST_CONFIG_DIR): the suite still collects every module and its profile tests pass."""
    home = tmp_path / "home"
    for folder in (home / ".config" / "repost" / "profiles", home / "own" / "profiles"):
        folder.mkdir(parents=True)
        (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env[ENV_VAR] = str(home / "own")
    # The file is really broken: read as a user's, it fails the whole set.
    check = [sys.executable, "-c", "from repost.platforms.profiles import load_profiles; load_profiles()"]
    failed = subprocess.run(check, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "broken.yaml" in failed.stderr
    pytest_args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    every = [*pytest_args, "--collect-only", "tests"]
    collected = subprocess.run(every, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    assert "error" not in collected.stdout.splitlines()[-1], collected.stdout[-2000:]
    ran = subprocess.run(
        [*pytest_args, "tests/plan/test_fps.py", "tests/text/test_languages.py"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0 and " passed" in ran.stdout, ran.stdout[-2000:]
