"""The one owner of the ffmpeg binary: finds it, guards paths, runs it and explains failures."""

from __future__ import annotations

import functools
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

from repost.errors import MediaError

log = logging.getLogger("repost.media")

ENV_VAR = "REPOST_FFMPEG"
STDERR_TAIL_LINES = 10

# Always first: no banner noise in stderr, never wait for a keypress on stdin (a run under -j N
# or in CI would hang), and only real errors in stderr so its last line is the reason.
BASE_ARGS = ("-hide_banner", "-nostdin", "-loglevel", "error")

# Known ffmpeg messages -> what the user can do about them. First match wins, so the more
# specific messages come first.
_HINTS: tuple[tuple[str, str], ...] = (
    (
        "Unknown encoder",
        "this ffmpeg build lacks that encoder; install a full build or point "
        f"{ENV_VAR} at one (pip install imageio-ffmpeg ships one with libx264)",
    ),
    (
        "Encoder not found",
        f"this ffmpeg build lacks that encoder; point {ENV_VAR} at a full build",
    ),
    (
        "No such filter",
        "this ffmpeg build lacks a filter repost uses (zscale for HDR tone-mapping, loudnorm, "
        f"gblur...); point {ENV_VAR} at a full build (imageio-ffmpeg's has them all)",
    ),
    (
        "not divisible by 2",
        "H.264/HEVC in yuv420p need an even width and height; scale to even sizes",
    ),
    (
        "Error while opening encoder",
        "the encoder refused its settings (size, pixel format, profile or bit rate)",
    ),
    ("No such file or directory", "check that the file exists and the path is spelled right"),
    (
        "Invalid data found when processing input",
        "the input is damaged, incomplete or not a media file ffmpeg can read",
    ),
    (
        "moov atom not found",
        "the MP4/MOV file is incomplete (interrupted download or recording); get it again",
    ),
    ("Permission denied", "check the permissions of the input file and of the output folder"),
    ("No space left on device", "free some disk space, or choose another --out folder"),
    (
        "Unrecognized option",
        f"this ffmpeg is too old or unusual; point {ENV_VAR} at ffmpeg 6 or newer",
    ),
    (
        "Option not found",
        f"this ffmpeg is too old or unusual; point {ENV_VAR} at ffmpeg 6 or newer",
    ),
    (
        "Protocol not found",
        "a file name was read as a URL (scheme:rest); rename the file or use an absolute path",
    ),
)

# Options for PyAV's av.open of a file to read: opening runs avformat_find_stream_info, which
# decodes a video's first frames to learn its pixel format and decoder delay. One decoder
# thread and no deblocking make that ~25% cheaper (a 720x1280 H.264 opened in ~5.6 ms of CPU
# instead of ~7.1); neither changes a parameter it learns, and the decoders a caller opens
# afterwards get their own options.
OPEN_OPTIONS = {"threads": "1", "skip_loop_filter": "all"}

# Characters ffmpeg accepts in a URL scheme (libavformat/avio.c, URL_SCHEME_CHARS): a relative
# path like "concat:x.mp4" or "http:clip.mp4" would be opened as that protocol, not as a file.
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


def find_ffmpeg() -> str:
    """The ffmpeg to run: ``$REPOST_FFMPEG``, else ``ffmpeg`` on PATH, else imageio-ffmpeg's.

    Looked up on every call, never at import, so importing repost works without ffmpeg and a
    changed environment (tests, a user's shell) takes effect at once.
    """
    configured = os.environ.get(ENV_VAR)
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise MediaError(
                f"{ENV_VAR} does not name an executable ffmpeg",
                where=configured,
                hint=f"set {ENV_VAR} to the full path of an ffmpeg binary, or unset it",
            )
        return found
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError, OSError) as exc:
        log.debug("imageio-ffmpeg has no ffmpeg: %s", exc)
    raise MediaError(
        "ffmpeg not found",
        hint=f"install ffmpeg (or pip install imageio-ffmpeg), or set {ENV_VAR} to its path",
    )


def safe_path(p: str | os.PathLike[str]) -> str:
    """``p`` as a string ffmpeg reads as a local file, never as an option or a URL.

    A relative path that starts with ``-`` ("-y.mp4") would be parsed as an option, and one
    that looks like ``scheme:rest`` as a protocol; both get a ``./`` prefix. Absolute paths
    are returned unchanged.
    """
    s = os.fspath(p)
    if os.path.isabs(s):
        return s
    if s.startswith("-") or _looks_like_url(s):
        return "." + os.sep + s
    return s


def _looks_like_url(s: str) -> bool:
    scheme, colon, _ = s.partition(":")
    return bool(colon) and bool(scheme) and all(c in _SCHEME_CHARS for c in scheme)


def build_command(args: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The full argument list ``run_ffmpeg`` would run (for ``--dry-run`` and logs).

    Path objects among ``args`` go through :func:`safe_path`; strings are taken as given.
    """
    rest = [safe_path(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    return [find_ffmpeg(), *BASE_ARGS, *rest]


def run_ffmpeg(
    args: Sequence[str | os.PathLike[str]],
    *,
    where: object = None,
    progress: Callable[[float], None] | None = None,
    duration_s: float | None = None,
) -> subprocess.CompletedProcess:
    """Run ffmpeg with ``args`` (an argument list, never a shell string).

    Returns the finished process: ``stdout`` as bytes (ffmpeg may write media to it),
    ``stderr`` as text. Raises :class:`MediaError` with the command, the tail of stderr and a
    hint when ffmpeg cannot start or exits non-zero. ``where`` names the file the error is
    about; by default the first input (``-i``). With ``progress`` (and the output's
    ``duration_s``), ffmpeg reports through ``-progress`` and ``progress`` gets 0..1 as it goes.
    """
    cmd = build_command(args)
    if where is None:
        where = _first_input(cmd)
    if progress is not None:
        cmd[1 + len(BASE_ARGS) : 1 + len(BASE_ARGS)] = ["-progress", "pipe:1", "-nostats"]
    log.debug("running: %s", shlex.join(cmd))
    try:
        if progress is None:
            proc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False, preexec_fn=tied_to_parent()
            )
        else:
            proc = _run_reporting(cmd, progress, duration_s)
    except OSError as exc:
        raise MediaError(
            f"cannot run ffmpeg: {exc.strerror or exc}",
            where=cmd[0],
            hint=f"check that {cmd[0]} is an executable ffmpeg, or set {ENV_VAR}",
            command=cmd,
        ) from exc
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise _failure(cmd, proc.returncode, stderr, where)
    return subprocess.CompletedProcess(cmd, proc.returncode, proc.stdout, stderr)


def _run_reporting(
    cmd: list[str], progress: Callable[[float], None], duration_s
) -> subprocess.CompletedProcess:
    # -progress writes key=value lines to stdout (out_time_us=..., progress=end); stderr is read
    # by a thread as it comes, so a chatty stderr can never fill its pipe and stall ffmpeg (and
    # no temporary file is written outside --out to hold it).
    stderr: list[bytes] = []
    with subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=tied_to_parent(),
    ) as proc:
        drain = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
        drain.start()
        for line in proc.stdout:
            fraction = parse_progress(line, duration_s)
            if fraction is not None:
                progress(fraction)
        returncode = proc.wait()
        drain.join()
    if returncode == 0:
        progress(1.0)
    return subprocess.CompletedProcess(cmd, returncode, b"", b"".join(stderr))


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def tied_to_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child killed when repost dies, or None where there is none.

    On Linux, prctl(PR_SET_PDEATHSIG, SIGKILL): a repost killed with SIGKILL (no handler runs)
    would otherwise leave ffmpeg encoding on for minutes. The signal comes when the *thread*
    that started the child ends; every caller waits for its child in that thread. Elsewhere
    (macOS, Windows) nothing is set: a child there ends when it next writes to a closed pipe.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent, kill = os.getpid(), int(signal.SIGKILL)

    def tie() -> None:
        # After fork, before exec: only a call resolved beforehand, no import, no allocation
        # to speak of (preexec_fn runs in a copy of a threaded process).
        prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if os.getppid() != parent:  # repost died between fork and prctl: nothing to wait for
            os._exit(1)

    return tie


@functools.cache
def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # a libc without prctl (musl has it; a stub might not)
        return None


def parse_progress(line: bytes, duration_s: float | None) -> float | None:
    """The fraction done from one ``-progress`` line, or None for other lines."""
    key, _, value = line.decode("ascii", "replace").strip().partition("=")
    if key == "progress" and value == "end":
        return 1.0
    if key != "out_time_us" or not duration_s or not value.strip().isdigit():
        return None
    return max(0.0, min(1.0, int(value) / 1e6 / duration_s))


def _first_input(cmd: Sequence[str]) -> str | None:
    inputs = [cmd[i + 1] for i, arg in enumerate(cmd[:-1]) if arg == "-i"]
    return inputs[0] if inputs else None


def _failure(cmd: list[str], returncode: int, stderr: str, where: object) -> MediaError:
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    tail = "\n".join(lines[-STDERR_TAIL_LINES:])
    last = lines[-1] if lines else f"exit status {returncode}"
    return MediaError(
        f"ffmpeg failed: {last}",
        where=where,
        hint=hint_for(stderr),
        command=cmd,
        stderr_tail=tail or None,
    )


def hint_for(stderr: str) -> str:
    """A hint for the first known message in ffmpeg's ``stderr``, else a generic one."""
    for needle, hint in _HINTS:
        if needle in stderr:
            return hint
    return "the last lines of ffmpeg's output say why; --debug logs the exact command"
