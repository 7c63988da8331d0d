"""state: the SQLite record of what was made from what, surviving reopen and read-only use."""

import sqlite3

import pytest

from repost.migrate.state import Record, State
from repost.migrate.state_schema import SCHEMA_VERSION


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
    [got] = again.lookup("a", "reels")
    assert (got.inputs, got.fingerprint, got.bundle) == ("k1", "f1", "/o/a/reels")
    assert got.changes == ("copied", "cut 🐱") and got.warnings == ("w",)
    assert again.lookup("a", "rednote") == []
    again.close()


def test_a_later_record_replaces_the_earlier_one(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    state.record([rec("a", "reels", status="failed", outcome="failed", error="boom")])
    state.record([rec("a", "reels", inputs="k2")])
    [got] = state.lookup("a", "reels")
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
    assert state.lookup("a", "reels") == [] and not path.exists()
    writer = State.open(path)
    writer.start_run("src", {})
    writer.record([rec("a", "reels")])
    writer.close()
    reader = State.open(path, read_only=True)
    assert reader.lookup("a", "reels")[0].status == "done"
    with pytest.raises(sqlite3.OperationalError):
        reader.conn.execute("DELETE FROM bundles")


def test_each_part_has_its_row_and_a_post_made_again_keeps_no_stale_part(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    state.record([rec("a", "lemon8", part=i, parts=3, bundle=f"/o/a-part{i}/lemon8") for i in (1, 2, 3)])
    state.record([rec("a", "rednote")])
    assert [(r.part, r.parts, r.part_label) for r in state.lookup("a", "lemon8")] == [
        (1, 3, "1/3"), (2, 3, "2/3"), (3, 3, "3/3"),
    ]  # fmt: skip
    assert [r.part_label for r in state.lookup("a", "rednote")] == [None]
    # Made again in 2 parts, then whole: the rows are the new set, nothing left of the old one.
    state.record([rec("a", "lemon8", part=i, parts=2) for i in (1, 2)])
    assert [r.part_label for r in state.lookup("a", "lemon8")] == ["1/2", "2/2"]
    state.record([rec("a", "lemon8", status="failed", outcome="failed", error="boom")])
    assert [(r.part, r.status) for r in state.lookup("a", "lemon8")] == [(0, "failed")]
    assert len(state.lookup("a", "rednote")) == 1


def test_parts_sort_in_order_for_pacing(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    day = "2024-01-01T00:00:00"
    state.record([rec("a", "lemon8", day, part=2, parts=2), rec("a", "lemon8", day, part=1, parts=2)])
    assert [r.part for r in state.iter_run(order="created")] == [1, 2]


V1_SCHEMA = """
CREATE TABLE bundles (post TEXT NOT NULL, platform TEXT NOT NULL, inputs TEXT, fingerprint TEXT,
    status TEXT NOT NULL, outcome TEXT, error TEXT, bundle TEXT, created TEXT, title TEXT,
    changes TEXT, warnings TEXT, run INTEGER, seq INTEGER, updated TEXT, PRIMARY KEY (post, platform));
CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT, source TEXT, options TEXT);
CREATE INDEX bundles_run ON bundles (run, seq);
INSERT INTO runs (started, source, options) VALUES ('2026-01-01', 'src', '{}');
INSERT INTO bundles (post, platform, inputs, fingerprint, status, outcome, bundle, run, seq)
    VALUES ('a', 'reels', 'k1', 'f1', 'done', 'made', '/o/a/reels', 1, 1);
INSERT INTO bundles (post, platform, inputs, fingerprint, status, outcome, bundle, run, seq)
    VALUES ('c', 'lemon8', 'k2', 'f2', 'done', 'made', '/o/c-part2/lemon8', 1, 2);
INSERT INTO bundles (post, platform, inputs, fingerprint, status, outcome, bundle, run, seq)
    VALUES ('d', 'reels', 'k3', 'f3', 'done', 'made', '/mnt/backup-part1/d/reels', 1, 3);
"""


def test_a_state_from_before_parts_is_read_and_upgraded_in_place(tmp_path):
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()
    # --dry-run reads it (in a copy) without changing the file.
    reader = State.open(path, read_only=True)
    assert [(r.inputs, r.part, r.parts) for r in reader.lookup("a", "reels")] == [("k1", 0, 1)]
    reader.close()
    assert "part" not in [c[1] for c in sqlite3.connect(path).execute("PRAGMA table_info(bundles)")]
    # A real run upgrades it, the old rows kept as bundles made whole, and may then record parts.
    state = State.open(path)
    assert [(r.fingerprint, r.bundle, r.part) for r in state.lookup("a", "reels")] == [
        ("f1", "/o/a/reels", 0)
    ]
    state.start_run("src", {})
    assert state.run == 2
    state.record([rec("b", "reels", part=i, parts=2) for i in (1, 2)])
    state.close()
    again = sqlite3.connect(path)
    assert again.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert again.execute("SELECT COUNT(*) FROM bundles").fetchone()[0] == 5
    # Version 1 kept one row of a split post's parts: no proof the others are there, so the
    # post is looked at again (its quick key is gone) while a post made whole keeps its key.
    assert dict(again.execute("SELECT post, inputs FROM bundles WHERE post IN ('a', 'c', 'd')")) == {
        "a": "k1",
        "c": None,
        "d": "k3",  # an --out whose name only looks like a part's
    }
    assert again.execute("SELECT name FROM sqlite_master WHERE name = 'bundles_v1'").fetchone() is None
    # Version 1 came before readable folders: "c-part2" is a part of c, never c's name.
    assert [r.label for r in State.open(path).rows_of("c")] == ["c"]


def test_a_state_from_before_names_takes_them_from_the_folders_once(tmp_path):
    """A version 3 state (no name column): each post whose bundles lie in a readable folder is
    named by it, parts and all; a post in its id's folder keeps none and is named by its id."""
    path = tmp_path / "state.db"
    state = State.open(path)
    state.start_run("src", {})
    state.record([rec("7300000000000000001", "reels", bundle="/o/2023-11-14-dusk-0000001/reels"),
                  rec("7300000000000000001", "tiktok", status="failed", outcome="failed"),
                  *[rec("7300000000000000002", "lemon8", part=i, parts=2,
                        bundle=f"/o/2023-11-15-tea-0000002-part{i}/lemon8") for i in (1, 2)],
                  rec("a b", "reels", bundle="/o/a-b/reels"),  # a post.yaml's id, made folder-safe
                  rec("7300000000000000003", "reels", bundle="/o/7300000000000000003/reels")])  # fmt: skip
    state.close()
    with sqlite3.connect(path) as old:  # as repost wrote it before names were kept
        old.execute("ALTER TABLE bundles DROP COLUMN name")
        old.execute("PRAGMA user_version = 3")
    reader = State.open(path, read_only=True)  # a dry run: upgraded in a copy, the file untouched
    assert [r.label for r in reader.rows_of("7300000000000000001")] == ["2023-11-14-dusk-0000001"] * 2
    reader.close()
    assert "name" not in [c[1] for c in sqlite3.connect(path).execute("PRAGMA table_info(bundles)")]
    state = State.open(path)
    names = {(r.post, r.platform, r.part): r.name for r, _ in state.iter_all()}
    assert names == {
        ("7300000000000000001", "reels", 0): "2023-11-14-dusk-0000001",
        ("7300000000000000001", "tiktok", 0): "2023-11-14-dusk-0000001",  # its row without a bundle too
        ("7300000000000000002", "lemon8", 1): "2023-11-15-tea-0000002",
        ("7300000000000000002", "lemon8", 2): "2023-11-15-tea-0000002",
        ("a b", "reels", 0): None,
        ("7300000000000000003", "reels", 0): None,
    }
    assert [r.label for r in state.rows_of("7300000000000000003")] == ["7300000000000000003"]
    state.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_moving_a_posts_bundles_names_every_row_of_it(tmp_path):
    state = State.open(tmp_path / "state.db")
    state.start_run("src", {})
    state.record([rec("p", "reels", bundle="/o/p/reels", name="old"), rec("p", "tiktok", name="old"),
                  rec("q", "reels", bundle="/o/q/reels", name="q-name")])  # fmt: skip
    state.move_bundles("p", {"/o/p": "/o/new"}, "new")
    assert [(r.bundle, r.name) for r in state.rows_of("p")] == [("/o/new/reels", "new"), (None, "new")]
    assert [r.name for r in state.rows_of("q")] == ["q-name"]
