"""Publish records: DIR/.repost/state.db (table publish_records) and the bundle's publish.json."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_DB = "state.db"
PUBLISH_JSON = "publish.json"
WORK_DIR = ".repost"  # as repost.bundle.WORK_DIR; the migrate state (repost/state.py) shares the file

# Its own table, so it merges with the migrate state kept in the same SQLite file.
SCHEMA = """
CREATE TABLE IF NOT EXISTS publish_records (
    post_id      TEXT NOT NULL,
    platform     TEXT NOT NULL,
    account      TEXT NOT NULL,
    remote_id    TEXT NOT NULL,
    url          TEXT,
    bundle       TEXT NOT NULL,
    published_at TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'published',  -- or 'pending': sent, not yet confirmed
    PRIMARY KEY (post_id, platform, account)
)
"""


@dataclass(frozen=True)
class PublishRecord:
    """One post published to one platform account."""

    post_id: str
    platform: str
    account: str
    remote_id: str
    url: str | None
    bundle: str
    published_at: str
    status: str = "published"  # or "pending": the point of no return was passed, no confirmation yet


def state_db(bundle: Path) -> Path:
    """DIR/.repost/state.db for a bundle at DIR/<post-id>/<platform-id>."""
    return bundle.resolve().parent.parent / WORK_DIR / STATE_DB


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db, timeout=30)
    conn.execute(SCHEMA)
    return conn


def find_record(bundle: Path, post_id: str, platform: str, account: str) -> PublishRecord | None:
    """The earlier publish of this post to this account: from state.db, else from publish.json."""
    db = state_db(bundle)
    if db.is_file():
        with _connect(db) as conn:
            row = conn.execute(
                "SELECT post_id, platform, account, remote_id, url, bundle, published_at, status"
                " FROM publish_records WHERE post_id = ? AND platform = ? AND account = ?",
                (post_id, platform, account),
            ).fetchone()
        if row:
            return PublishRecord(*row)
    for entry in read_publish_json(bundle):
        if entry.get("account") == account and entry.get("platform") == platform and entry.get("remote_id"):
            fields = {k: entry.get(k) for k in PublishRecord.__dataclass_fields__}
            return PublishRecord(**{**fields, "status": fields["status"] or "published"})
    return None


def read_publish_json(bundle: Path) -> list[dict]:
    try:
        doc = json.loads((bundle / PUBLISH_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = doc.get("published") if isinstance(doc, dict) else None
    return [e for e in entries or [] if isinstance(e, dict)]


def save_record(bundle: Path, record: PublishRecord) -> None:
    """Record a publish (or a pending one) in state.db and in publish.json (written aside, then renamed)."""
    with _connect(state_db(bundle)) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO publish_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            tuple(asdict(record).values()),
        )
    entries = [e for e in read_publish_json(bundle) if e.get("account") != record.account]
    entries.append(asdict(record))
    tmp = bundle / f".{PUBLISH_JSON}.tmp"
    tmp.write_text(
        json.dumps({"schema": 1, "published": entries}, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    os.replace(tmp, bundle / PUBLISH_JSON)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
