"""Translations already paid for, by engine, languages and text: a re-run asks for none again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from repost.errors import InputError
from repost.layout import check_own

CACHE_FILE = "translations.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS translation (
    engine TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, text TEXT NOT NULL,
    result TEXT NOT NULL, PRIMARY KEY (engine, source, target, text)
)
"""


class Cache:
    """A SQLite table in ``folder`` (made when missing); ``None`` folder keeps it in memory."""

    def __init__(self, folder: Path | None) -> None:
        where = ":memory:"
        if folder is not None:
            check_own(folder, folder=True)  # a link: the cache would be written elsewhere
            check_own(folder / CACHE_FILE, folder=False)
            folder.mkdir(parents=True, exist_ok=True)
            where = str(folder / CACHE_FILE)
        try:
            self._db = sqlite3.connect(where)
            self._db.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"the translation cache cannot be used: {exc}",
                where,
                hint="delete it; it is only a cache and is made again",
            ) from None

    def get(self, engine: str, source: str | None, target: str, texts: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for text in set(texts):
            row = self._db.execute(
                "SELECT result FROM translation WHERE engine=? AND source=? AND target=? AND text=?",
                (engine, source or "", target, text),
            ).fetchone()
            if row is not None:
                found[text] = row[0]
        return found

    def put(self, engine: str, source: str | None, target: str, pairs: dict[str, str]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO translation VALUES (?, ?, ?, ?, ?)",
                [(engine, source or "", target, text, result) for text, result in pairs.items()],
            )

    def close(self) -> None:
        self._db.close()
