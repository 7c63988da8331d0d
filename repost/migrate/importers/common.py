"""What every importer shares: ImportedPost, stable path-safe ids, mojibake repair, empty markers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from repost import inputs
from repost.inputs import EXPORT_JSON_MAX
from repost.plan import safe_id
from repost.post.model import Post
from repost.text.clean import drop_lone_surrogates


@dataclass(frozen=True)
class ImportedPost:
    """A post as an importer read it, and what migrate must know before it can be made.

    ``post`` is what the export says; while ``links`` is not empty its media are still to be
    downloaded (their paths are where the downloads will go), so it is planned only once
    fetched (download.fetch_media gives the Post with its files). ``post.source`` is the record
    the manifest keeps (importer, file, url...): links (signed, expiring) never go there.
    """

    post: Post
    links: tuple[str, ...] = ()  # signed download links, one per media item
    earlier: tuple[str | None, ...] = ()  # per media item, the name an older repost downloaded it as
    private: bool = False  # visible to its author only: skipped without --include-private
    skip: str | None = None  # why it cannot be migrated as it is (reported, not failed)
    error: str | None = None  # why it cannot be read at all (reported as failed)
    warnings: tuple[str, ...] = ()  # notes for the report

    @property
    def id(self) -> str:
        return self.post.id


# What an importer's notes may say besides the record the manifest keeps (ImportedPost's fields).
_NOTES = ("links", "earlier", "private", "skip", "error", "warnings")


def imported(post: Post, importer: str, file: Path, notes: Mapping[str, Any]) -> ImportedPost:
    """``post`` with its source record (``importer``, ``file`` and the notes that describe it,
    such as its url), and migrate's notes (links, skip and error reasons...) kept apart."""
    record = {k: v for k, v in notes.items() if k not in _NOTES}
    return ImportedPost(
        dataclasses.replace(post, source=make_source(importer, file, **record)),
        links=tuple(notes.get("links") or ()),
        earlier=tuple(notes.get("earlier") or ()),
        private=bool(notes.get("private")),
        skip=notes.get("skip"),
        error=notes.get("error"),
        warnings=tuple(notes.get("warnings") or ()),
    )


# The most of a caption an import keeps, in code points: no platform takes more than a few
# thousand (YouTube's 5,000 bytes are the most), so twenty times that loses nothing anyone can
# post, while a 10 MB yt-dlp description (or one in an export's JSON) no longer costs seconds of
# text work for every platform of every run.
CAPTION_MAX_CHARS = 100_000


class IdMaker:
    """Ids that stay the same across runs and never share a bundle folder, in one run or across
    runs (a bundle's folder is its post id made folder-safe, repost.plan.safe_id).

    An export's own ids (``keep=False``) are made folder-safe here, and one that had to change
    gets a short digest of itself ("etc/passwd" -> "etc-passwd-3c9a1f"), so two ids that differ
    only where a folder name cannot hold them never become one id, whichever run meets them.
    A post.yaml's id (``keep=True``) is the creator's and is kept as written, as export keeps it:
    the manifest and the state record it, so a later run tells "sa/me" from "sa-me" and the
    bundle writer refuses to replace the other's bundle (repost.bundle.build.other_owner).
    Within a run, an id whose folder an earlier post took gets -2, -3... in source order.
    """

    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.seen: dict[str, int] = {}
        self.folders: dict[str, int] = {}

    def folder(self, name: str) -> str:
        """A readable folder name (naming.py) made unique in this run: -2, -3... in source order."""
        n = self.folders.get(name, 0) + 1
        while n > 1 and f"{name}-{n}" in self.folders:
            n += 1
        self.folders[name] = n
        unique = name if n == 1 else f"{name}-{n}"
        self.folders.setdefault(unique, 1)
        return unique

    def make(self, raw: str) -> str:
        base = raw if self.keep else _folder_safe(raw)
        n = self.seen.get(safe_id(base), 0) + 1
        while n > 1 and safe_id(f"{base}-{n}") in self.seen:  # "x-2" is a post's own id
            n += 1
        self.seen[safe_id(base)] = n
        unique = base if n == 1 else f"{base}-{n}"
        self.seen.setdefault(safe_id(unique), 1)
        return unique


def _folder_safe(raw: str) -> str:
    """``raw`` as it is where it is folder-safe, else its safe form and a digest of it."""
    safe = safe_id(raw)
    if safe == raw:
        return raw
    return f"{safe}-{hashlib.sha256(raw.encode('utf-8', 'surrogatepass')).hexdigest()[:6]}"


def fix_mojibake(value: Any) -> Any:
    """Undo UTF-8 read as latin-1 (Instagram's JSON writes "ð\\x9f\\x90±" for 🐱), recursively.

    A string that holds a code point above U+00FF, or whose latin-1 bytes are not UTF-8, was
    never mis-decoded and is kept as it is (E3 in profiles/SOURCES.md, a real export).
    """
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    if isinstance(value, list):
        return [fix_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(k): fix_mojibake(v) for k, v in value.items()}
    return value


def text_or_none(value: Any) -> str | None:
    """A text field of an export, or None. TikTok writes "N/A" or " - " for an empty field;
    those, blanks and null all mean no value, and so does a list or a mapping where text belongs
    (never its Python spelling as a caption). A lone surrogate (a "\\ud83d" escape left by a
    caption cut mid-emoji) is half a character no file can hold: it is dropped."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = drop_lone_surrogates(str(value)).strip()
    return None if text in ("", "N/A", "-", "None", "null") else text


def failed_post(ids: IdMaker, raw_id: str, importer: str, file: Path, why: str) -> ImportedPost:
    """A post that cannot be read: it fails alone, with ``why``, under an id of its own."""
    return imported(Post(id=ids.make(raw_id)), importer, file, {"error": why})


# What reading one entry of an export's JSON can raise when a field has another shape than
# expected (a number for a list, a list for text): the entry fails alone, named.
_ENTRY_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError)


def read_entry(
    make: Callable[[], ImportedPost], ids: IdMaker, raw_id: str, importer: str, file: Path, where: str
) -> ImportedPost:
    """``make()``'s post, or, where the entry has a field of another shape than expected, a
    failed post naming ``where`` in ``file`` (the rest of the export goes on)."""
    try:
        return make()
    except _ENTRY_ERRORS as exc:
        why = f"cannot read {where} of {file.name}: {type(exc).__name__}: {exc}"
        return failed_post(ids, raw_id, importer, file, why)


def get_key(data: Any, *names: str) -> Any:
    """``data[name]`` for the first of ``names`` present, matched without case (export drift)."""
    if not isinstance(data, Mapping):
        return None
    folded = {str(k).casefold(): v for k, v in data.items()}
    for name in names:
        if name.casefold() in folded:
            return folded[name.casefold()]
    return None


def get_path(data: Any, *keys: str) -> Any:
    for key in keys:
        data = get_key(data, key)
    return data


def from_unix(seconds: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(seconds), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def capped_caption(text: str, notes: dict[str, Any]) -> str:
    """``text`` cut to CAPTION_MAX_CHARS where longer, after its last whole line (or word, else
    between whole grapheme clusters), with a warning added to ``notes``."""
    if len(text) <= CAPTION_MAX_CHARS:
        return text
    head = text[:CAPTION_MAX_CHARS]
    cut = head.rfind("\n")  # whole lines where that keeps most of the bound, else whole words
    if cut < CAPTION_MAX_CHARS * 0.9:
        cut = max(cut, head.rfind(" "))
    if cut < CAPTION_MAX_CHARS // 2:  # one long run of text: the last cluster that fits whole
        window = CAPTION_MAX_CHARS - 256  # far longer than any real cluster (an emoji sequence)
        ends = (m.end() for m in regex.finditer(r"\X", text, pos=window))
        cut = window
        for end in ends:
            if end > CAPTION_MAX_CHARS:
                break
            cut = end
    kept = text[:cut].rstrip()
    said = f"caption cut at import from {len(text):,} to {len(kept):,} characters (the most kept: "
    said += f"{CAPTION_MAX_CHARS:,}; no platform takes more than a few thousand)"
    notes["warnings"] = (*notes.get("warnings", ()), said)
    return kept


def make_source(importer: str, file: Path, **notes: Any) -> dict[str, Any]:
    """Post.source for an imported post: a plain dict, since the manifest writes it as JSON."""
    clean = {k: v for k, v in notes.items() if v not in (None, (), [], False)}
    return {"importer": importer, "file": str(file), **clean}


def read_json(file: Path, limit: int = EXPORT_JSON_MAX, kind: str = "an export's JSON file") -> Any:
    """A JSON file within bounds (repost.inputs), or a clear one-line error naming it."""
    return inputs.read_json(file, limit, kind, hint="is the export complete (unzipped)?")
