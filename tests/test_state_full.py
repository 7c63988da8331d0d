"""state: a disk that fills while the state is written gives a clear error and a usable state."""

import pytest

from repost.errors import InputError
from repost.migrate.state import Record, State


def test_a_full_disk_while_recording_is_a_clear_error_and_the_state_stays_usable(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    state.record([Record("kept", "reels", "done", "made")])
    pages = state.conn.execute("PRAGMA page_count").fetchone()[0]
    state.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full"
    big = [Record(f"p{i}", "reels", "failed", "failed", error="x" * 2000) for i in range(200)]
    with pytest.raises(InputError, match="the disk is full: the migration state cannot be written"):
        state.record(big)
    state.close()
    again = State.open(tmp_path / "state.db")
    assert [r.post for r in again.lookup("kept", "reels")] == ["kept"]
    assert again.lookup("p0", "reels") == []  # the failed write left nothing half done
    again.record(big)  # room again: the same write goes through
    assert len(again.lookup("p199", "reels")) == 1
    again.close()
