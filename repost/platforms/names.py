"""Platform names as people say them: ids and each profile's ``aliases``, matched loosely."""

from __future__ import annotations

import dataclasses
import difflib
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from repost.errors import ProfileError
from repost.platforms.model import Profile
from repost.post.model import Post

EVERY = "all"  # --to all: every built-in platform; never a platform's own name


def name_key(name: str) -> str:
    """The form names are compared in: NFKC, case folded, without spaces, hyphens or underscores
    ("RedNote", "red-note" and "Red Note" are one name; full-width letters are the plain ones)."""
    folded = unicodedata.normalize("NFKC", str(name)).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-_")


def name_index(profiles: Mapping[str, Profile]) -> dict[str, str]:
    """Every name a platform answers to (its id, its aliases) -> its id."""
    index: dict[str, str] = {}
    for pid, profile in profiles.items():
        for name in (pid, *getattr(profile, "aliases", ())):
            index.setdefault(name_key(name), pid)
    return index


def check_aliases(profiles: Mapping[str, Profile]) -> None:
    """Two profiles answering to one name would make ``--to`` a guess: a profile error naming
    both files. ``all`` is taken by ``--to all``."""
    owner: dict[str, Profile] = {}
    problems: list[str] = []
    files: list[str] = []
    for pid, profile in profiles.items():
        for name in dict.fromkeys((pid, *profile.aliases)):
            key = name_key(name)
            if key == EVERY:
                problems.append(f"aliases: {name!r} is reserved (--to all)")
                files.append(str(profile.file))
            elif key in owner and owner[key].id != pid:
                other = owner[key]
                problems.append(f"aliases: {name!r} names both {other.id} ({other.file}) and {pid}")
                files.append(str(profile.file))
            else:
                owner.setdefault(key, profile)
    if problems:
        raise ProfileError(
            files[0], problems, hint="give each platform names of its own (profiles/README.md)"
        )


def resolve_platform(profiles: Mapping[str, Profile], name: str) -> str | None:
    """The id of the platform ``name`` means, or None."""
    return name_index(profiles).get(name_key(name))


def suggest(profiles: Mapping[str, Profile], name: str) -> str | None:
    """The id of the closest known name, for "did you mean"."""
    index = name_index(profiles)
    close = difflib.get_close_matches(name_key(name), list(index), n=1, cutoff=0.7)
    return index[close[0]] if close else None


def unknown_hint(profiles: Mapping[str, Profile], names: list[str]) -> str:
    """``did you mean 'rednote'?`` where one is close, then the ids and aliases there are."""
    guesses = [g for g in (suggest(profiles, n) for n in names) if g]
    known = "; ".join(
        f"{pid} ({', '.join(p.aliases)})" if getattr(p, "aliases", ()) else pid for pid, p in profiles.items()
    )
    lead = f"did you mean {', '.join(repr(g) for g in dict.fromkeys(guesses))}? " if guesses else ""
    return f"{lead}known platforms: {known}"


def with_platform_ids(post: Post, profiles: Mapping[str, Profile]) -> tuple[Post, list[str]]:
    """``post`` with the names under ``platforms:`` (and in ``mentions:`` mappings) turned into
    platform ids, and a problem for each name no platform answers to."""
    index = name_index(profiles)
    problems: list[str] = []

    def canonical(name: str, where: str) -> str:
        pid = index.get(name_key(name))
        if pid is None:
            guess = suggest(profiles, name)
            hint = f" (did you mean {guess!r}?)" if guess else f" (known: {', '.join(profiles)})"
            problems.append(f"{where}: unknown platform {name!r}{hint}")
            return name
        return pid

    platforms: dict[str, Mapping] = {}
    for name, over in post.platforms.items():
        pid = canonical(name, f"platforms.{name}")
        if pid in platforms:
            problems.append(f"platforms.{name}: {pid} is given twice (as {name!r} and another name)")
        platforms[pid] = over
    mentions = {
        handle: MappingProxyType({canonical(k, f"mentions.{handle}.{k}"): v for k, v in there.items()})
        for handle, there in post.mentions.items()
    }
    fixed = dataclasses.replace(
        post, platforms=MappingProxyType(platforms), mentions=MappingProxyType(mentions)
    )
    return fixed, problems
