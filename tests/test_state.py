"""state: the SQLite record of what was made from what, surviving reopen and read-only use."""

import sqlite3

import pytest

from repost.state import Record, State


def rec(post, platform, created=None, status="done", outcome="made", **kw):
    return Record(post, platform, status, outcome, created=created, **kw)


def test_records_round_trip_and_survive_reopening(tmp_path):
    path = tmp_path / ".repost" / "state.db"
    state = State.open(path)
    state.start_run("src", {"to": "all"})
    state.record([rec("a", "reels", inputs="k1", fingerprint="f1", bundle="/o/a/reels",
                      changes=("copied", "cut 🐱"), warnings=("w",))])  # fmt: skip
    state.close()
    again = State.open(path)
    got = again.lookup("a", "reels")
    assert (got.inputs, got.fingerprint, got.bundle) == ("k1", "f1", "/o/a/reels")
    assert got.changes == ("copied", "cut 🐱") and got.warnings == ("w",)
    assert again.lookup("a", "rednote") is None
    again.close()


def test_a_later_record_replaces_the_earlier_one(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    state.record([rec("a", "reels", status="failed", outcome="failed", error="boom")])
    state.record([rec("a", "reels", inputs="k2")])
    got = state.lookup("a", "reels")
    assert got.status == "done" and got.error is None and got.inputs == "k2"
    assert state.conn.execute("SELECT COUNT(*) FROM bundles").fetchone()[0] == 1


def test_iter_run_orders_by_seen_or_by_platform_then_oldest(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    state.record([rec("old-run", "reels")])
    state.start_run("src", {})
    state.record([rec("b", "reels", "2024-02-01T00:00:00"), rec("b", "rednote", "2024-02-01T00:00:00")])
    state.record([rec("a", "reels", "2024-01-01T00:00:00"), rec("c", "reels")])
    assert [(r.post, r.platform) for r in state.iter_run()] == [
        ("b", "reels"), ("b", "rednote"), ("a", "reels"), ("c", "reels"),
    ]  # fmt: skip
    assert [(r.post, r.platform) for r in state.iter_run(order="created")] == [
        ("b", "rednote"), ("a", "reels"), ("b", "reels"), ("c", "reels"),
    ]  # fmt: skip


def test_read_only_never_creates_or_writes(tmp_path):
    path = tmp_path / "state.db"
    state = State.open(path, read_only=True)
    assert state.lookup("a", "reels") is None and not path.exists()
    writer = State.open(path)
    writer.start_run("src", {})
    writer.record([rec("a", "reels")])
    writer.close()
    reader = State.open(path, read_only=True)
    assert reader.lookup("a", "reels").status == "done"
    with pytest.raises(sqlite3.OperationalError):
        reader.conn.execute("DELETE FROM bundles")
