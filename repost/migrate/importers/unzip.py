"""A data export as the platform hands it over: a ZIP, unpacked once into DIR/.repost/unpacked.

TikTok's and Instagram's "download your data" both give a ZIP. Migrate takes it as SOURCE and
unpacks it inside the output folder (never beside the ZIP), into a folder named after the ZIP's
name and what it holds (each entry's name, size and CRC, read from its directory without
decompressing anything): a ZIP touched, moved, copied or downloaded again with the same content
reuses the finished unpacking, so nothing made from it is made again. Files get the times the ZIP
records. An unpacking is written aside, synced and renamed into place whole, so a kill never
leaves half of one under a name a later run would trust. Entries that would land outside are
refused, links are not made, password-protected entries are refused, and the sizes the ZIP
declares (zipfile never writes more than an entry declares) must fit on the disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import struct
import uuid
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from repost.errors import InputError, UsageError
from repost.layout import TMP, UNPACKED
from repost.plan import safe_id

SPARE_BYTES = 64 * 1024 * 1024  # room left on the disk after unpacking, for the bundles' work
UTF8_NAME = 0x800  # general purpose flag bit 11: the entry's name is UTF-8
ENCRYPTED = 0x1
UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP's Unicode Path extra field (APPNOTE 4.6.9)


def is_zip(path: str | Path) -> bool:
    """Whether SOURCE is a ZIP to unpack; one cut short (a download that stopped: it opens as a
    ZIP but has no central directory) is named as such rather than as an unknown source."""
    path = Path(path)
    if not path.is_file():
        return False
    if zipfile.is_zipfile(path):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    if head == b"PK\x03\x04":
        raise InputError(
            "the ZIP is damaged or incomplete (its table of contents at the end is missing)",
            path,
            hint="was its download cut short? download the export again",
        )
    return False


def unpack(zip_path: Path, work: Path, *, dry_run: bool = False) -> Path:
    """The folder holding ``zip_path``'s files, unpacking it first unless that was done before.
    A dry run writes nothing, so it can only use an earlier unpacking."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = _checked_members(archive, zip_path)
            dest = work / UNPACKED / f"{_stem(zip_path)}-{_content_key(members)}"
            if dest.is_dir():
                return dest
            if dry_run:
                raise UsageError(
                    "a ZIP is unpacked into --out/.repost/unpacked by a run without --dry-run",
                    zip_path,
                    hint="run once without --dry-run (it unpacks, then migrates), or unzip it yourself",
                )
            _check_room(members, work, zip_path)
            tmp = work / TMP / f"unpack-{uuid.uuid4().hex[:8]}"
            try:
                _extract(archive, members, tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, dest)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot unpack the ZIP: {exc}", zip_path, hint="download the export again") from exc
    except OSError as exc:
        raise InputError(f"cannot unpack the ZIP: {exc.strerror or exc}", exc.filename or zip_path) from exc
    _remove_older(dest, _stem(zip_path), work)
    return dest


def export_root(folder: Path) -> Path:
    """The folder an unpacked export starts at: past a single top folder the ZIP may wrap it in
    (macOS's __MACOSX and hidden files aside)."""
    while True:
        entries = [e for e in folder.iterdir() if not e.name.startswith(".") and e.name != "__MACOSX"]
        if len(entries) != 1 or not entries[0].is_dir():
            return folder
        folder = entries[0]


def _stem(zip_path: Path) -> str:
    return safe_id(zip_path.stem)[:60]


def _content_key(members: list[tuple[zipfile.ZipInfo, str]]) -> str:
    h = hashlib.sha256()
    for info, name in members:
        h.update(f"{name}\0{info.file_size}\0{info.CRC}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:12]


def _real_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its maker meant it. Without the UTF-8 flag zipfile reads names as
    cp437, but Info-ZIP's zip (Linux), macOS and newer Windows write UTF-8 there: the Unicode
    Path extra field says so when present, else a name that decodes as UTF-8 is taken as that."""
    if info.flag_bits & UTF8_NAME:
        return info.filename
    header_name = info.filename.encode("cp437")  # the bytes zipfile read the name from
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        # Version 1, then the CRC-32 of the header's name: a field made for another name (the
        # entry renamed by a tool that kept it) no longer applies, as APPNOTE 4.6.9 says.
        if kind == UNICODE_PATH_EXTRA and size > 5 and extra[4] == 1:
            if struct.unpack("<I", extra[5:9])[0] == zlib.crc32(header_name):
                try:
                    return extra[9 : 4 + size].decode("utf-8")
                except UnicodeDecodeError:
                    pass
            break
        extra = extra[4 + size :]
    try:
        return header_name.decode("utf-8")
    except UnicodeError:
        return info.filename


def _checked_members(archive: zipfile.ZipFile, zip_path: Path) -> list[tuple[zipfile.ZipInfo, str]]:
    """(entry, name) for the files and folders to write; links are left out."""
    members = []
    for info in archive.infolist():
        name = _real_name(info).replace("\\", "/")
        parts = PurePosixPath(name).parts
        drive = os.name == "nt" and parts and re.match(r"[A-Za-z]:", parts[0])
        if "\x00" in name:
            raise InputError(
                f"the ZIP holds an entry whose name no file can have: {name!r}",
                zip_path,
                hint="unzip it yourself and check what it holds",
            )
        if name.startswith("/") or ".." in parts or drive:
            raise InputError(
                f"the ZIP holds an entry that would be written outside it: {name!r}",
                zip_path,
                hint="unzip it yourself and check what it holds",
            )
        if info.flag_bits & ENCRYPTED:
            raise InputError(
                f"the ZIP is password-protected ({name!r})",
                zip_path,
                hint="unzip it yourself with its password, then migrate the folder",
            )
        if stat.S_ISLNK(info.external_attr >> 16) or not parts:
            continue
        members.append((info, "/".join(parts)))
    return members


def _check_room(members, work: Path, zip_path: Path) -> None:
    need = sum(info.file_size for info, _ in members)
    work.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(work).free
    if need + SPARE_BYTES > free:
        raise InputError(
            f"not enough disk space to unpack the ZIP: it holds {_mb(need)}, {_mb(free)} free",
            zip_path,
            hint="free some space, or choose an --out on a larger disk",
        )


def _extract(archive: zipfile.ZipFile, members, tmp: Path) -> None:
    """Write every entry under ``tmp`` with the time the ZIP records, synced to disk."""
    tmp.mkdir(parents=True)
    for info, name in members:
        target = tmp / name
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        try:
            when = dt.datetime(*info.date_time).timestamp()
            os.utime(target, (when, when))
        except (ValueError, OverflowError, OSError):
            pass  # a ZIP with an impossible date keeps the time of unpacking


def _remove_older(dest: Path, stem: str, work: Path) -> None:
    """Earlier unpackings of a ZIP of this name (an export downloaded again with new content):
    the new one replaces them, so the disk does not fill with copies of a backlog's media. Each
    is renamed aside first, so a kill never leaves part of one under a name that is trusted."""
    for folder in dest.parent.iterdir():
        if folder != dest and re.fullmatch(re.escape(stem) + r"-[0-9a-f]{12}", folder.name):
            aside = work / TMP / f"old-unpack-{uuid.uuid4().hex[:8]}"
            try:
                aside.parent.mkdir(parents=True, exist_ok=True)
                os.replace(folder, aside)
            except OSError:
                continue
            shutil.rmtree(aside, ignore_errors=True)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"
