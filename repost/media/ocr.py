"""Words in a video's corners, read by tesseract where it is installed: optional evidence of
another platform's watermark (TikTok's name, 抖音, an @handle). Never required: without the
binary nothing is read and nothing fails. A $REPOST_TESSERACT that names no program is told once
a run (a logged warning, as the library's other run-wide warnings), and the run goes on without."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
from pathlib import Path

from repost.errors import MediaError
from repost.media.covers import decode_frames
from repost.media.ffmpeg import tied_to_parent
from repost.media.remembered import checked_text, file_key, known, recall

TESSERACT_ENV = "REPOST_TESSERACT"  # a tesseract binary to use instead of the one on PATH
log = logging.getLogger(__name__)
# The $REPOST_TESSERACT values already warned about: each is told once a run, not once a video.
_WARNED: set[str] = set()
_WARNED_LOCK = threading.Lock()  # videos are looked at from worker threads
# The names the apps print beside their logo in the mark they burn into saved videos.
MARK_WORDS = ("tiktok", "抖音")
# An @handle as the apps print it under their logo (TikTok allows letters, digits, _ and .).
HANDLE = re.compile(r"@[A-Za-z0-9_.]{3,24}")
# Frames read (shares of the video): one in each half, as TikTok moves its mark part-way.
FRACTIONS = (0.25, 0.75)
# Corner bands, as shares of the frame: TikTok puts its logo and @handle in a corner, about a
# third of the width and a sixth of the height, and moves it to another corner part-way. The
# picture check (media/watermark.py) looks at the same bands; here they are read at
# BAND_WIDTH_PX wide: the apps' mark text is then 15-30 px tall, where tesseract reads best.
BAND_W, BAND_H = 0.4, 0.22
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
BAND_WIDTH_PX = 640
# The apps draw their mark in white (with a soft shadow): pixels this bright become black ink on
# white paper, which tesseract reads far better than white on a moving picture (the test mark's
# "@creator" read as "@crea" from the grey band, whole when thresholded).
WHITE = 200
GAP_PX = 24  # white space between the stacked corner bands, so no line runs into the next
# --psm 11: sparse text, no page layout (a corner holds a word or two, not a page).
PAGE_MODE = "11"
TIMEOUT_S = 30.0
# What one call may write: the TSV of two corner bands is a few KB (12 columns a word).
OUTPUT_MAX = 1_000_000


def find_tesseract() -> str | None:
    """$REPOST_TESSERACT, else tesseract on PATH; None where neither is there. A variable set
    to what is not a program means no OCR (the user chose that binary, not the one on PATH),
    with one warning a run saying why."""
    named = os.environ.get(TESSERACT_ENV)
    if not named:
        return shutil.which("tesseract")
    found = shutil.which(os.path.expanduser(named))
    if found is None:
        _warn_unusable(named)
    return found


def _warn_unusable(named: str) -> None:
    with _WARNED_LOCK:
        if named in _WARNED:
            return
        _WARNED.add(named)
    log.warning(
        "warning: %s names %r, which %s; no words are read in video corners (another platform's"
        " watermark is still looked for in the picture and the files)",
        TESSERACT_ENV, named, _why_unusable(os.path.expanduser(named)),
    )  # fmt: skip


def _why_unusable(named: str) -> str:
    """What is wrong with a $REPOST_TESSERACT that shutil.which refused."""
    path = Path(named)
    if os.sep not in named and not (os.altsep and os.altsep in named):
        return "is not a program on PATH"  # a bare name is looked up as a command is
    if path.is_dir():
        return "is a folder"
    if not path.exists():
        return "does not exist"
    return "is not an executable file"


@functools.cache
def installed_languages(binary: str) -> tuple[str, ...]:
    """The language data tesseract has (``--list-langs``); () where it cannot say."""
    try:
        out = run_bounded([binary, "--list-langs"], b"").decode("utf-8", "replace")
    except MediaError:
        return ()
    lines = out.splitlines()
    return tuple(line.strip() for line in lines[1:] if line.strip() and " " not in line.strip())


def run_bounded(cmd: list[str], data: bytes) -> bytes:
    """What ``cmd`` writes (stdout and stderr together: tesseract lists its languages on either)
    given ``data`` on stdin, else MediaError: it ran over TIMEOUT_S, wrote over OUTPUT_MAX or
    failed. $REPOST_TESSERACT may name a wrapper script (a container, a shim): it runs in a
    process group of its own, killed whole, so a child it left behind never outlives the call."""
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=tied_to_parent(),
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise MediaError(f"tesseract cannot run ({exc})", where=cmd[0]) from exc
    threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True).start()
    late = threading.Event()
    timer = threading.Timer(TIMEOUT_S, lambda: (late.set(), _kill_group(proc)))
    timer.start()
    try:
        out = proc.stdout.read(OUTPUT_MAX + 1)  # to its end: it exited, or the timer killed it
        if len(out) <= OUTPUT_MAX:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=TIMEOUT_S)  # the timer still bounds this
    finally:
        timer.cancel()
        _kill_group(proc)  # and whatever it started, done or not
        proc.stdout.close()
        returncode = proc.wait()
    if late.is_set():
        raise MediaError(f"tesseract took over {TIMEOUT_S:g} s", where=cmd[0])
    if len(out) > OUTPUT_MAX:
        raise MediaError(f"tesseract wrote over {OUTPUT_MAX:,} bytes", where=cmd[0])
    if returncode != 0:
        raise MediaError(f"tesseract failed (exit status {returncode})", where=cmd[0])
    return out


def _feed(pipe, data: bytes) -> None:
    with contextlib.suppress(OSError):  # it stopped reading: its answer tells
        pipe.write(data)
        pipe.close()


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


def languages(binary: str) -> str | None:
    """The language passes, "+"-joined for the cache key: English (the apps' names and
    @handles), then simplified Chinese where installed, read on its own (for 抖音: read
    together with English, tesseract took the two characters for Latin letters)."""
    have = installed_languages(binary)
    wanted = [lang for lang in ("eng", "chi_sim") if lang in have]
    return "+".join(wanted) if "eng" in wanted else None


def read_words(binary: str, pages, langs: str) -> list[tuple[int, int, str]]:
    """The words tesseract reads in a Pillow picture, or in several read as the pages of one
    run (its start and model, most of a run's cost, paid once), each word with its page (from
    0) and its top edge in pixels (its TSV output). One picture goes as PNG on stdin, several
    as a multi-page TIFF (lossless); nothing is written."""
    pages = list(pages) if isinstance(pages, list | tuple) else [pages]
    data = io.BytesIO()
    if len(pages) == 1:
        pages[0].save(data, "PNG")
    else:
        pages[0].save(data, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    try:
        out = run_bounded(
            [binary, "stdin", "stdout", "-l", langs, "--psm", PAGE_MODE, "tsv"], data.getvalue()
        )
    except MediaError as exc:
        raise MediaError(f"tesseract could not read a frame ({exc.what})", where=exc.where) from exc
    words = []
    for line in out.decode("utf-8", "replace").splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) == 12 and cells[11].strip() and cells[1].isdigit() and cells[7].isdigit():
            words.append((int(cells[1]) - 1, int(cells[7]), cells[11].strip()))
    return words


def reading_times(duration_s: float) -> tuple[float, ...]:
    """When the frames tesseract reads are; () where it is not installed (nothing is read)."""
    binary = find_tesseract()
    return tuple(duration_s * f for f in FRACTIONS) if binary and languages(binary) else ()


def ocr_watermark(
    path: Path, duration_s: float, rotation: int = 0, pictures=None, corners=None
) -> str | None:
    """Evidence in words where a corner band of the video reads like an app's mark: its name
    (TikTok, 抖音) in one frame, or the same @handle in a corner of both; None where tesseract
    is missing, reads nothing of the kind, or the frames cannot be decoded. ``pictures()``
    gives the frames at ``reading_times`` (decoded for other analyses too), else they are
    decoded here. ``corners(frames)``: which corner bands of each frame could hold a mark
    (media/corner_ink.py), the only ones read; a frame with none is not read at all."""
    binary = find_tesseract()
    langs = languages(binary) if binary else None
    if not binary or not langs:
        return None
    try:
        times = tuple(duration_s * f for f in FRACTIONS)
        frames = pictures() if pictures else decode_frames(Path(path), times, rotation)
        where = corners(frames) if corners else [CORNERS] * len(frames)
        seen = _corner_words(binary, "eng", frames, where)
        if "chi_sim" in langs.split("+") and seen and _evidence(seen) is None:
            # 抖音 is in every frame its mark is in: one frame read in Chinese is enough (a
            # Chinese pass costs more than an English one), and none where English has
            # already read an app's name or @handle.
            chinese = _corner_words(binary, "chi_sim", frames[:1], where[:1])[0]
            seen[0] = {c: f"{seen[0][c]} {chinese[c]}".strip() for c in seen[0]}
    except MediaError:
        return None
    return _evidence(seen)


def remembered_ocr(
    path: Path, duration_s: float, rotation: int = 0, scan: bool = True, pictures=None, corners=None
) -> str | None:
    """ocr_watermark, kept between runs (media/remembered.py) under the tesseract languages
    used, so installing tesseract (or Chinese data) later reads the video again. ``scan``
    False (a dry run): only what an earlier run read."""
    binary = find_tesseract()
    langs = languages(binary) if binary else None
    if not langs:
        return None
    key = ("watermark-ocr", *file_key(path), duration_s, rotation, langs, FRACTIONS)
    if not scan:
        return known(key, _evidence_from)

    def read() -> str | None:
        return ocr_watermark(path, duration_s, rotation, pictures, corners)

    return recall(key, read, lambda v: v, _evidence_from)


def _evidence_from(value) -> str | None:
    """What OCR read, from a store: None or plain text (it reaches the manifest and terminal)."""
    return None if value is None else checked_text(value)


def _corner_words(binary: str, langs: str, frames: list, where: list) -> list[dict[str, str]]:
    """{corner: text read there} for each frame: the bands of its corners in ``where`` stacked
    into one picture (the others left blank), white strokes made black on white, each picture a
    page of one tesseract run; no run where no frame has a corner to read. (One page a frame:
    both frames' bands in one page lost a mark's @handle.)"""
    out = [dict.fromkeys(CORNERS, "") for _ in frames]
    sheets = {
        i: _sheet(frame, corners)
        for i, (frame, corners) in enumerate(zip(frames, where, strict=True))
        if corners
    }
    if not sheets:
        return out
    pages = list(sheets)
    for page, top, word in read_words(binary, [sheets[i][0] for i in pages], langs):
        if 0 <= page < len(pages):
            i = pages[page]
            corner = CORNERS[min(len(CORNERS) - 1, top // sheets[i][1])]
            out[i][corner] = f"{out[i][corner]} {word}".strip()
    return out


def _sheet(frame, corners) -> tuple:
    """(the picture of one frame's corner bands stacked, read in ``corners`` only; the height
    of a band's slot in it)."""
    from PIL import Image

    grey = frame.convert("L")
    w, h = grey.size
    bw, bh = round(w * BAND_W), round(h * BAND_H)
    lefts, tops = {"left": 0, "right": w - bw}, {"top": 0, "bottom": h - bh}
    slot = max(1, round(bh * BAND_WIDTH_PX / max(1, bw)))
    sheet = Image.new("L", (BAND_WIDTH_PX, (slot + GAP_PX) * len(CORNERS)), 255)
    for i, corner in enumerate(CORNERS):
        if corner not in corners:
            continue
        v, u = corner.split("-")
        band = grey.crop((lefts[u], tops[v], lefts[u] + bw, tops[v] + bh))
        band = band.resize((BAND_WIDTH_PX, slot), Image.Resampling.LANCZOS)
        sheet.paste(band.point(lambda p: 0 if p >= WHITE else 255), (0, i * (slot + GAP_PX)))
    return sheet, slot + GAP_PX


def _evidence(seen: list[dict[str, str]]) -> str | None:
    """The words found, where, in one sentence."""
    named = [
        (corner, word)
        for frame in seen
        for corner, text in frame.items()
        for word in MARK_WORDS
        if word in text.lower().replace(" ", "")
    ]
    handles = [{h for text in frame.values() for h in HANDLE.findall(text)} for frame in seen]
    kept = set.intersection(*handles) if handles else set()
    if not named and not kept:
        return None
    corners = list(dict.fromkeys(c for c, _ in named)) or [
        c for frame in seen for c, text in frame.items() if any(h in text for h in kept)
    ]
    words = list(dict.fromkeys([w for _, w in named] + sorted(kept)))
    where = " then ".join(dict.fromkeys(corners))
    return f"the words {', '.join(repr(w) for w in words)} in the corner ({where}), read by tesseract"
