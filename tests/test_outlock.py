"""One writing run per output folder: a second export or migrate into it is refused, a dry run
is not, and what a killed run left in DIR/.repost is cleared by the next."""

import subprocess
import sys

import pytest

from repost.bundle.outlock import output_lock
from repost.errors import UsageError


def test_a_second_run_into_the_same_folder_is_refused(run, write_post, clip_fits_all, tmp_path):
    post = write_post(
        "caption: Dusk\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder="src/p0"
    )
    out = tmp_path / "out"
    with output_lock(out / ".repost"):
        busy = run("export", post, "--to", "reels", "--out", out)
        assert busy.code == 2
        assert "Error: another repost run is writing to this output folder" in busy.err
        assert "choose another --out" in busy.err
        assert run("migrate", tmp_path / "src", "--to", "reels", "--out", out).code == 2
        assert run("migrate", tmp_path / "src", "--to", "reels", "--out", out, "--dry-run").code == 0
        assert run("export", post, "--to", "reels", "--out", tmp_path / "other").code == 0
    assert not (out / "p0").exists()
    assert run("export", post, "--to", "reels", "--out", out).code == 0


def test_a_lock_held_by_a_killed_process_is_gone_with_it(tmp_path):
    work = tmp_path / "out" / ".repost"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from repost.bundle.outlock import output_lock\n"
         f"with output_lock(__import__('pathlib').Path({str(work)!r})):\n"
         "    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match="another repost run"), output_lock(work):
            pass
    finally:
        holder.kill()
        holder.wait()
    with output_lock(work):
        pass


def test_what_a_killed_run_left_is_cleared(run, write_post, clip_fits_all, tmp_path):
    post = write_post("caption: Dusk\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all})
    out = tmp_path / "out"
    half = out / ".repost" / "tmp" / "p0-reels-0123abcd"
    half.mkdir(parents=True)
    (half / "01.mp4").write_bytes(b"half")
    renditions = out / ".repost" / "renditions-0123abcd"
    renditions.mkdir()
    (renditions / "000-0-01.mp4").write_bytes(b"half")
    keep = out / ".repost" / "downloads"
    keep.mkdir()
    (keep / "a.mp4").write_bytes(b"kept")
    assert run("export", post, "--to", "reels", "--out", out).code == 0
    assert not half.exists() and not renditions.exists() and (keep / "a.mp4").read_bytes() == b"kept"


def test_where_locks_are_not_supported_the_run_goes_on_and_leaves_leftovers(tmp_path, monkeypatch, caplog):
    import errno

    import repost.bundle.outlock

    def no_locks(fd, how):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(repost.bundle.outlock.fcntl, "flock", no_locks)
    work = tmp_path / "out" / ".repost"
    (work / "tmp" / "other-run").mkdir(parents=True)
    with caplog.at_level("WARNING"), output_lock(work):
        pass
    assert (work / "tmp" / "other-run").is_dir()  # may be another run's: not ours to clear
    assert "takes no locks: a second run into it would not be refused" in caplog.text


def test_an_output_folder_that_cannot_be_made_is_named(run, write_post, clip_fits_all, tmp_path):
    post = write_post("caption: Dusk\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all})
    (tmp_path / "taken").write_text("a file, not a folder")
    result = run("export", post, "--to", "reels", "--out", tmp_path / "taken" / "out")
    assert result.code == 2, result.err
    assert "Error: cannot write to the output folder" in result.err and "taken" in result.err
    assert "Traceback" not in result.err
