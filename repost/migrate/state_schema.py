"""The state database's schema (DIR/.repost/state.db): its tables, its version, the check that
refuses a damaged or newer one, and the one-step upgrade of an older one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from repost.errors import InputError
from repost.plan import is_part_bundle_id, safe_id

# A damaged or unreadable state is refused rather than rebuilt: what to do with it is the
# user's choice, and nothing of value is lost by starting over.
ASIDE_HINT = (
    "move it aside and run again: bundles already made are found up to date by their manifests "
    "(a --schedule must then be given again)"
)
# 1: rows keyed by (post, platform); 2: by (post, platform, part); 3: settings; 4: the post's name
SCHEMA_VERSION = 4
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bundles (
    post TEXT NOT NULL,
    platform TEXT NOT NULL,
    part INTEGER NOT NULL DEFAULT 0,   -- 1..parts when the post was split, else 0
    parts INTEGER NOT NULL DEFAULT 1,
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
    name TEXT,            -- the post as a person knows it (Post.name: an imported post's folder)
    run INTEGER,
    seq INTEGER,
    updated TEXT,
    PRIMARY KEY (post, platform, part)
)""",
    "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT, source TEXT, options TEXT)",
    "CREATE INDEX IF NOT EXISTS bundles_run ON bundles (run, seq)",
    # What a run leaves for the next ones to keep to (the schedule: spec, first day, zone).
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
COLUMNS = (
    "post", "platform", "part", "parts", "inputs", "fingerprint", "status", "outcome", "error", "bundle",
    "created", "title", "changes", "warnings", "name",
)  # fmt: skip


def check_usable(conn: sqlite3.Connection, path: Path) -> None:
    """InputError, before anything is written, for a state made by a newer repost (its schema is
    unknown here: writing to it would damage it) or a damaged one (SQLite's quick check)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InputError(
            f"made by a newer repost (version {version}); upgrade repost",
            path,
            hint=f"this repost knows state versions up to {SCHEMA_VERSION}; or choose another --out",
        )
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:  # damage where the check itself cannot read on
        problems = [str(exc)]
    if problems != ["ok"]:
        raise InputError(f"the migration state is damaged ({problems[0]})", path, hint=ASIDE_HINT)


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema a database holds: user_version, or 1 for a bundles table from before it was set."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version:
        return version
    old = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bundles'").fetchone()
    return 1 if old else 0


def upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables, or bring an older database up to date: version 1's rows (keyed by
    post and platform) kept as bundles made whole, the tables and columns of later versions
    added, the posts' names read from their folders; one transaction, so a kill leaves either."""
    version = schema_version(conn)
    with conn:
        conn.execute("BEGIN")  # DDL too: sqlite3 would otherwise run it outside the transaction
        if version == 1:
            conn.execute("DROP INDEX IF EXISTS bundles_run")
            conn.execute("ALTER TABLE bundles RENAME TO bundles_v1")
        for statement in SCHEMA:
            conn.execute(statement)
        if "name" not in [row[1] for row in conn.execute("PRAGMA table_info(bundles)")]:
            conn.execute("ALTER TABLE bundles ADD COLUMN name TEXT")  # versions 2 and 3
        if version == 1:
            _from_v1(conn)
        elif version in (2, 3):
            _name_from_folders(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _from_v1(conn: sqlite3.Connection) -> None:
    """Version 1's rows, copied from bundles_v1 (renamed aside) into the new table."""
    kept = ", ".join(c for c in (*COLUMNS, "run", "seq", "updated") if c not in ("part", "parts", "name"))
    conn.execute(f"INSERT INTO bundles ({kept}) SELECT {kept} FROM bundles_v1")
    # Version 1 kept one row of a split post's parts (the last written): not proof that
    # the others are there. Without its quick key the post is looked at again next run,
    # which leaves the parts that are up to date alone and records every part.
    rows = conn.execute("SELECT post, platform, bundle FROM bundles WHERE bundle IS NOT NULL")
    parts = [(post, platform) for post, platform, bundle in rows if _is_part(post, platform, bundle)]
    conn.executemany("UPDATE bundles SET inputs = NULL WHERE post = ? AND platform = ?", parts)
    conn.execute("DROP TABLE bundles_v1")


def _name_from_folders(conn: sqlite3.Connection) -> None:
    """The name of each post whose bundles lie in a folder named otherwise than by its id (an
    imported post's readable folder, DIR/2023-11-14-dusk-cats-0000001): what the report and
    schedule call it, also for a post no later run meets. Others keep none (named by their id).
    Version 1 came before readable folders (a folder "<id>-part2" there is a part)."""
    rows = conn.execute("SELECT post, part, bundle FROM bundles WHERE bundle IS NOT NULL AND name IS NULL")
    names = {}
    for post, part, bundle in rows.fetchall():
        folder = Path(bundle).parent.name
        if part and folder.endswith(f"-part{part}"):
            folder = folder[: -len(f"-part{part}")]
        if folder and folder != safe_id(post):
            names.setdefault(post, folder)
    update = "UPDATE bundles SET name = ? WHERE post = ? AND name IS NULL"
    conn.executemany(update, [(name, post) for post, name in names.items()])


def _is_part(post: str, platform: str, bundle: str) -> bool:
    """Whether ``bundle`` is DIR/<post>-part<i>/<platform> (not a folder that only looks so)."""
    folder = Path(bundle)
    return folder.name == platform and is_part_bundle_id(folder.parent.name, post)


def in_memory_copy(conn: sqlite3.Connection) -> sqlite3.Connection:
    """The database copied into memory (``conn`` closed): an old state read, and upgraded, by a
    dry run without a byte of the file changed."""
    copy = sqlite3.connect(":memory:")
    conn.backup(copy)
    conn.close()
    copy.row_factory = sqlite3.Row
    return copy
