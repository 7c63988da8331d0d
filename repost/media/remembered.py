"""Measurements of source files kept between runs, in the output folder: an up-to-date re-run
plans again (the plan names the gain that keeps a source's loudness, and the watermark warnings)
without decoding any source again.

A measurement is keyed by what it measured: the file's resolved path, size and modification
time (as probe_media's cache), and the measure's own parameters. A file rewritten in place gets
a new modification time and is measured again. The store is an SQLite file under the output
folder's ``.repost`` (beside the migrate state, on the machine that plans); a run without one
(a Dask worker, a library call) measures as before.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import repost
from repost.errors import InputError
from repost.layout import check_own

STORE_NAME = "measured.db"
# The most a remembered value's JSON may hold: a smart reframe's analysis (a few samples a
# second) of an hour of video is about 1 MB; a poster still about 50 KB.
VALUE_MAX = 8_000_000
TEXT_MAX = 1_000  # a measure's words (watermark evidence, OCR), a detector's name
_SCHEMA = "CREATE TABLE IF NOT EXISTS measured (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

_lock = threading.Lock()
_path: Path | None = None  # the open run's store, and whether it may be written
_writable = False
_db: sqlite3.Connection | None = None  # opened at the first use: a run with nothing to measure
# leaves no file behind


@contextmanager
def remembered(folder: Path | None, *, read_only: bool = False) -> Iterator[None]:
    """Keep measurements in ``folder``/measured.db while the block runs (read only: a dry run
    uses what an earlier run measured and writes nothing). Nested uses keep the outer store."""
    global _path, _writable, _db
    with _lock:
        if _path is not None or folder is None:
            outer = True
        else:
            outer, _path, _writable = False, Path(folder) / STORE_NAME, not read_only
    try:
        yield
    finally:
        if not outer:
            with _lock:
                if _db is not None:
                    _db.close()
                _path, _writable, _db = None, False, None


def _open(create: bool) -> sqlite3.Connection | None:
    """The store's connection (under _lock), or None where there is none to read (or write)."""
    global _db, _path
    if _db is not None or _path is None:
        return _db
    try:
        # A link (or a FIFO) in an output folder from elsewhere: never followed, never written
        # through; the run measures everything again instead.
        check_own(_path.parent, folder=True)
        check_own(_path, folder=False)
    except InputError:
        _path = None
        return None
    if not _path.is_file() and not create:
        return None
    try:
        if _writable:
            _path.parent.mkdir(parents=True, exist_ok=True)
            _db = sqlite3.connect(_path, check_same_thread=False)
            _db.execute(_SCHEMA)
        else:
            _db = sqlite3.connect(f"{_path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    except (sqlite3.Error, OSError):
        _path = None  # an unusable store is only a slower run: everything is measured again
        return None
    return _db


def file_key(path: Path) -> tuple:
    """What a measurement of the file at ``path`` stays true for."""
    st = Path(path).stat()
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _text(key: tuple) -> str:
    # The version is part of every key: a repost that measures differently measures again.
    return json.dumps([repost.__version__, *key], separators=(",", ":"))


def known(key: tuple, decode: Callable, missing: Any = None) -> Any:
    """The remembered value for ``key``, or ``missing`` where none is (nothing is measured).
    A store is a cache hint, never trusted: ``decode`` checks what it gives back as it would
    any input (types, finite numbers in range, plain text) and raises ValueError, KeyError or
    TypeError on anything off; that, a value over VALUE_MAX or a damaged store is measured again."""
    with _lock:
        db = _open(create=False)
        try:
            query = "SELECT value FROM measured WHERE key = ? AND length(value) <= ?"
            row = db.execute(query, (_text(key), VALUE_MAX)).fetchone() if db else None
            if row is not None:
                return decode(json.loads(row[0]))
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            pass  # a store of another version, damaged or planted: measured again
    return missing


def checked_number(value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a float if it is a finite number (not a bool, not a string) within [low,
    high], else ValueError: for the decoders of remembered values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r:.40}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"out of range: {value!r}")
    return float(value)


def checked_text(value: Any, limit: int = TEXT_MAX) -> str:
    """``value`` if it is a string of printable characters (no terminal escapes, no NUL) of at
    most ``limit`` characters, else ValueError: for the decoders of remembered values."""
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r:.40}")
    if len(value) > limit or not value.isprintable():
        raise ValueError("not plain text of a measure's length")
    return value


_MISSING = object()


def recall(key: tuple, measure: Callable[[], Any], encode: Callable, decode: Callable) -> Any:
    """The remembered value for ``key``, else ``measure()`` (remembered where a store is open).
    ``encode`` turns the value into JSON-able data, ``decode`` turns that back."""
    value = known(key, decode, _MISSING)
    if value is not _MISSING:
        return value
    text = _text(key)
    value = measure()
    with _lock:
        db = _open(create=True) if _writable else None
        try:
            if db is not None:
                with db:
                    db.execute(
                        "INSERT OR REPLACE INTO measured (key, value) VALUES (?, ?)",
                        (text, json.dumps(encode(value))),
                    )
        except sqlite3.Error:
            pass  # a full disk or a locked store: the run goes on, measuring next time
    return value
