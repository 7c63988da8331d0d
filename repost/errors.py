"""The errors repost raises, each with the exit code the command line gives it.

    RepostError                 exit 2   base: ``what``, ``where`` and ``hint``
    ├── UsageError              exit 2   a bad option or argument combination
    ├── InputError              exit 2   input that cannot be read or is malformed
    │   ├── PostError           exit 2   a post.yaml that breaks schema 1
    │   └── ProfileError        exit 2   a profile file that breaks the profile schema
    ├── MediaError              exit 2   a media file that cannot be probed, or ffmpeg failed
    ├── BundleError             exit 1   one bundle could not be made (the rest go on)
    │   └── DoesNotFitError     exit 1   media would need changes this build cannot make
    ├── PublishError            exit 1   a platform API refused or failed
    └── TranslateError          exit 1   a translation engine refused or failed (that post fails)

Library code raises these and never prints or exits; ``repost.cli.main.main`` is the one place that
turns them into ``Error: what [where]``, a hint and an exit code.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence


class ExitStatus(enum.IntEnum):
    """Exit codes of the command line (docs/commands.md, "Exit status")."""

    OK = 0
    FAILED = 1  # some checks failed or some posts failed, the rest still done
    USAGE = 2  # usage error or unreadable input
    INTERRUPTED = 130


class RepostError(Exception):
    """Base of every error repost raises on purpose."""

    exit_status = ExitStatus.USAGE

    def __init__(self, what: str, where: object = None, hint: str | None = None):
        self.what = what
        self.where = str(where) if where is not None else None
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``what [where]``, the form the command line prints after ``Error:``."""
        return f"{self.what} [{self.where}]" if self.where else self.what


class UsageError(RepostError):
    """A bad option or combination of options."""


class InputError(RepostError):
    """Input that cannot be read or is malformed."""


class SchemaError(InputError):
    """A data file with one or more problems, all reported at once."""

    def __init__(self, where: object, problems: Sequence[str], hint: str | None = None):
        self.problems = tuple(problems)
        what = "; ".join(self.problems) if self.problems else "invalid"
        super().__init__(what, where, hint)


class PostError(SchemaError):
    """A post.yaml that breaks schema 1."""


class ProfileError(SchemaError):
    """A profile file that breaks the profile schema, or an unknown profile id."""


class MediaError(RepostError):
    """A media file that cannot be probed or converted, or an ffmpeg run that failed."""

    def __init__(
        self,
        what: str,
        where: object = None,
        hint: str | None = None,
        command: Sequence[str] | None = None,
        stderr_tail: str | None = None,
    ):
        self.command = tuple(command) if command else None
        self.stderr_tail = stderr_tail
        super().__init__(what, where, hint)


class BundleError(RepostError):
    """One bundle could not be made; the rest of the batch goes on."""

    exit_status = ExitStatus.FAILED


class DoesNotFitError(BundleError):
    """Media that would need changes this build cannot make (each reason listed)."""

    def __init__(self, where: object, reasons: Sequence[str], hint: str | None = None):
        self.reasons = tuple(reasons)
        super().__init__("; ".join(self.reasons), where, hint)


class PublishError(RepostError):
    """A platform API refused or failed."""

    exit_status = ExitStatus.FAILED


class TranslateError(RepostError):
    """A translation engine that refused or failed (bad key, quota, text too long, no network,
    no language package): the post it was translating is left as it was."""

    exit_status = ExitStatus.FAILED


def failure_line(exc: RepostError | OSError) -> str:
    """One post's failure as one line, where a batch records it and goes on (migrate's state and
    report, a cluster job's answer): an OSError says what could not be written, and where."""
    if isinstance(exc, RepostError):
        return exc.one_line()
    what = f"cannot write: {exc.strerror or exc}"
    return f"{what} [{exc.filename}]" if exc.filename else what
