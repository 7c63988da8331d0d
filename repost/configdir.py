"""repost's configuration folder (profiles/, topics.yaml): REPOST_CONFIG_DIR when set, else the
operating system's usual place for an application's settings.

The usual place follows click's get_app_dir("repost") (the folder repost has always used), but is
worked out here so the library needs no terminal package and so one variable moves it on every
system: get_app_dir reads XDG_CONFIG_HOME on Linux only, so on macOS and Windows nothing short of
a new home folder kept tests, CI and a second set of profiles away from the user's own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "REPOST_CONFIG_DIR"
APP_NAME = "repost"


def config_dir() -> Path:
    """The folder itself (not its parent): REPOST_CONFIG_DIR, or the system's place for repost."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen).expanduser()
    return system_config_dir()


def system_config_dir() -> Path:
    """Windows: %APPDATA%\\repost; macOS: ~/Library/Application Support/repost; elsewhere
    $XDG_CONFIG_HOME/repost, or ~/.config/repost."""
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Application Support")) / APP_NAME
    return Path(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")) / APP_NAME
