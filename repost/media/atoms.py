"""MP4/MOV box parsing for facts PyAV does not expose: brand, moov position, edit lists."""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# Boxes an ISO-BMFF or QuickTime file may open with. Old QuickTime files have no ftyp and start
# with moov, mdat, wide or free (Apple QTFF, "Overview of QTFF"); fragmented and DASH files may
# start with styp or sidx.
_FIRST_BOXES = frozenset({"ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "styp", "sidx"})

# A hostile or broken file could hold millions of tiny boxes; no real file comes near this.
MAX_BOXES = 100_000

_UNITY_RATE = 0x00010000  # media_rate 1.0 as 16.16 fixed point


@dataclass(frozen=True)
class Box:
    """One box header: where it starts, how long its header is and where it ends."""

    type: str
    start: int
    header_size: int
    size: int
    truncated: bool = False  # the box claims to run past its parent (or the file)

    @property
    def payload_start(self) -> int:
        return self.start + self.header_size

    @property
    def end(self) -> int:
        return self.start + self.size


@dataclass(frozen=True)
class Mp4Layout:
    """Top-level facts about an MP4/MOV file."""

    major_brand: str | None  # "isom", "mp42", "qt  "...; None for old QuickTime without ftyp
    compatible_brands: tuple[str, ...]
    moov_first: bool  # moov starts before the first mdat: playable while downloading
    edit_list: bool  # some track has a non-trivial edit list (see _elst_is_trivial)
    cut_short: bool = False  # a top-level box runs past the end of the file (an unfinished copy)
    # The first video track's display rotation, counter-clockwise degrees in [-180, 180] as
    # ffmpeg reports it (see _display_rotation); None where no video track could be read.
    video_rotation: float | None = None


def iter_boxes(f: BinaryIO, start: int, end: int) -> Iterator[Box]:
    """The boxes between ``start`` and ``end`` of ``f``, reading headers only.

    Stops at the first malformed header (size smaller than the header, a short read) rather
    than guessing, and after yielding a box that runs past ``end``.
    """
    pos = start
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            return
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            return
        size, raw_type = struct.unpack(">I4s", head)
        header = 8
        if size == 1:  # 64-bit largesize follows the type
            ext = f.read(8)
            if len(ext) < 8:
                return
            (size,) = struct.unpack(">Q", ext)
            header = 16
        elif size == 0:  # the box runs to the end of its parent (usually a streamed mdat)
            size = end - pos
        if raw_type == b"uuid":
            header += 16  # extended type
        if size < header:
            return  # would not advance: malformed
        truncated = pos + size > end
        yield Box(raw_type.decode("latin-1"), pos, header, min(size, end - pos), truncated)
        if truncated:
            return
        pos += size


def read_mp4_layout(path: str | os.PathLike[str]) -> Mp4Layout | None:
    """Brand, moov position and edit lists of an MP4/MOV file; None if it is not one."""
    with open(path, "rb") as f:
        file_end = os.fstat(f.fileno()).st_size
        boxes = iter_boxes(f, 0, file_end)
        first = next(boxes, None)
        if first is None or first.type not in _FIRST_BOXES:
            return None
        major, compatible = None, ()
        moov, mdat_seen, moov_first, cut_short = None, False, False, False
        # Every top-level header is read (a seek and 8 bytes each, a long fragmented file too):
        # a download or copy that stopped early shows as a last box running past the end,
        # which players and ffmpeg take quietly as a shorter video.
        for box in _chain(first, boxes):
            cut_short = cut_short or (box.truncated and box.type in ("mdat", "moov", "moof"))
            if box.type == "ftyp" and major is None:
                major, compatible = _read_ftyp(f, box)
            elif box.type == "mdat":
                mdat_seen = True
            elif box.type == "moov" and moov is None:
                moov = box
                moov_first = not mdat_seen
        if moov is None:
            return Mp4Layout(major, compatible, moov_first=False, edit_list=False, cut_short=cut_short)
        rotation = _display_rotation(f, moov)
        return Mp4Layout(major, compatible, moov_first, _has_edit_list(f, moov), cut_short, rotation)


def _chain(first: Box, rest: Iterator[Box]) -> Iterator[Box]:
    yield first
    yield from rest


def _read_ftyp(f: BinaryIO, box: Box) -> tuple[str | None, tuple[str, ...]]:
    # ftyp: major_brand(4) minor_version(4) compatible_brands(4 each); brands stay as written,
    # trailing spaces included ("qt  "), because that is how they are compared everywhere.
    length = min(box.size - box.header_size, 4096)
    f.seek(box.payload_start)
    data = f.read(length)
    if len(data) < 4:
        return None, ()
    brands = [data[i : i + 4].decode("latin-1") for i in range(8, len(data) - 3, 4)]
    return data[:4].decode("latin-1"), tuple(brands)


def _children(f: BinaryIO, box: Box, kind: str) -> Iterator[Box]:
    for child in iter_boxes(f, box.payload_start, box.end):
        if child.type == kind:
            yield child


def _has_edit_list(f: BinaryIO, moov: Box) -> bool:
    for trak in _children(f, moov, "trak"):
        for edts in _children(f, trak, "edts"):
            for elst in _children(f, edts, "elst"):
                if not _elst_is_trivial(f, elst):
                    return True
    return False


def _elst_is_trivial(f: BinaryIO, elst: Box) -> bool:
    """True when the edit list plays the media as stored: at most one entry, starting at media
    time 0, at normal rate. Anything else (an empty edit delaying the track, media_time > 0
    skipping encoder priming or B-frame delay, several edits) changes what players show, and
    some platforms and editors ignore or mishandle it."""
    f.seek(elst.payload_start)
    head = f.read(8)  # version(1) flags(3) entry_count(4)
    if len(head) < 8:
        return True  # unreadable: say nothing rather than guess
    version = head[0]
    (count,) = struct.unpack(">I", head[4:8])
    if count == 0:
        return True
    if count > 1:
        return False
    entry = f.read(20 if version == 1 else 12)
    if version == 1 and len(entry) == 20:
        _duration, media_time, rate = struct.unpack(">QqI", entry)
    elif version != 1 and len(entry) == 12:
        _duration, media_time, rate = struct.unpack(">IiI", entry)
    else:
        return True
    return media_time == 0 and rate == _UNITY_RATE


# Display matrices as ISO 14496-12 stores them (tkhd, mvhd): a, b, u, c, d, v, x, y, w, the
# last column 2.30 fixed point, the rest 16.16. The identity: no rotation, no side data.
_IDENTITY = (1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30)
_MATRIX_AT = {"mvhd": (36, 48), "tkhd": (40, 52)}  # the matrix's offset in version 0, 1


def _display_rotation(f: BinaryIO, moov: Box) -> float | None:
    """The rotation ffmpeg's mov demuxer gives the first video track: its tkhd matrix times
    the movie's (mvhd), exported when not the identity, read as av_display_rotation_get does
    (libavformat/mov.c mov_read_tkhd, libavutil/display.c). Read from the boxes, it spares the
    probe a decode of the first frame, where PyAV shows the matrix."""
    movie = next((_matrix(f, b) for b in _children(f, moov, "mvhd")), None) or _IDENTITY
    for trak in _children(f, moov, "trak"):
        if _handler(f, trak) != "vide":
            continue
        track = next((_matrix(f, b) for b in _children(f, trak, "tkhd")), None)
        if track is None:
            return None
        m = tuple(_product_entry(track, movie, i, j) for i in range(3) for j in range(3))
        if m == _IDENTITY:
            return 0.0
        scale0, scale1 = math.hypot(m[0], m[3]), math.hypot(m[1], m[4])
        if scale0 == 0 or scale1 == 0:
            return 0.0  # no rotation can be read from it (ffmpeg: NaN)
        return -math.degrees(math.atan2(m[1] / scale1, m[0] / scale0))
    return None


def _product_entry(track, movie, i: int, j: int) -> int:
    """Entry (i, j) of the track's matrix times the movie's, as mov_read_tkhd sums it: each 64-bit
    term added into a 32-bit int, which wraps (two's complement): a crafted file's huge entries
    read as ffmpeg reads them, so the probe's rotation is the one ffmpeg turns the picture by."""
    total = 0
    for e, shift in enumerate((16, 16, 30)):
        total = (total + ((track[3 * i + e] * movie[3 * e + j]) >> shift) + 2**31) % 2**32 - 2**31
    return total


def _matrix(f: BinaryIO, box: Box) -> tuple[int, ...] | None:
    f.seek(box.payload_start)
    version = f.read(1)
    offset = _MATRIX_AT[box.type][1 if version == b"\x01" else 0]
    if not version or box.payload_start + offset + 36 > box.end:
        return None
    f.seek(box.payload_start + offset)
    data = f.read(36)
    return struct.unpack(">9i", data) if len(data) == 36 else None


def _handler(f: BinaryIO, trak: Box) -> str | None:
    # mdia/hdlr: version and flags (4), pre_defined or QuickTime's component type (4), then
    # the handler type: "vide", "soun", "tmcd"...
    for mdia in _children(f, trak, "mdia"):
        for hdlr in _children(f, mdia, "hdlr"):
            f.seek(hdlr.payload_start + 8)
            return f.read(4).decode("latin-1")
    return None
