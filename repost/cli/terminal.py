"""What the command line prints, with control characters shown escaped, never sent raw."""

from __future__ import annotations

import click

# Ids, captions, file names and error messages come from input anyone may have written: a raw
# ESC starts a terminal escape (ESC ] 0 ; ... BEL sets the window title; others move the cursor
# or rewrite what is on screen), NUL and CR hide text, and bidi controls (U+202E ...) show text
# in another order than it is (the "Trojan Source" trick, CVE-2021-42574). Tabs and newlines
# stay: the lines repost composes use them.
_C0 = {c: f"\\x{c:02x}" for c in range(0x20) if chr(c) not in "\t\n"}
# Written \\uXXXX: the same escape in JSON, so --json output stays valid and means the same.
_OTHER = [0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TABLE = {**_C0, **{c: f"\\u{c:04x}" for c in (*_OTHER, 0x2028, 0x2029)}}


def shown(text: str) -> str:
    """``text`` with every control character (bidi overrides included) written as an escape."""
    return text.translate(_TABLE)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, through :func:`shown`: the one way the command line prints."""
    click.echo(shown(str(message)), err=err, nl=nl)
