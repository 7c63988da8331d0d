"""The files a migration writes at the top of its output folder: their names, how they are
written (aside, then renamed in), and the check that none of them is a file of the user's."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

from repost import layout
from repost.errors import InputError
from repost.inputs import open_regular


@contextmanager
def write_aside(path: Path):
    """A file of DIR written in DIR/.repost/tmp and renamed in, so a killed run never leaves
    half of it (and what it leaves there, the next run clears); a failure names the file."""
    tmp = layout.tmp_dir(path.parent) / f"{path.name}.{uuid.uuid4().hex[:8]}"
    try:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(
            f"cannot write: {exc.strerror or exc}", path, hint="is --out full or read-only?"
        ) from exc
    finally:
        with suppress(OSError):  # never made (its folder could not be): nothing to remove
            tmp.unlink(missing_ok=True)


# How each file repost writes at the top of DIR begins, to tell it from a file of the user's
# that happens to have its name (never overwritten: a migration refuses to start instead).
REPORT_FILES = (layout.REPORT_JSON, layout.REPORT_MD)
SCHEDULE_FILES = (layout.SCHEDULE_CSV, layout.SCHEDULE_ICS)
OWN_FILE_MARKS = {
    layout.REPORT_JSON: b'"name": "repost"',
    layout.REPORT_MD: b"# Migration report",
    layout.SCHEDULE_CSV: b"date,time,timezone,platform,post",
    layout.SCHEDULE_ICS: b"PRODID:-//repost//",
}


def check_own_files(out: Path, names) -> None:
    """Refuse, before any work, to write over a file of these names that repost did not write."""
    for name in names:
        path = out / name
        try:
            with open_regular(path, f"repost's {name}") as f:
                head = f.read(4096)
        except FileNotFoundError:
            continue
        except InputError:  # a folder, a FIFO (which a plain open would wait on forever), a device
            head = b""
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path) from exc
        if OWN_FILE_MARKS[name] not in head:
            raise InputError(
                "exists and was not written by repost; left untouched",
                path,
                hint="move it away, or choose another --out",
            )
