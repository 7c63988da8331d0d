"""A bundle's fingerprint: what it is made from, as its plan says, in a canonical encoding."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from repost.plan import BundlePlan, part_bundle_id, safe_id

# Bumped when a change to repost alters what a bundle holds for the same plan (how media/
# carries a step out), or how a plan is encoded here, so bundles made before are made again,
# once. A release that changes neither leaves a backlog's bundles alone: the version is not in
# the fingerprint.
# 2: media known by name, size and time, not by where they lie
# 3: each step's operation (repost/ops.py) hashed field by field, not its ffmpeg arguments
BUNDLE_FORMAT = 3


def fingerprint(plan: BundlePlan) -> str:
    """What the bundle is made from, as its plan says: the profile, every step (its operation,
    each source file known by its name, size and time, not by its folder, so a backlog moved or
    a ZIP unpacked again changes nothing), the texts and the notes. Options and post fields
    count through what they change in the plan: one that does not touch this bundle (another
    platform's override, --loudness on a photo post) leaves it alone. The ffmpeg arguments are
    not hashed: how media/ spells an operation (the order of its flags) changes nothing made."""
    h = hashlib.sha256()

    def feed(*parts):
        for p in parts:
            h.update(str(p).encode("utf-8", "surrogatepass"))
            h.update(b"\0")

    known: dict[str, str] = {}
    for step in plan.steps:
        for source in step_sources(step):
            st = source.stat()
            known[str(source)] = known[str(source.resolve())] = (
                f"<{source.name}|{st.st_size}|{st.st_mtime_ns}>"
            )
    profile = plan.profile
    feed(BUNDLE_FORMAT, profile.digest, profile.upload_path, plan.post.id, _id_folder(plan), plan.part)
    for step in plan.steps:
        feed(canonical(step_record(step), known))
    feed(json.dumps(plan.texts.to_dict(), sort_keys=True, ensure_ascii=False))
    feed(canonical((plan.changes, plan.warnings, plan.privacy), known))
    return h.hexdigest()


def _id_folder(plan: BundlePlan) -> str:
    """The folder the bundle had when folders were named by post id alone. Fed instead of the
    folder itself: where a bundle lies is not what it is made from, so an imported post's
    bundle renamed to its readable folder (migrate's one-time upgrade) stays up to date."""
    if plan.part is None:
        return safe_id(plan.post.id)
    return part_bundle_id(plan.post.id, int(plan.part.split("/")[0]))


def step_record(step) -> dict:
    """What of a step makes its file: its source, name, role, operation and alt text (its
    duration is only for the progress bar)."""
    return {"source": step.source, "dest": step.dest, "role": step.role, "op": step.op, "alt": step.alt}


def canonical(value, known: Mapping[str, str] | None = None) -> str:
    """``value`` as text that depends only on what it holds: a dataclass (an operation) and a
    mapping by their field names or keys in sorted order, with the type's name; each source
    file's path replaced by what ``known`` calls it."""
    known = known or {}
    if isinstance(value, os.PathLike | str):
        return known.get(os.fspath(value), repr(os.fspath(value)))
    if isinstance(value, tuple | list):
        return "(" + ",".join(canonical(v, known) for v in value) + ")"
    if isinstance(value, Mapping):
        items = sorted((str(k), canonical(v, known)) for k, v in value.items())
        return "{" + ",".join(f"{k!r}:{v}" for k, v in items) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = sorted(f.name for f in dataclasses.fields(value))
        return (
            type(value).__name__
            + "{"
            + ",".join(f"{n}={canonical(getattr(value, n), known)}" for n in names)
            + "}"
        )
    return repr(value)


def step_sources(step) -> list[Path]:
    """Every file a step reads: its source, and a slideshow's other photos and audio."""
    extra = [*getattr(step.op, "sources", ()), getattr(step.op, "audio", None)]
    return [step.source, *(p for p in extra if p is not None and p != step.source)]
