"""A data export as the platform hands it over: a ZIP, unpacked once into DIR/.repost/unpacked.

TikTok's and Instagram's "download your data" both give a ZIP. Migrate takes it as SOURCE and
unpacks it inside the output folder (never beside the ZIP), into a folder named after the ZIP's
path, size and time, renamed into place whole: a re-run, or a run after a kill, reuses a
finished unpacking and never a half one. Entries that would land outside that folder are
refused, links are not made, and the sizes the ZIP declares must fit on the disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from repost.errors import InputError, UsageError
from repost.plan import safe_id

UNPACKED = "unpacked"
SPARE_BYTES = 64 * 1024 * 1024  # room left on the disk after unpacking, for the bundles' work


def is_zip(path: str | Path) -> bool:
    path = Path(path)
    return path.is_file() and zipfile.is_zipfile(path)


def unpacked_folder(zip_path: Path, work: Path) -> Path:
    """Where ``zip_path`` is (or will be) unpacked under ``work`` (DIR/.repost)."""
    st = zip_path.stat()
    key = hashlib.sha256(f"{zip_path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()
    return work / UNPACKED / f"{_stem(zip_path)}-{key[:12]}"


def _stem(zip_path: Path) -> str:
    return safe_id(zip_path.stem)[:60]


def unpack(zip_path: Path, work: Path, *, dry_run: bool = False) -> Path:
    """The folder holding ``zip_path``'s files, unpacking it first unless that was done before.
    A dry run writes nothing, so it can only use an earlier unpacking."""
    dest = unpacked_folder(zip_path, work)
    if dest.is_dir():
        return dest
    if dry_run:
        raise UsageError(
            "a ZIP is unpacked into --out/.repost/unpacked by a run without --dry-run",
            zip_path,
            hint="run once without --dry-run (it unpacks, then migrates), or unzip it yourself",
        )
    tmp = work / "tmp" / f"unpack-{uuid.uuid4().hex[:8]}"
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = _checked_members(archive, zip_path)
            _check_room(members, work, zip_path)
            tmp.mkdir(parents=True)
            for member in members:
                archive.extract(member, tmp)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        _remove_older(dest, _stem(zip_path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise InputError(f"cannot unpack the ZIP: {exc}", zip_path, hint="download the export again") from exc
    except OSError as exc:
        raise InputError(f"cannot unpack the ZIP: {exc.strerror or exc}", exc.filename or zip_path) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def export_root(folder: Path) -> Path:
    """The folder an unpacked export starts at: past a single top folder the ZIP may wrap it in
    (macOS's __MACOSX and hidden files aside)."""
    while True:
        entries = [e for e in folder.iterdir() if not e.name.startswith(".") and e.name != "__MACOSX"]
        if len(entries) != 1 or not entries[0].is_dir():
            return folder
        folder = entries[0]


def _remove_older(dest: Path, stem: str) -> None:
    """Earlier unpackings of a ZIP of this name (an export downloaded again): the new one
    replaces them, so the disk does not fill with copies of a backlog's media."""
    for folder in dest.parent.iterdir():
        if folder != dest and re.fullmatch(re.escape(stem) + r"-[0-9a-f]{12}", folder.name):
            shutil.rmtree(folder, ignore_errors=True)


def _checked_members(archive: zipfile.ZipFile, zip_path: Path) -> list[zipfile.ZipInfo]:
    """The entries to write: files and folders whose names stay inside; links are left out."""
    members = []
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise InputError(
                f"the ZIP holds an entry that would be written outside it: {info.filename!r}",
                zip_path,
                hint="unzip it yourself and check what it holds",
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            continue
        members.append(info)
    return members


def _check_room(members: list[zipfile.ZipInfo], work: Path, zip_path: Path) -> None:
    need = sum(m.file_size for m in members)
    work.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(work).free
    if need + SPARE_BYTES > free:
        raise InputError(
            f"not enough disk space to unpack the ZIP: it holds {_mb(need)}, {_mb(free)} free",
            zip_path,
            hint="free some space, or choose an --out on a larger disk",
        )


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"
