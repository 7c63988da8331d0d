"""Publish records: DIR/.repost/state.db (table publish_records) and the bundle's publish.json.

A post is sent at most once: a run takes a lock per account and post (DIR/.repost/locks), then
checks the record and marks the post as being sent in ONE transaction (BEGIN IMMEDIATE), so even
where the file system takes no locks two runs cannot both find "not yet" and both post.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from repost.bundle.outlock import hold_lock
from repost.errors import RepostError
from repost.layout import LOCKS, PUBLISH_JSON, STATE_DB, WORK_DIR
from repost.publish.safeio import read_json_file
from repost.publish.secrets import fail, log


class PublishStatus(StrEnum):
    """Where a post stands on an account (the column ``status``)."""

    PUBLISHED = "published"
    PENDING = "pending"  # sent, the platform has not confirmed it yet
    SENDING = "sending"  # a run marked it and is about to send it


PUBLISHED, PENDING, SENDING = PublishStatus.PUBLISHED, PublishStatus.PENDING, PublishStatus.SENDING

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
    PRIMARY KEY (post_id, platform, account)         -- or 'sending': a run is about to send it
)
"""
COLUMNS = "post_id, platform, account, remote_id, url, bundle, published_at, status"
UPSERT = f"INSERT OR REPLACE INTO publish_records ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
DAMAGED_HINT = (
    "restore DIR/.repost/state.db from a backup, or move it aside: each bundle's publish.json still "
    "records what was published from it"
)


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
    status: PublishStatus = PUBLISHED  # or PENDING: the point of no return was passed, no confirmation yet

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _status(self.status))


@dataclass(frozen=True)
class Claim:
    """The verdict of ``claim``: go (the post is now marked as being sent) | already | unconfirmed | busy."""

    verdict: str
    earlier: PublishRecord | None
    previous_row: PublishRecord | None = None
    token: str | None = None


def work_folder(bundle: Path, platform: str) -> Path:
    """DIR/.repost for a bundle at DIR/<post-id>/<platform>, where `repost export --out DIR` made it;
    a clear refusal when the bundle is not in such a place (its state would land anywhere)."""
    b = bundle.resolve()
    hint = (
        "publish a bundle where `repost export --out DIR` made it (DIR/<post-id>/<platform>); for a bundle "
        "from elsewhere, put it there and make an empty DIR/.repost folder"
    )
    if b.name != platform:
        raise fail(
            f"cannot tell which output folder this bundle belongs to: its folder is not named {platform}",
            bundle,
            hint,
        )
    work = b.parent.parent / WORK_DIR
    try:
        mode = os.lstat(work).st_mode
    except OSError:
        raise fail(
            f"cannot tell which output folder this bundle belongs to: no {WORK_DIR} folder two levels up",
            work,
            hint,
        ) from None
    if not stat.S_ISDIR(mode):
        raise fail(
            f"{WORK_DIR} is not a folder (a file or a link): publish cannot keep its state there", work, hint
        )
    return work


@contextmanager
def publish_lock(work: Path, post_id: str, platform: str, account: str):
    """Hold the lock of one post on one account; yields whether it is held (False where the file
    system takes no locks: then the transaction in ``claim`` still keeps a post from going twice)."""
    key = hashlib.sha256(f"{platform}\0{account}\0{post_id}".encode()).hexdigest()[:32]
    try:
        (work / LOCKS).mkdir(exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(work / LOCKS / f"publish-{key}", flags, 0o644)
    except OSError as exc:
        raise fail(f"cannot make the publish state: {exc.strerror or exc}", work / LOCKS) from None
    busy = fail(
        f"another repost publish of this post to {platform} as {account!r} is running",
        work.parent,
        hint="wait for it to finish; it records what it posted",
    )
    try:
        yield hold_lock(fd, work.parent, busy)
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def _db(work: Path):
    """The state database in autocommit mode (transactions are explicit); any SQLite failure, a
    damaged or foreign file included, is one clear error."""
    db = work / STATE_DB
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.lstat(db).st_mode):  # a FIFO would block SQLite's first read for ever
            raise fail("the state database is not a regular file", db, DAMAGED_HINT)
    try:
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise fail(f"the state database cannot be opened: {exc}", db, DAMAGED_HINT) from None
    try:
        conn.execute(SCHEMA)
        yield conn
    except sqlite3.Error as exc:
        raise fail(f"the state database is unusable: {exc}", db, DAMAGED_HINT) from None
    finally:
        conn.close()  # without COMMIT, an open transaction is rolled back


def _status(value: object) -> PublishStatus:
    """A record's status; one this version does not know (a newer repost's, a hand edit) reads as
    pending: something may have been sent, so nothing is sent again without --retry-unconfirmed."""
    try:
        return PublishStatus(value if value is not None else PUBLISHED)
    except ValueError:
        return PENDING


def _select(conn: sqlite3.Connection, post_id: str, platform: str, account: str) -> PublishRecord | None:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM publish_records WHERE post_id = ? AND platform = ? AND account = ?",
        (post_id, platform, account),
    ).fetchone()
    return PublishRecord(*row) if row else None


def _from_publish_json(bundle: Path, platform: str, account: str) -> PublishRecord | None:
    for entry in read_publish_json(bundle):
        if entry.get("account") == account and entry.get("platform") == platform and entry.get("remote_id"):
            fields = {k: entry.get(k) for k in PublishRecord.__dataclass_fields__}
            return PublishRecord(**fields)
    return None


def _earlier(row: PublishRecord | None, kept: PublishRecord | None) -> PublishRecord | None:
    """The record that counts: a publish anywhere, else one sent unconfirmed, else a run's mark."""
    found = [r for r in (row, kept) if r is not None]
    for status in (PUBLISHED, PENDING):
        for r in found:
            if r.status == status:
                return r
    return row


def find_record(work: Path, bundle: Path, post_id: str, platform: str, account: str) -> PublishRecord | None:
    """The earlier publish of this post to this account (from state.db or publish.json); reads only."""
    kept = _from_publish_json(bundle, platform, account)
    if not (work / STATE_DB).is_file():
        return kept
    with _db(work) as conn:
        return _earlier(_select(conn, post_id, platform, account), kept)


def claim(work: Path, bundle: Path, post_id: str, platform: str, account: str, *, retry: bool,
          locked: bool) -> Claim:  # fmt: skip
    """Check the record and, if the post may go, mark it as being sent: one transaction."""
    kept = _from_publish_json(bundle, platform, account)
    with _db(work) as conn:
        conn.execute("BEGIN IMMEDIATE")  # the write lock now: no other run reads "not yet" meanwhile
        row = _select(conn, post_id, platform, account)
        earlier = _earlier(row, kept)
        status = earlier.status if earlier else None
        if status == PUBLISHED:
            return Claim("already", earlier)
        if status == PENDING and not retry:
            return Claim("unconfirmed", earlier)
        if status == SENDING and not (locked or retry):
            # Holding the lock, a mark is a killed run's, left before it sent anything; without
            # locks it may be a live run's.
            return Claim("busy", earlier)
        token = f"(sending {uuid.uuid4().hex[:12]})"
        mark = PublishRecord(
            post_id, platform, account, token, None, str(bundle.resolve()), now_iso(), SENDING
        )
        conn.execute(UPSERT, tuple(asdict(mark).values()))
        conn.execute("COMMIT")
    return Claim("go", earlier, row, token)


def release(work: Path, claimed: Claim, post_id: str, platform: str, account: str) -> None:
    """Undo a claim whose run stopped before the point of no return (nothing was posted)."""
    with _db(work) as conn:
        conn.execute("BEGIN IMMEDIATE")
        now = _select(conn, post_id, platform, account)
        if now and now.status == SENDING and now.remote_id == claimed.token:
            before = claimed.previous_row
            if before is not None and before.status == PENDING:  # a --retry-unconfirmed that failed
                conn.execute(UPSERT, tuple(asdict(before).values()))
            else:
                conn.execute(
                    "DELETE FROM publish_records WHERE post_id = ? AND platform = ? AND account = ?",
                    (post_id, platform, account),
                )
        conn.execute("COMMIT")


def read_publish_json(bundle: Path) -> list[dict]:
    """The entries of the bundle's publish.json (none if absent); a clear error if it is unreadable."""
    doc = read_json_file(
        bundle / PUBLISH_JSON,
        hint="it records what was published from this bundle; if it never was, move the file aside",
    )
    entries = doc.get("published") if isinstance(doc, dict) else None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def save_record(work: Path, bundle: Path, record: PublishRecord) -> None:
    """Record a publish (or a pending one) in state.db, then in publish.json (written aside, then
    renamed). The database is what counts: a publish.json that cannot be written is a warning."""
    with _db(work) as conn:
        conn.execute(UPSERT, tuple(asdict(record).values()))
    tmp = bundle / f".{PUBLISH_JSON}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        entries = [e for e in read_publish_json(bundle) if e.get("account") != record.account]
        entries.append(asdict(record))
        text = json.dumps({"schema": 1, "published": entries}, indent=2, ensure_ascii=False) + "\n"
        tmp.write_text(text, "utf-8")
        os.replace(tmp, bundle / PUBLISH_JSON)
    except (OSError, RepostError) as exc:
        tmp.unlink(missing_ok=True)
        log.warning(
            "warning: %s not updated (%s); %s still records it", bundle / PUBLISH_JSON, exc, work / STATE_DB
        )


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
