"""Migration state in SQLite (DIR/.repost/state.db): per bundle, what was made from what.

A bundle is a (post, platform, part): a post split into numbered posts (a long video with
--split, a carousel over the platform's cap) has one row per part, each with the part count, so
a re-run can tell a whole set of parts from one with a part deleted or missing.

A row is written only after its bundle was renamed into place (bundles are atomic, see
bundle.py), and each post's rows are committed together, so a run killed at any moment, SIGKILL
included, leaves rows that tell the truth: at worst a finished bundle with no row yet, which the
next run finds up to date through its manifest's fingerprint instead of making it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from repost.errors import InputError
from repost.layout import STATE_DB, check_own
from repost.migrate.state_schema import (
    ASIDE_HINT,
    COLUMNS,
    SCHEMA_VERSION,
    check_usable,
    in_memory_copy,
    schema_version,
    upgrade,
)

BATCH = 500  # confirming rows written together


class Status(StrEnum):
    """Where a bundle stands, kept from run to run (the column ``status``)."""

    DONE = "done"  # made, from the inputs recorded
    FAILED = "failed"
    SKIPPED = "skipped"  # a post left out (private, photos yt-dlp could not fetch)
    PLANNED = "planned"  # --dry-run: never written


class Outcome(StrEnum):
    """What the last run that saw a bundle did with it (the column ``outcome``)."""

    MADE = "made"
    UP_TO_DATE = "up_to_date"
    FAILED = "failed"
    SKIPPED = "skipped"
    PLANNED = "planned"


@dataclass
class Record:
    """One bundle, (post, platform, part), as this run left it."""

    post: str
    platform: str
    status: Status
    outcome: Outcome
    part: int = 0  # 1..parts for a post split into numbered posts, else 0
    parts: int = 1
    inputs: str | None = None
    fingerprint: str | None = None
    error: str | None = None
    bundle: str | None = None
    created: str | None = None
    title: str | None = None
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # The post as a person knows it (Post.name: an imported post's readable folder name, else
    # its id), for the lines, the report and the schedule; None in a row from before it was kept.
    name: str | None = None

    def values(self) -> tuple:
        row = {**self.__dict__, "changes": json.dumps(list(self.changes), ensure_ascii=False)}
        row["warnings"] = json.dumps(list(self.warnings), ensure_ascii=False)
        return tuple(row[c] for c in COLUMNS)

    @property
    def label(self) -> str:
        """How lines name the post: its readable name where known, else its id."""
        return self.name or self.post

    @property
    def part_label(self) -> str | None:
        """ "2/3" for part 2 of 3, None for a post made whole."""
        return f"{self.part}/{self.parts}" if self.part else None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Record:
        data = {c: row[c] for c in COLUMNS}
        data["changes"] = tuple(json.loads(data["changes"] or "[]"))
        data["warnings"] = tuple(json.loads(data["warnings"] or "[]"))
        data["status"] = _known(Status, data["status"], Status.FAILED)
        data["outcome"] = _known(Outcome, data["outcome"], Outcome.FAILED)
        return cls(**data)


def _known(kind, value, otherwise):
    """``value`` as one of ``kind``; a value this version does not know reads as ``otherwise``
    (looked at again, never trusted as done)."""
    try:
        return kind(value)
    except ValueError:
        return otherwise


class State:
    """The state database; used from one thread (the migration's main loop)."""

    def __init__(self, conn: sqlite3.Connection, run: int = 0, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self.run = run
        self.seq = 0
        self.pending: list[tuple] = []

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> State:
        """Open (creating unless ``read_only``) the database at ``path``. One made by a newer
        repost, or damaged, is refused before anything is written to it."""
        check_own(path.parent, folder=True)  # a link: the state would be written elsewhere
        if path.is_symlink():
            check_own(path, folder=False)
        if path.exists() and not path.is_file():  # a FIFO would block SQLite's first read
            raise InputError("the migration state is not a regular file", path, hint=ASIDE_HINT)
        conn = None
        try:
            if read_only:
                if not path.is_file():
                    conn = sqlite3.connect(":memory:")
                else:
                    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path)
            check_usable(conn, path)
            if not read_only:
                # WAL: a commit is one append, and a killed writer never damages what was committed.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            if read_only and path.is_file() and schema_version(conn) < SCHEMA_VERSION:
                conn = in_memory_copy(conn)  # --dry-run reads an old state without changing it
            if schema_version(conn) < SCHEMA_VERSION:
                upgrade(conn)
        except (sqlite3.Error, InputError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, InputError):
                raise
            raise InputError(f"cannot open the migration state: {exc}", path, hint=ASIDE_HINT) from exc
        return cls(conn, path=path)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """A state found damaged mid-run (a bad page SQLite's quick check did not reach, a row of
        another type than its column) ends the run as one clear error: the transaction it broke
        is rolled back, so no row is half written."""
        try:
            yield
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            raise InputError(f"cannot use the migration state: {exc}", self.path, hint=ASIDE_HINT) from exc

    def start_run(self, source: str, options: dict) -> int:
        with self._guard(), self.conn:
            cur = self.conn.execute(
                "INSERT INTO runs (started, source, options) VALUES (?, ?, ?)",
                (_now(), source, json.dumps(options, sort_keys=True, default=str)),
            )
        self.run = int(cur.lastrowid)
        return self.run

    def lookup(self, post: str, platform: str) -> list[Record]:
        """The rows of a post on a platform: one, or one per part; [] when never seen."""
        # Pending rows are never looked up: a source yields each post id once.
        with self._guard():
            rows = self.conn.execute(
                "SELECT * FROM bundles WHERE post = ? AND platform = ? ORDER BY part", (post, platform)
            )
            return [Record.from_row(row) for row in rows]

    def rows_of(self, post: str) -> list[Record]:
        """Every row of a post, on every platform (pending rows included: written first)."""
        self.flush()
        with self._guard():
            rows = self.conn.execute("SELECT * FROM bundles WHERE post = ? ORDER BY platform, part", (post,))
            return [Record.from_row(row) for row in rows]

    def move_bundles(self, post: str, moved: dict[str, str], name: str | None = None) -> None:
        """The post's bundles were renamed from each folder ``moved`` names to its new one: its
        rows, and its publish records (which name the bundle they were sent from), say so now,
        and every row of the post (on platforms this run leaves alone too) bears ``name``.
        One transaction: a kill leaves every row as it was or every row moved."""

        def new_path(path: str | None) -> str | None:
            parent = str(Path(path).parent) if path else None
            return str(Path(moved[parent]) / Path(path).name) if parent in moved else path

        with self._guard(), self.conn:
            if name is not None:
                self.conn.execute("UPDATE bundles SET name = ? WHERE post = ?", (name, post))
            rows = self.conn.execute("SELECT platform, part, bundle FROM bundles WHERE post = ?", (post,))
            for platform, part, bundle in rows.fetchall():
                if new_path(bundle) != bundle:
                    self.conn.execute(
                        "UPDATE bundles SET bundle = ? WHERE post = ? AND platform = ? AND part = ?",
                        (new_path(bundle), post, platform, part),
                    )
            has_records = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'publish_records'"
            ).fetchone()
            if has_records:  # a part of a split post is published as "<post>#<part>"
                rows = self.conn.execute(
                    "SELECT rowid, bundle FROM publish_records "
                    "WHERE post_id = ? OR substr(post_id, 1, ?) = ?",
                    (post, len(post) + 1, post + "#"),
                )
                for rowid, bundle in rows.fetchall():
                    if new_path(bundle) != bundle:
                        self.conn.execute(
                            "UPDATE publish_records SET bundle = ? WHERE rowid = ?", (new_path(bundle), rowid)
                        )

    def record(self, records: list[Record], *, durable: bool = True) -> None:
        """Write one post's records in one transaction. The records of a (post, platform) are
        all of its rows: they replace every earlier row, so a post made in 3 parts and now in 2
        (or now whole) keeps no row for a part that is gone. Rows that only confirm the past
        (up to date, skipped) may wait for the next durable write: losing them to a kill loses
        nothing."""
        rows = []
        for r in records:
            self.seq += 1
            rows.append((*r.values(), self.run, self.seq, _now()))
        self.pending.append((list(dict.fromkeys((r.post, r.platform) for r in records)), rows))
        if durable or sum(len(rows) for _, rows in self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        marks = ", ".join("?" * (len(COLUMNS) + 3))
        insert = f"INSERT INTO bundles ({', '.join(COLUMNS)}, run, seq, updated) VALUES ({marks})"
        with self._guard():  # any other damage found here: one clear error, nothing half written
            try:
                with self.conn:  # one transaction: rolled back whole if the disk is full
                    for keys, rows in self.pending:
                        self.conn.executemany("DELETE FROM bundles WHERE post = ? AND platform = ?", keys)
                        self.conn.executemany(insert, rows)
            except sqlite3.OperationalError as exc:
                if "full" not in str(exc):  # SQLITE_FULL: "database or disk is full"
                    raise
                raise InputError(
                    "the disk is full: the migration state cannot be written",
                    STATE_DB,
                    hint="free some disk space (or choose another --out), then run migrate again",
                ) from exc
        self.pending.clear()

    def iter_run(self, *, order: str = "seq") -> Iterator[Record]:
        """This run's records, by the order seen (``seq``) or oldest post first (``created``)."""
        self.flush()
        by = "seq" if order == "seq" else "platform, COALESCE(created, '~'), post, part"
        with self._guard():
            for row in self.conn.execute(f"SELECT * FROM bundles WHERE run = ? ORDER BY {by}", (self.run,)):
                yield Record.from_row(row)

    def iter_done(self) -> Iterator[Record]:
        """Every bundle made and still counted as done, from any run: each platform's, oldest
        post first (for pacing the whole output folder, not just what this run touched). A post
        whose latest run failed has no done row: its bundle, made from older inputs, waits."""
        self.flush()
        by = "platform, COALESCE(created, '~'), post, part"
        with self._guard():
            query = f"SELECT * FROM bundles WHERE status = ? ORDER BY {by}"
            for row in self.conn.execute(query, (Status.DONE,)):
                yield Record.from_row(row)

    def iter_all(self) -> Iterator[tuple[Record, int | None]]:
        """Every row, of any run, with the run that last saw it: the whole output folder, oldest
        post first (undated last), each post's platforms and parts together."""
        self.flush()
        by = "COALESCE(created, '~'), post, platform, part"
        with self._guard():
            for row in self.conn.execute(f"SELECT * FROM bundles ORDER BY {by}"):
                yield Record.from_row(row), row["run"]

    def setting(self, key: str) -> object | None:
        with self._guard():
            row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return json.loads(row[0]) if row else None

    def set_setting(self, key: str, value: object | None) -> None:
        with self._guard(), self.conn:
            if value is None:
                self.conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
                )

    def close(self) -> None:
        self.conn.close()  # rows still pending are dropped: only on an error path


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
