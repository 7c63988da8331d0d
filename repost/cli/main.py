"""The command line: thin commands over the library, and the one place errors become exit codes."""

from __future__ import annotations

import io
import logging
import os
import shlex
import sys
import threading
import traceback

import click

import repost
from repost.cli import bundles, export, migrate, online
from repost.cli.platforms import PlatformsGroup
from repost.cli.terminal import echo
from repost.cli.ui import error_lines
from repost.errors import ExitStatus, RepostError

_state = {"debug": False}


@click.group(cls=PlatformsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(repost.__version__, prog_name="repost")
@click.option("--debug", is_flag=True, help="Show tracebacks and log ffmpeg command lines.")
def cli(debug: bool) -> None:
    """Describe a post once; export ready-to-upload bundles for every platform below."""
    _state["debug"] = debug
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")


# Each command lives in the module of its kind; the group lists them.
for command in (
    export.export, export.check, export.preview, migrate.migrate, bundles.validate, bundles.profiles,
    online.auth, online.translate, online.publish,
):  # fmt: skip
    cli.add_command(command)


def main(argv=None) -> None:
    """Run the command line; every error ends here as one line, a hint and an exit code."""
    try:
        cli.main(args=argv, prog_name="repost", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        shown = io.StringIO()  # click's message quotes the argument as given: escaped like the rest
        exc.show(file=shown)
        echo(shown.getvalue(), err=True, nl=False)
        sys.exit(ExitStatus.USAGE)
    except (KeyboardInterrupt, click.exceptions.Abort):
        echo("Interrupted.", err=True)
        _exit_now(ExitStatus.INTERRUPTED)
    except RepostError as exc:
        report_error(exc)
        _exit_now(exc.exit_status)
    except Exception as exc:  # a bug: still one line, the traceback only with --debug
        if _state["debug"]:
            traceback.print_exc()
        echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
        echo("Hint: this is a bug in repost; run again with --debug and report the traceback", err=True)
        _exit_now(ExitStatus.FAILED)
    sys.exit(ExitStatus.OK)


def _exit_now(status: int) -> None:
    """Exit with ``status``. A worker thread still busy after an interrupt or an error that
    ended the run (a stalled download, an encode) would hold the interpreter's exit, after the
    output folder's lock is gone: the process ends without it, as a kill would, which every
    bundle and the state survive by design."""
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if not any(t.is_alive() for t in busy):
        sys.exit(status)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def report_error(exc: RepostError) -> None:
    if _state["debug"]:
        traceback.print_exception(exc, file=sys.stderr)
    for line in error_lines(exc):
        echo(line, err=True)
    if _state["debug"] and getattr(exc, "command", None):
        echo(f"Command: {shlex.join(exc.command)}", err=True)
        if exc.stderr_tail:
            echo(exc.stderr_tail, err=True)
