"""The per-post job of a migration: what a bundle is made from (its input key), the state's rows
for a post, and the bundles a new run of a post replaces."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import repost
from repost import layout
from repost.bundle.build import is_up_to_date
from repost.bundle.manifest import Manifest
from repost.migrate.state import Outcome, Record, Status
from repost.plan import BundlePlan, is_part_bundle_id, post_folder
from repost.platforms.model import Profile
from repost.post.model import Post
from repost.text.clean import clean_line


def created_key(created) -> str | None:
    """A post's date as sortable UTC ISO text (dates count as midnight)."""
    if isinstance(created, dt.datetime):
        when = created.astimezone(dt.UTC) if created.tzinfo else created
        return when.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(created, dt.date):
        return created.strftime("%Y-%m-%dT00:00:00")
    return None


def input_key(post: Post, profile: Profile, options: dict) -> str | None:
    """What a bundle is made from, known without probing or hashing media: tool, profile, options,
    the post's fields and each file's size and mtime. None when a media file is missing."""
    post = post.for_platform(profile.id)
    h = hashlib.sha256()
    parts = [repost.__version__, profile.digest, profile.upload_path, json.dumps(options, sort_keys=True)]
    # The source (links, export path) is left out, as in bundle.fingerprint: a new export of the
    # same posts, with fresh signed links, changes nothing that is made.
    # Nor the folder's name, which is where the bundle lies, not what it is made from.
    parts.append(repr(dataclasses.replace(post, source=None, platforms={}, folder=None)))
    files = [item.path for item in post.media]
    if post.cover is not None and post.cover.path is not None:
        files.append(post.cover.path)
    files += [f for f in (post.audio, post.file) if f is not None]
    try:
        for f in files:
            st = f.stat()
            parts += [str(f), str(st.st_size), str(st.st_mtime_ns)]
    except OSError:
        return None
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def records_for(post: Post, profiles: list[Profile], status: Status, reason: str) -> list[Record]:
    """A record per platform for a post that made none: failed, skipped or planned alike."""
    return [
        Record(post.id, p.id, status, Outcome(status.value), error=reason,
               created=created_key(post.created), title=post_title(post), name=post.name)
        for p in profiles
    ]  # fmt: skip


def bundle_record(
    post: Post, plan: BundlePlan, result, fp_options: dict, notes: tuple[str, ...] = ()
) -> Record:
    """The state's row for one bundle made (or failed) by the per-post job."""
    ok = result.status in ("made", "up_to_date")
    part, parts = (int(n) for n in plan.part.split("/")) if plan.part else (0, 1)
    return Record(
        post.id,
        plan.profile.id,
        Status.DONE if ok else Status.FAILED,
        Outcome(result.status),
        part=part,
        parts=parts,
        inputs=input_key(post, plan.profile, fp_options) if ok else None,
        fingerprint=result.fingerprint if ok else None,
        error=result.error,
        bundle=str(result.path),
        created=created_key(post.created),
        title=plan.texts.title or post_title(post),
        changes=tuple(result.changes),
        warnings=tuple(notes) + tuple(result.warnings),
        name=post.name,
    )


def retire_replaced(post: Post, earlier: list[Record], records: list[Record], out: Path) -> None:
    """Bundles of this post made before that the new ones replace (a post once split in 3
    parts now made in 2, or whole): removed once every new bundle of the platform is done,
    so no stale part is left to be uploaded. Looked for on disk, not only in the rows the
    state has now (a failed run in between replaced them), and only for a post made before.
    Only a folder holding this post's manifest for that platform, inside --out, is removed."""
    if not earlier:
        return
    folders = [out / post_folder(post), *_part_folders(out, post_folder(post))]
    folders += [Path(r.bundle).parent for r in earlier if r.bundle]  # under an earlier name
    folders = list(dict.fromkeys(folders))
    for platform in dict.fromkeys(r.platform for r in records):
        new = [r for r in records if r.platform == platform]
        if any(r.status != Status.DONE for r in new):
            continue
        kept = {Path(r.bundle).resolve() for r in new if r.bundle}
        for folder in folders:
            if (folder / platform) not in kept:
                _remove_bundle(folder / platform, out, post.id, platform)


def all_still_good(rows: list[Record], key: str | None) -> bool:
    """Every bundle of a post on a platform still good: one made whole, or parts 1..n all there."""
    if not rows:
        return False
    parts = rows[0].parts
    wanted = list(range(1, parts + 1)) if parts > 1 else [0]
    return [r.part for r in rows] == wanted and all(r.parts == parts and _still_good(r, key) for r in rows)


def _part_folders(out: Path, folder: str) -> list[Path]:
    """DIR/<post folder>-part<i> folders (a scan of DIR, made only for posts made before)."""
    try:
        with os.scandir(out) as entries:
            return [out / e.name for e in entries if is_part_bundle_id(e.name, folder) and e.is_dir()]
    except OSError:
        return []  # nothing found to retire: what is there stays


def _remove_bundle(bundle: Path, out: Path, post_id: str, platform: str) -> None:
    """Move a stale bundle aside (into DIR/.repost/tmp, cleared by the next run if a kill
    comes between), remove it, then its post folder if that is left empty."""
    if not bundle.is_dir():
        return
    try:
        bundle = bundle.resolve()
        if not bundle.is_relative_to(out) or layout.WORK_DIR in bundle.relative_to(out).parts:
            return
        manifest = Manifest.find(bundle)
        if manifest is None or (manifest.post_id, manifest.platform) != (post_id, platform):
            return
        aside = layout.tmp_dir(out) / f"retired-{uuid.uuid4().hex[:8]}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(bundle, aside)
        shutil.rmtree(aside, ignore_errors=True)
        bundle.parent.rmdir()
    except OSError:
        pass  # not empty, or already gone: nothing stale is left to act on


def _still_good(row: Record, key: str | None) -> bool:
    """Finished from these very inputs, and the bundle on disk still the one recorded (cheap: stats)."""
    return (
        row.status == Status.DONE
        and key is not None
        and row.inputs == key
        and bool(row.bundle)
        and is_up_to_date(Path(row.bundle), row.fingerprint or "")
    )


def post_title(post: Post) -> str:
    """A line naming the post in the report and schedule: its title, else its first line."""
    text = post.title or (post.caption or "").strip().split("\n", 1)[0]
    return clean_line(text)[:80]
