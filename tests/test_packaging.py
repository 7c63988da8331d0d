"""Packaging: every package of repost is listed for the wheel, and the profiles travel with it."""

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    listed = {line.strip() for line in cfg["options"]["packages"].splitlines() if line.strip()}
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "repost").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to setup.cfg [options] packages: {sorted(on_disk - listed)}"
    assert "repost.builtin_profiles" in listed
    assert "repost.builtin_profiles = profiles" in cfg["options"]["package_dir"]


def test_python_m_repost_runs(run):
    result = run("--version")
    assert result.code == 0 and "repost" in result.out
