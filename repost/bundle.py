"""Bundles on disk: made aside and renamed into place, so a bundle is complete or absent."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import repost
from repost.errors import BundleError, RepostError
from repost.media.files import make_file, media_entry, sha256_of
from repost.plan import BundlePlan

MANIFEST = "manifest.json"
WORK_DIR = ".repost"
TEXT_FILES = ("caption.txt", "title.txt", "hashtags.txt")


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


def fingerprint(plan: BundlePlan) -> str:
    """What the bundle was made from: tool, profile, post file, media, options."""
    h = hashlib.sha256()

    def feed(*parts):
        for p in parts:
            h.update(str(p).encode("utf-8", "surrogatepass"))
            h.update(b"\0")

    feed(repost.__version__, plan.profile.digest, plan.profile.upload_path)
    if plan.post.file is not None:
        feed(hashlib.sha256(plan.post.file.read_bytes()).hexdigest())
    for step in plan.steps:
        st = step.source.stat()
        feed(step.source.resolve(), st.st_size, st.st_mtime_ns, step.dest, step.ffmpeg_args)
    feed(json.dumps(plan.texts.to_dict(), sort_keys=True, ensure_ascii=False))
    feed(json.dumps(plan.options, sort_keys=True, default=str))
    return h.hexdigest()


def read_manifest(bundle: Path) -> dict | None:
    try:
        data = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_up_to_date(bundle: Path, fp: str) -> bool:
    manifest = read_manifest(bundle)
    if not manifest or (manifest.get("inputs") or {}).get("fingerprint") != fp:
        return False
    for entry in manifest.get("files") or []:
        p = bundle / entry.get("path", "")
        if not p.is_file() or p.stat().st_size != entry.get("bytes"):
            return False
    return True


class Renditions:
    """Files made once per run and copied for every bundle that needs the same one."""

    def __init__(self) -> None:
        self.made: dict[tuple, Path] = {}

    def make(self, step, dest: Path) -> None:
        key = (step.action, str(step.source.resolve()), step.ffmpeg_args)
        earlier = self.made.get(key)
        if earlier is not None and earlier.is_file():
            shutil.copyfile(earlier, dest)
        else:
            make_file(step, dest)
        self.made[key] = dest

    def moved(self, old: Path, new: Path) -> None:
        """A finished bundle was renamed from ``old`` to ``new``: follow its files."""
        for key, path in self.made.items():
            if path.is_relative_to(old):
                self.made[key] = new / path.relative_to(old)


def write_bundle(
    plan: BundlePlan, out: Path, *, force: bool = False, renditions: Renditions | None = None
) -> BundleResult:
    """Make one bundle under ``out``, or leave an up-to-date one alone."""
    dest = bundle_path(out, plan)
    result = BundleResult(plan.post.id, plan.profile.id, dest, "failed", plan.changes, plan.warnings)
    if plan.blockers:
        raise BundleError(
            "; ".join(plan.blockers),
            f"{plan.post.id} → {plan.profile.id}",
            hint="the video and photo conversions arrive with the media engine",
        )
    fp = fingerprint(plan)
    if dest.exists():
        if read_manifest(dest) is None:
            raise BundleError(
                "exists and is not a repost bundle; left untouched",
                dest,
                hint="move it away or choose another --out",
            )
        if not force and is_up_to_date(dest, fp):
            result.status = "up_to_date"
            return result
    work = Path(out).resolve() / WORK_DIR / "tmp"
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
    result.status = "made"
    result.files = manifest["files"]
    return result


def _fill(tmp: Path, plan: BundlePlan, fp: str, renditions: Renditions) -> dict:
    files = []
    for step in plan.steps:
        target = tmp / step.dest
        renditions.make(step, target)
        entry = media_entry(target, step.dest, step.role)
        if step.alt:
            entry["alt"] = step.alt
        files.append(entry)
    texts = plan.texts
    writes = [("caption.txt", texts.caption)]
    if texts.title is not None:
        writes.append(("title.txt", texts.title))
    writes.append(("hashtags.txt", "\n".join(texts.hashtags)))
    for name, value in writes:
        target = tmp / name
        target.write_text(value + "\n" if value else "", encoding="utf-8", newline="\n")
        files.append(
            {"path": name, "role": "text", "sha256": sha256_of(target), "bytes": target.stat().st_size}
        )
    manifest = _manifest(plan, files, fp)
    (tmp / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    return manifest


def _manifest(plan: BundlePlan, files: list, fp: str) -> dict:
    post = plan.post
    source = post.source if post.source is not None else (str(post.file) if post.file else None)
    return {
        "schema": 1,
        "tool": {"name": "repost", "version": repost.__version__},
        "profile": {
            "id": plan.profile.id,
            "version": plan.profile.version,
            "upload_path": plan.profile.upload_path,
        },
        "post": {"id": post.id, "source": source},
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": files,
        "text": plan.texts.to_dict(),
        "changes": list(plan.changes),
        "warnings": list(plan.warnings),
        "inputs": {"fingerprint": fp},
    }


def _swap_into_place(tmp: Path, dest: Path, work: Path) -> None:
    """Rename the finished bundle in; an old one is renamed aside first, then removed."""
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
