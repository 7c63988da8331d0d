"""Bundles on disk: made aside and renamed into place, so a bundle is complete or absent."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import threading
import unicodedata
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from repost import layout
from repost.bundle.manifest import Manifest
from repost.bundle.provenance import source_record
from repost.errors import BundleError, InputError, MediaError, RepostError
from repost.media.files import make_file, make_shared, media_entry, sha256_of
from repost.media.linking import place_file
from repost.media.loudness import loudness_record
from repost.media.render import can_share_decode
from repost.plan import BundlePlan, part_bundle_id, safe_id
from repost.plan.camera import path_record
from repost.platforms.norms import image_warnings
from repost.publish.records import carry_publish_json
from repost.text.hashtags import hashtags_file, topics_file

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


# Bumped when a change to repost alters what a bundle holds for the same plan (how media/
# carries a step out), so bundles made before are made again. A release that changes neither
# the plans nor this leaves a backlog's bundles alone: the version is not in the fingerprint.
BUNDLE_FORMAT = 2  # 2: media known by name, size and time, not by where they lie


def fingerprint(plan: BundlePlan) -> str:
    """What the bundle is made from, as its plan says: the profile, every step (each source
    file known by its name, size and time, not by its folder, so a backlog moved or a ZIP
    unpacked again changes nothing), the texts and the notes. Options and post fields count
    through what they change in the plan: one that does not touch this bundle (another
    platform's override, --loudness on a photo post) leaves it alone."""
    h = hashlib.sha256()

    def feed(*parts):
        for p in parts:
            h.update(str(p).encode("utf-8", "surrogatepass"))
            h.update(b"\0")

    known: dict[str, str] = {}
    for step in plan.steps:
        for source in _step_sources(step):
            st = source.stat()
            known[str(source)] = known[str(source.resolve())] = (
                f"<{source.name}|{st.st_size}|{st.st_mtime_ns}>"
            )
    profile = plan.profile
    feed(BUNDLE_FORMAT, profile.digest, profile.upload_path, plan.post.id, _id_folder(plan), plan.part)
    for step in plan.steps:
        feed(
            _portable(
                (step.action, step.source, step.dest, step.role, step.ffmpeg_args, step.op, step.alt), known
            )
        )
    feed(json.dumps(plan.texts.to_dict(), sort_keys=True, ensure_ascii=False))
    feed(_portable((plan.changes, plan.warnings, plan.privacy), known))
    return h.hexdigest()


def _id_folder(plan: BundlePlan) -> str:
    """The folder the bundle had when folders were named by post id alone. Fed instead of the
    folder itself: where a bundle lies is not what it is made from, so an imported post's
    bundle renamed to its readable folder (migrate's one-time upgrade) stays up to date, and
    no bundle made before that change is made again."""
    if plan.part is None:
        return safe_id(plan.post.id)
    return part_bundle_id(plan.post.id, int(plan.part.split("/")[0]))


def _portable(value, known: Mapping[str, str]) -> str:
    """``value`` as text with each source file's path replaced by what ``known`` calls it."""
    if isinstance(value, os.PathLike | str):
        return known.get(os.fspath(value), repr(os.fspath(value)))
    if isinstance(value, tuple | list):
        return "(" + ",".join(_portable(v, known) for v in value) + ")"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{_portable(v, known)}" for k, v in sorted(value.items())) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (f"{f.name}={_portable(getattr(value, f.name), known)}" for f in dataclasses.fields(value))
        return f"{type(value).__name__}(" + ",".join(fields) + ")"
    return repr(value)


def _step_sources(step) -> list[Path]:
    """Every file a step reads: its source, and a slideshow's other photos and audio."""
    extra = [*getattr(step.op, "sources", ()), getattr(step.op, "audio", None)]
    return [step.source, *(p for p in extra if p is not None and p != step.source)]


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


class Renditions:
    """Files made once per run and copied for every bundle that needs the same one.

    A rendition is keyed by its source and its exact ffmpeg argument list, so platforms whose
    plans come out identical share one encode. ``prepare`` makes every distinct video encode
    up front, ``jobs`` at a time, with the cores shared between them. ``threads`` fixes each
    ffmpeg run's threads instead, for a caller running several Renditions side by side (migrate's
    posts in parallel).
    """

    def __init__(self, jobs: int = 1, progress=None, *, threads: int | None = None) -> None:
        self.made: dict[tuple, Path] = {}
        self.failed: dict[tuple, MediaError] = {}
        self.jobs = jobs
        self.threads = threads
        # progress(steps): a context manager yielding the callable an encode's fraction done goes to
        self.progress = progress
        self.encodes = 0  # renditions encoded (or remuxed)
        self.runs = 0  # ffmpeg runs that made them
        self.lock = threading.Lock()

    @staticmethod
    def key(step) -> tuple:
        return (step.action, str(step.source.resolve()), step.ffmpeg_args, step.op)

    def prepare(self, steps, work: Path) -> None:
        """Make each distinct video encode once, ``jobs`` runs at a time, into ``work``;
        encodes of one source share a decode (one ffmpeg run, see :func:`group_encodes`)."""
        groups = group_encodes(steps)
        if not groups:
            return
        work.mkdir(parents=True, exist_ok=True)
        threads = self.threads or threads_per_encode(min(self.jobs, len(groups)))

        def make_group(item) -> None:
            i, members = item
            keys = [self.key(step) for step in members]
            dests = [work / f"{i:03d}-{j}-{step.dest}" for j, step in enumerate(members)]
            try:
                with self.progress(members) if self.progress else nullcontext() as bar:
                    if len(members) == 1:
                        make_file(members[0], dests[0], threads=threads, progress=bar)
                    else:
                        make_shared(members, dests, threads=threads, progress=bar)
            except MediaError as exc:
                with self.lock:
                    self.failed.update(dict.fromkeys(keys, exc))
                return
            with self.lock:
                self.made.update(zip(keys, dests, strict=True))
                self.encodes += len(members)
                self.runs += 1

        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            list(pool.map(make_group, enumerate(groups)))

    def make(self, step, dest: Path) -> str | None:
        """Make ``dest``; returns "reflink" or "hardlink" where it shares an earlier one's data."""
        key = self.key(step)
        with self.lock:
            failed = self.failed.get(key)
            earlier = self.made.get(key)
        if failed is not None:
            raise failed
        if earlier is not None and earlier.is_file():
            how = place_file(earlier, dest)  # media/linking.py: reflink, else copy (REPOST_LINK)
            return how if how != "copy" else None
        make_file(step, dest, threads=self.threads)
        with self.lock:
            self.made[key] = dest
            self.encodes += step.action == "ffmpeg" and step.role == "video"
        return None

    def moved(self, old: Path, new: Path) -> None:
        """A finished bundle was renamed from ``old`` to ``new``: follow its files."""
        with self.lock:
            for key, path in self.made.items():
                if path.is_relative_to(old):
                    self.made[key] = new / path.relative_to(old)


# One decode feeding several encoders saves ~15% CPU for two renditions of a 1080p clip
# (benchmarks/bench_decode_once.py), but each x264 encoder in the run holds its own ~20 frames
# in flight: two 1080x1920-class encoders in one ffmpeg peak at ~530 MB against ~330 MB for
# one (measured with ffmpeg 9, veryfast, 2 cores). To keep an export under its 400 MB memory
# goal, a shared run's outputs together make at most one 1080x1920 frame's worth of pixels.
SHARED_DECODE_MAX_PIXELS = 1080 * 1920


def group_encodes(steps) -> list[list]:
    """The distinct video steps of a run, grouped into ffmpeg runs: conforms of the same
    source and start share one decode while their frames fit SHARED_DECODE_MAX_PIXELS;
    anything else (remuxes, silent-track renditions) runs alone. Keyed by the exact
    arguments, so identical renditions appear once."""
    unique: dict[tuple, object] = {}
    for step in steps:
        if step.action == "ffmpeg" and step.role == "video":
            unique.setdefault(Renditions.key(step), step)
    groups: list[list] = []
    open_groups: dict[tuple, tuple[list, int]] = {}
    for step in unique.values():
        r = step.rendition
        if r is None or not can_share_decode(r):
            groups.append([step])
            continue
        pixels = r.width * r.height
        source = (str(step.source.resolve()), r.start_s)
        group, used = open_groups.get(source, (None, 0))
        if group is None or used + pixels > SHARED_DECODE_MAX_PIXELS:
            group, used = [], 0
            groups.append(group)
        group.append(step)
        open_groups[source] = (group, used + pixels)
    return groups


# x264's default is 1.5 threads per core and every thread keeps frames in flight: one
# 1080x1920 veryfast encode peaks at ~340 MB with 3 threads and ~315 MB with 2 (ffmpeg 9,
# measured). A cap keeps an encode's memory bounded on many-core machines, where -j N uses
# the other cores instead.
MAX_ENCODER_THREADS = 4


def threads_per_encode(parallel: int) -> int:
    """Threads for each of ``parallel`` ffmpeg runs: the cores split evenly, at least one
    each, at most MAX_ENCODER_THREADS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_ENCODER_THREADS, cores // max(1, parallel)))


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
    result = BundleResult(plan.post.id, plan.profile.id, dest, "failed", plan.changes, plan.warnings)
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
        if getattr(step.rendition, "camera", None) is not None:
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
