"""Migration state in SQLite (DIR/.repost/state.db): per post and platform, what was made from what.

A row is written only after its bundle was renamed into place (bundles are atomic, see
bundle.py), and each post's rows are committed together, so a run killed at any moment, SIGKILL
included, leaves rows that tell the truth: at worst a finished bundle with no row yet, which the
next run finds up to date through its manifest's fingerprint instead of making it again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from repost.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS bundles (
    post TEXT NOT NULL,
    platform TEXT NOT NULL,
    inputs TEXT,          -- quick key: tool, profile, options, post fields, media size+mtime
    fingerprint TEXT,     -- bundle.fingerprint() of the plan, as the manifest records it
    status TEXT NOT NULL, -- done | failed | skipped
    outcome TEXT,         -- in the last run that saw it: made | up_to_date | failed | skipped
    error TEXT,
    bundle TEXT,
    created TEXT,         -- the post's date, UTC ISO 8601, for pacing
    title TEXT,
    changes TEXT,         -- JSON list
    warnings TEXT,        -- JSON list
    run INTEGER,
    seq INTEGER,
    updated TEXT,
    PRIMARY KEY (post, platform)
);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT, source TEXT, options TEXT);
CREATE INDEX IF NOT EXISTS bundles_run ON bundles (run, seq);
"""
BATCH = 500  # confirming rows written together
COLUMNS = (
    "post", "platform", "inputs", "fingerprint", "status", "outcome", "error", "bundle",
    "created", "title", "changes", "warnings",
)  # fmt: skip


@dataclass
class Record:
    """One (post, platform) as this run left it."""

    post: str
    platform: str
    status: str
    outcome: str
    inputs: str | None = None
    fingerprint: str | None = None
    error: str | None = None
    bundle: str | None = None
    created: str | None = None
    title: str | None = None
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def values(self) -> tuple:
        row = {**self.__dict__, "changes": json.dumps(list(self.changes), ensure_ascii=False)}
        row["warnings"] = json.dumps(list(self.warnings), ensure_ascii=False)
        return tuple(row[c] for c in COLUMNS)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Record:
        data = {c: row[c] for c in COLUMNS}
        data["changes"] = tuple(json.loads(data["changes"] or "[]"))
        data["warnings"] = tuple(json.loads(data["warnings"] or "[]"))
        return cls(**data)


class State:
    """The state database; used from one thread (the migration's main loop)."""

    def __init__(self, conn: sqlite3.Connection, run: int = 0) -> None:
        self.conn = conn
        self.run = run
        self.seq = 0
        self.pending: list[tuple] = []

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> State:
        """Open (creating unless ``read_only``) the database at ``path``."""
        try:
            if read_only:
                if not path.is_file():
                    conn = sqlite3.connect(":memory:")
                else:
                    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path)
                # WAL: a commit is one append, and a killed writer never damages what was committed.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            if not read_only or not path.is_file():
                conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the migration state: {exc}", path) from exc
        return cls(conn)

    def start_run(self, source: str, options: dict) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started, source, options) VALUES (?, ?, ?)",
            (_now(), source, json.dumps(options, sort_keys=True, default=str)),
        )
        self.conn.commit()
        self.run = int(cur.lastrowid)
        return self.run

    def lookup(self, post: str, platform: str) -> Record | None:
        # Pending rows are never looked up: a source yields each post id once.
        row = self.conn.execute(
            "SELECT * FROM bundles WHERE post = ? AND platform = ?", (post, platform)
        ).fetchone()
        return Record.from_row(row) if row is not None else None

    def record(self, records: list[Record], *, durable: bool = True) -> None:
        """Write one post's records in one transaction. Rows that only confirm the past (up to
        date, skipped) may wait for the next durable write: losing them to a kill loses nothing."""
        for r in records:
            self.seq += 1
            self.pending.append((*r.values(), self.run, self.seq, _now()))
        if durable or len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        marks = ", ".join("?" * (len(COLUMNS) + 3))
        with self.conn:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO bundles ({', '.join(COLUMNS)}, run, seq, updated) VALUES ({marks})",
                self.pending,
            )
        self.pending.clear()

    def iter_run(self, *, order: str = "seq") -> Iterator[Record]:
        """This run's records, by the order seen (``seq``) or oldest post first (``created``)."""
        self.flush()
        by = "seq" if order == "seq" else "platform, COALESCE(created, '~'), post"
        for row in self.conn.execute(f"SELECT * FROM bundles WHERE run = ? ORDER BY {by}", (self.run,)):
            yield Record.from_row(row)

    def close(self) -> None:
        self.conn.close()  # rows still pending are dropped: only on an error path


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
