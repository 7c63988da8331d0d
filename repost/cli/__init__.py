"""The command line: the only code that prints or imports click."""

from repost.cli.main import main

__all__ = ["main"]
