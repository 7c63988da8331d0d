"""The command line's platform names: the platforms of the loaded profiles in --help, and
platform arguments taken by id or alias."""

from __future__ import annotations

import click

from repost.errors import RepostError
from repost.platforms.names import resolve_platform, unknown_hint
from repost.platforms.profiles import load_profiles


def _known_platforms() -> str:
    """The platforms of the profiles found (built-in and the user's), for --help."""
    try:
        found = load_profiles()
    except RepostError:
        return "(the profiles cannot be read: run `repost profiles` to see why)"
    return "; ".join(f"{p.id} ({p.name})" for p in found.values())


class PlatformsGroup(click.Group):
    """The top help lists the platforms of the loaded profiles, never a list kept by hand."""

    def format_help_text(self, ctx, formatter) -> None:
        super().format_help_text(ctx, formatter)
        with formatter.section("Platforms"):
            formatter.write_text(
                f"{_known_platforms()}. Names are matched case-insensitively, aliases too"
                " (xiaohongshu, instagram, youtube...): `repost profiles` lists them."
            )


class ToOption(click.Option):
    """--to, with the platform ids of the loaded profiles in its help."""

    def get_help_record(self, ctx):
        record = super().get_help_record(ctx)
        if record is None:
            return None
        try:
            ids = ", ".join(load_profiles())
        except RepostError:
            ids = "see repost profiles"
        return record[0], f"{record[1]} ({ids})"


def platform_name(ctx, param, value):
    """A platform id or alias ("instagram", "YouTube") -> the id."""
    found = load_profiles()
    pid = resolve_platform(found, value)
    if pid is None:
        raise click.BadParameter(f"unknown platform {value!r}; {unknown_hint(found, [value])}")
    return pid


def platform_or_engine(ctx, param, value):
    """`auth login`'s target: a platform (id or alias), or a translation engine whose API key
    the keyring keeps (deepl, libretranslate)."""
    from repost.translate.engines import KEYED

    if value.strip().casefold() in KEYED:
        return value.strip().casefold()
    return platform_name(ctx, param, value)
