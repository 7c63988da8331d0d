"""Bundles on disk: made aside and renamed into place, so a bundle is complete or absent."""

from __future__ import annotations

import os
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from repost import layout
from repost.bundle.carry import carry_publish_json
from repost.bundle.fingerprint import BUNDLE_FORMAT, fingerprint
from repost.bundle.manifest import Manifest
from repost.bundle.norms import image_warnings
from repost.bundle.provenance import source_record
from repost.bundle.renditions import Renditions, group_encodes, threads_per_encode
from repost.errors import BundleError, InputError, RepostError
from repost.media.files import media_entry, sha256_of
from repost.media.loudness import loudness_record
from repost.plan import BundlePlan, safe_id
from repost.plan.camera import path_record
from repost.text.hashtags import hashtags_file, topics_file

# Renditions and the fingerprint live in their own modules; their names stay importable here.
__all__ = [
    "BUNDLE_FORMAT", "MANIFEST", "WORK_DIR", "BundleResult", "Renditions", "bundle_path", "fingerprint",
    "group_encodes", "is_current", "is_up_to_date", "other_owner", "threads_per_encode", "write_bundle",
]  # fmt: skip

MANIFEST = layout.MANIFEST
WORK_DIR = layout.WORK_DIR


@dataclass
class BundleResult:
    """What became of one (post, platform) bundle."""

    post_id: str
    platform: str
    path: Path
    status: str  # made | up_to_date | planned | failed
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    files: list = field(default_factory=list)
    fingerprint: str | None = None  # of the bundle now in place (made or up to date)
    name: str | None = None  # the post as a person knows it (Post.name), for its result line

    def to_dict(self) -> dict:
        return {
            "post": self.post_id,
            "platform": self.platform,
            "path": str(self.path),
            "status": self.status,
            "changes": list(self.changes),
            "warnings": list(self.warnings),
            "error": self.error,
        }


def bundle_path(out: Path, plan: BundlePlan) -> Path:
    """DIR/<post-id>/<platform-id>, checked to stay inside DIR even through symlinks."""
    out = out.resolve()
    dest = out / plan.bundle_id / plan.profile.id
    parent = dest.parent
    if parent.exists() and not parent.resolve().is_relative_to(out):
        raise BundleError(
            "the post folder points outside the output folder",
            parent,
            hint="remove the symlink, or choose another --out",
        )
    return dest


def is_up_to_date(bundle: Path, fp: str) -> bool:
    manifest = Manifest.find(bundle)
    if manifest is None or manifest.fingerprint != fp:
        return False
    for entry in manifest.files:
        p = bundle / entry.path
        if not p.is_file() or p.stat().st_size != entry.bytes:
            return False
    return True


def _owner(manifest: Manifest) -> tuple[str, bool]:
    """Whose bundle a manifest is: the post's own id (not its folder name: "sa/me" and "sa-me"
    share a folder but are two posts), and whether it is a numbered part."""
    return unicodedata.normalize("NFC", manifest.post_id or ""), manifest.part is not None


def other_owner(dest: Path, plan: BundlePlan) -> str | None:
    """Which other post's bundle ``dest`` holds ("post tea, part 2/2"), or None: it holds none,
    or this post's own (its id as the manifest records it, NFC as folder names may come back)."""
    manifest = Manifest.find(dest) if dest.is_dir() else None
    if manifest is None:
        return None
    theirs = _owner(manifest)
    if theirs == (unicodedata.normalize("NFC", plan.post.id), plan.part is not None):
        return None
    if _made_before_ids_were_kept(manifest, plan):
        return None
    return f"post {theirs[0]!r}" + (f", part {manifest.part}" if theirs[1] else "")


def _made_before_ids_were_kept(manifest: Manifest, plan: BundlePlan) -> bool:
    """A bundle of this very post.yaml made by a migrate that recorded the folder-safe form of
    its id ("sa-me" for "sa/me"): the same post, not another one."""
    source = manifest.post_source
    return (
        plan.post.file is not None
        and isinstance(source, str)
        and source == str(plan.post.file)
        and manifest.post_id == safe_id(plan.post.id)
        and (manifest.part is not None) == (plan.part is not None)
    )


def is_current(plan: BundlePlan, out: Path) -> bool:
    """The plan's bundle exists and was made from the same inputs (nothing to do)."""
    try:
        return is_up_to_date(bundle_path(out, plan), fingerprint(plan))
    except (BundleError, OSError):
        return False


def write_bundle(
    plan: BundlePlan, out: Path, *, force: bool = False, renditions: Renditions | None = None
) -> BundleResult:
    """Make one bundle under ``out``, or leave an up-to-date one alone."""
    dest = bundle_path(out, plan)
    result = BundleResult(
        plan.post.id, plan.profile.id, dest, "failed", plan.changes, plan.warnings, name=plan.post.name
    )
    if plan.blockers:
        # Named by the caller ("post → platform"): the blockers name the files themselves.
        raise BundleError("; ".join(plan.blockers), hint="--dry-run shows the whole plan and what blocks it")
    fp = fingerprint(plan)
    if dest.exists():
        try:
            Manifest.read(dest)  # a folder of ours, readable, before anything in it is replaced
        except InputError as exc:
            why = f" ({exc.what})" if (dest / MANIFEST).exists() else ""
            raise BundleError(
                f"exists and is not a repost bundle{why}; left untouched",
                dest,
                hint="move it away or choose another --out",
            ) from None
        theirs = other_owner(dest, plan)
        if theirs is not None:
            # Post "tea" split in parts writes tea-part2/, where a post with id "tea-part2" goes
            # too; ids that differ only where a folder name cannot hold them ("sa/me", "sa-me") too.
            raise BundleError(
                f"holds the bundle of another post ({theirs}); left untouched: "
                f"post {plan.post.id!r} maps to the same folder",
                dest,
                hint="give one of the two posts another id (id: in its post.yaml)",
            )
        if not force and is_up_to_date(dest, fp):
            result.status, result.fingerprint = "up_to_date", fp
            return result
    work = layout.tmp_dir(Path(out).resolve())
    work.mkdir(parents=True, exist_ok=True)
    tmp = work / f"{plan.bundle_id[:40]}-{plan.profile.id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    renditions = renditions or Renditions()
    try:
        manifest = _fill(tmp, plan, fp, renditions)
        _swap_into_place(tmp, dest, work)
        renditions.moved(tmp, dest)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, RepostError) and not isinstance(exc, BundleError):
            raise BundleError(exc.what, exc.where, exc.hint) from exc
        if isinstance(exc, OSError):
            raise BundleError(f"cannot write the bundle: {exc.strerror}", exc.filename or dest) from exc
        raise
    result.status, result.fingerprint = "made", fp
    result.files = [dict(e.data) for e in manifest.files]
    return result


def _fill(tmp: Path, plan: BundlePlan, fp: str, renditions: Renditions) -> Manifest:
    files = []
    for step in plan.steps:
        target = tmp / step.dest
        linked = renditions.make(step, target)
        entry = media_entry(target, step.dest, step.role)
        if linked:
            entry["linked"] = linked  # shares its data with the same file in other bundles
        if step.role == "video":
            entry["loudness"] = loudness_record(step, target, entry["sha256"])
        entry["source"] = source_record(step, plan.post.file)  # for validate --against-source
        if step.rendition is not None and step.rendition.camera is not None:
            entry["reframe"] = path_record(step.rendition.camera)  # fit smart: the crop's path
        if step.alt:
            entry["alt"] = step.alt
        files.append(entry)
    for name, value in _text_files(plan.texts):
        target = tmp / name
        target.write_text(value + "\n" if value else "", encoding="utf-8", newline="\n")
        files.append(
            {"path": name, "role": "text", "sha256": sha256_of(target), "bytes": target.stat().st_size}
        )
    manifest = _manifest(plan, files, fp)
    # QR codes in the photos and cover, once made
    manifest = manifest.with_warnings(image_warnings(plan, tmp))
    manifest.write(tmp)
    return manifest


def _text_files(texts) -> list[tuple[str, str]]:
    """(name, text) of each text file of the bundle: caption, title where there is one, the
    tags one per line, the suggested topics where there are any, the first comment."""
    writes = [(layout.CAPTION, texts.caption)]
    if texts.title is not None:
        writes.append((layout.TITLE, texts.title))
    writes.append((layout.HASHTAGS, hashtags_file(texts.hashtags)))
    if texts.suggested:
        writes.append((layout.TOPICS, topics_file(texts.suggested)))
    if texts.comment is not None:
        writes.append((layout.COMMENT, texts.comment))  # hashtags over the limit (--overflow comment)
    return writes


def _manifest(plan: BundlePlan, files: list, fp: str) -> Manifest:
    post = plan.post
    source = post.source if post.source is not None else (str(post.file) if post.file else None)
    profile = plan.profile
    return Manifest.new(
        profile={"id": profile.id, "version": profile.version, "upload_path": profile.upload_path},
        post={"id": post.id, "source": source},
        files=files,
        text=plan.texts.to_dict(),
        changes=list(plan.changes),
        warnings=list(plan.warnings),
        fingerprint=fp,
        privacy=plan.privacy,
        part=plan.part,
    )


def _swap_into_place(tmp: Path, dest: Path, work: Path) -> None:
    """Rename the finished bundle in; an old one is renamed aside first, then removed. The old
    one's publish record goes with the bundle: a rebuilt bundle is still published."""
    if dest.is_dir():
        carry_publish_json(dest, tmp)
    for f in tmp.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    dest.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if dest.exists():
        old = work / f"old-{uuid.uuid4().hex[:8]}"
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
