"""repost's own files in an output folder (DIR/.repost, its lock, tmp, state and stores) are never
followed through a link: an output folder may come from anyone, links and all (unzip keeps them),
and a link there had repost write, or clear, files elsewhere."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from repost.errors import InputError
from repost.migrate.state import State
from repost.translate.cache import Cache

pytestmark = pytest.mark.timeout(120)

POST = "caption: Dusk\nmedia: [clip.mp4]\n"


@pytest.fixture
def outside(tmp_path):
    """A folder elsewhere holding files of the user's, one in a ``tmp`` folder as a work folder has."""
    folder = tmp_path / "elsewhere"
    (folder / "tmp").mkdir(parents=True)
    (folder / "tmp" / "keep.txt").write_text("mine")
    (folder / "notes.txt").write_text("mine too")
    return folder


def _everything(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("link", [".repost", ".repost/tmp", ".repost/lock"])
def test_export_refuses_a_work_folder_link_and_touches_nothing_it_points_at(
    run, write_post, clip_fits_all, tmp_path, outside, link
):
    post = write_post(POST, media={"clip.mp4": clip_fits_all}, folder="src/p0")
    out = tmp_path / "out"
    out.mkdir()
    if link != ".repost":
        (out / ".repost").mkdir()
    target = {".repost": outside, ".repost/tmp": outside / "tmp", ".repost/lock": outside / "lock"}[link]
    (out / link).symlink_to(target)
    before = _everything(outside)
    result = run("export", post, "--to", "reels", "--out", out)
    assert result.code == 2
    name = link.rsplit("/", 1)[-1]
    assert f"Error: {name} is a link; repost keeps its own files inside the output folder" in result.err
    assert _everything(outside) == before  # tmp/keep.txt not cleared, no lock or store made there
    assert not (out / "p0").exists()


def test_a_measured_store_link_is_not_followed_and_the_run_goes_on(
    run, write_post, clip_fits_all, tmp_path, outside
):
    """measured.db is a cache: a link there is passed over (everything measured again), never
    written through."""
    post = write_post(POST, media={"clip.mp4": clip_fits_all}, folder="src/p0")
    out = tmp_path / "out"
    (out / ".repost").mkdir(parents=True)
    (out / ".repost" / "measured.db").symlink_to(outside / "stolen.db")
    assert run("export", post, "--to", "lemon8", "--out", out).code == 0  # lemon8: a watermark scan
    assert not (outside / "stolen.db").exists()
    assert (out / "p0" / "lemon8" / "manifest.json").is_file()


def test_preview_writes_no_store_through_a_work_folder_link(
    run, write_post, clip_fits_all, tmp_path, outside
):
    post = write_post(POST, media={"clip.mp4": clip_fits_all}, folder="src/p0")
    out = tmp_path / "out"
    assert run("export", post, "--to", "shorts", "--out", out).code == 0  # no cover: a poster to make
    shutil.rmtree(out / ".repost")
    (out / ".repost").symlink_to(outside)
    before = _everything(outside)
    assert run("preview", out).code == 0
    assert _everything(outside) == before


def test_a_migration_state_link_is_refused(tmp_path, outside):
    work = tmp_path / "out" / ".repost"
    work.mkdir(parents=True)
    (work / "state.db").symlink_to(outside / "state.db")
    with pytest.raises(InputError, match=r"^state.db is a link"):
        State.open(work / "state.db")
    assert not (outside / "state.db").exists()


def test_a_translation_cache_link_is_refused(tmp_path, outside):
    sqlite3.connect(outside / "translations.db").close()
    work = tmp_path / ".repost"
    work.mkdir()
    (work / "translations.db").symlink_to(outside / "translations.db")
    with pytest.raises(InputError, match=r"^translations.db is a link"):
        Cache(work)
    (tmp_path / "linked").symlink_to(outside)
    with pytest.raises(InputError, match=r"^linked is a link"):
        Cache(tmp_path / "linked")
