"""Migrate a backlog: import posts, then per post reuse export's flow, resumable through the state DB."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import repost
from repost import layout
from repost.bundle.build import Renditions, is_up_to_date, threads_per_encode
from repost.bundle.export import ExportOptions, encode_progress, plan_post, renditions_made, write_post
from repost.bundle.manifest import Manifest
from repost.bundle.outlock import output_lock
from repost.errors import InputError, RepostError
from repost.events import QUIET, Events
from repost.migrate.folders import follow_name
from repost.migrate.importers import detect_source, iter_source
from repost.migrate.importers.common import ImportedPost
from repost.migrate.importers.download import Downloader, fetch_media, local_media
from repost.migrate.importers.unzip import export_root, is_zip, unpack
from repost.migrate.outfiles import REPORT_FILES, SCHEDULE_FILES, check_own_files
from repost.migrate.report import write_reports
from repost.migrate.schedule import choose_schedule, keep_schedule, write_schedule
from repost.migrate.state import Outcome, Record, State, Status
from repost.migrate.summary import Summary
from repost.plan import BundlePlan, PlanOptions, is_part_bundle_id, post_folder, safe_id
from repost.platforms.model import Profile
from repost.platforms.profiles import select_profiles
from repost.post.model import Post
from repost.text.clean import clean_line

log = logging.getLogger(__name__)
STOP_GRACE_S = 2.0  # how long an interrupted run waits for the posts being made to stop
PRIVATE_SKIP = "private (Who can view: Only You); --include-private takes it"


@dataclass(frozen=True)
class MigrateOptions:
    out: Path
    to: str
    jobs: int = 1
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int | None = None
    only: tuple[str, ...] = ()
    dry_run: bool = False
    include_private: bool = False
    force: bool = False  # remake bundles that are up to date
    plan: PlanOptions = field(
        default_factory=PlanOptions
    )  # what a bundle holds: --fit, --split, --loudness, ...
    allow_outside_media: bool = False  # post.yaml may name media outside its folder
    strict_photos: bool = False  # an unreadable photo fails its post instead of being left out
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    schedule: object | None = None  # a repost.migrate.schedule.Schedule, or "off"
    cluster: str | None = None  # --cluster ADDRESS | local:N: bundle jobs on Dask workers (cluster.py)

    def export_options(self) -> ExportOptions:
        return ExportOptions(
            out=self.out, to=self.to, jobs=self.jobs, dry_run=self.dry_run, force=self.force,
            allow_outside_media=self.allow_outside_media, strict_photos=self.strict_photos,
            **dataclasses.asdict(self.plan),
        )  # fmt: skip

    def fingerprint_options(self) -> dict:
        """The options that change what a bundle holds, as data (the input keys hash them)."""
        return self.plan.record()


def select_posts(posts: Iterable[ImportedPost], options: MigrateOptions) -> Iterator[ImportedPost]:
    """--only, --since, --until, then --limit, lazily (a backlog streams through)."""
    wanted = set(options.only)
    count = 0
    for item in posts:
        if options.limit is not None and count >= options.limit:
            return
        post = item.post
        if wanted and not wanted & {post.id, safe_id(post.id), post_folder(post)}:
            continue
        day = _day(post.created)
        if (options.since or options.until) and day is None:
            continue
        if (options.since and day < options.since) or (options.until and day > options.until):
            continue
        count += 1
        yield item


def _day(created) -> dt.date | None:
    if isinstance(created, dt.datetime):
        return created.astimezone(dt.UTC).date() if created.tzinfo else created.date()
    return created


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


class Migration:
    """One run over a source: triage each post in the main thread, make bundles in workers."""

    def __init__(self, source, profiles: dict[str, Profile], options: MigrateOptions, events: Events = QUIET):
        # A ZIP (an export as downloaded) is recognised once unpacked, which waits for the lock.
        self.zip = Path(source) if is_zip(source) else None
        self.kind, self.found = ("zip", self.zip) if self.zip else detect_source(source)
        self.targets = select_profiles(profiles, options.to)
        self.options = options
        self.events = events
        self.work = layout.work_dir(Path(options.out).resolve())
        self.downloader = Downloader(
            self.work / layout.DOWNLOADS, options.timeout_s, options.retries, options.backoff_s
        )
        self.fp_options = options.fingerprint_options()
        self.summary = Summary(source=str(source), kind=self.kind)

    def posts(self) -> Iterator[ImportedPost]:
        outside = self.options.allow_outside_media
        found = iter_source(self.kind, self.found, self.downloader.folder, allow_outside_media=outside)
        return select_posts(found, self.options)

    def run(self, *, count_first: bool = False) -> Summary:
        """Migrate every selected post; one bad post never stops the others."""
        if self.options.dry_run:
            self._open_source(count_first)
            state = State.open(self.work / layout.STATE_DB, read_only=True)
            try:
                self._loop(state)
            finally:
                state.close()
            return self.summary
        with output_lock(self.work):
            self._open_source(count_first)
            state = State.open(self.work / layout.STATE_DB)
            try:
                # Decided first and acted on only once no file of the user's is in the way: a
                # run refused changes nothing, not the schedule either.
                schedule, ending = choose_schedule(self.options.schedule, state)
                scheduled = SCHEDULE_FILES if schedule or ending else ()
                check_own_files(Path(self.options.out), [*REPORT_FILES, *scheduled])
                keep_schedule(self.options.schedule, schedule, ending, state, Path(self.options.out))
                state.start_run(str(self.summary.source), {"to": self.options.to, **self.fp_options})
                self._loop(state)
                self._write_files(state, schedule)
            finally:
                state.close()
        return self.summary

    def _open_source(self, count_first: bool) -> None:
        """Unpack a ZIP source (once) and recognise what it holds; count the posts for the bar."""
        if self.zip is not None:
            folder = export_root(unpack(self.zip, self.work, dry_run=self.options.dry_run))
            try:
                self.kind, self.found = detect_source(folder)
            except InputError as exc:
                raise InputError("the ZIP holds no source repost can migrate", self.zip, exc.hint) from exc
            self.summary.kind = self.kind
        if count_first:
            self.events.total(sum(1 for _ in self.posts()))

    def _write_files(self, state: State, schedule) -> None:
        """report.json and report.md (this run's bundles); schedule.csv and schedule.ics (every
        bundle in the output folder, whichever run made it) while a schedule is set."""
        out = Path(self.options.out)
        self.summary.files.update(write_reports(state, out, self.summary))
        if schedule is not None:
            there = (r for r in state.iter_done() if r.bundle and Path(r.bundle).is_dir())
            now = dt.datetime.now(dt.UTC)
            self.summary.files.update(write_schedule(there, schedule, out, now, state.run))

    def _loop(self, state: State) -> None:
        pool = ThreadPoolExecutor(max_workers=self.options.jobs)
        pending: dict[Future, str] = {}
        try:
            for item in self.posts():
                self.summary.posts += 1
                todo, records, earlier = self._triage(item, state)
                self._save(state, item.id, records, finished=not todo, durable=False)
                if not todo:
                    continue
                if self.options.dry_run:
                    self.events.started(item.id)
                    self._save(state, item.id, self._plan_only(item, todo), finished=True)
                    continue
                pending[pool.submit(self._make, item, todo, earlier)] = item.id
                # A bounded window of work: memory stays flat however long the backlog is.
                if len(pending) >= 2 * self.options.jobs:
                    self._drain(state, pending, FIRST_COMPLETED)
            self._drain(state, pending, None)
            if not self.options.dry_run:
                state.flush()
        except BaseException:
            # Interrupted (or broken): queued posts never start, downloads in progress stop at
            # their next block, and what still runs gets a moment to end before the run ends
            # without it (what it leaves is what a kill leaves: cleared or resumed next run).
            self.downloader.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            wait(pending, timeout=STOP_GRACE_S)
            raise
        pool.shutdown(wait=True)

    def _drain(self, state: State, pending: dict[Future, str], when) -> None:
        done, _ = wait(pending, return_when=when) if when else wait(pending)
        for future in done:
            post_id = pending.pop(future)
            self._save(state, post_id, future.result(), finished=True)

    def _save(self, state, post_id: str, records: list[Record], *, finished: bool, durable=True) -> None:
        if records and not self.options.dry_run:
            state.record(records, durable=durable)
        for rec in records:
            self.summary.add(rec)
        if finished:
            self.events.finished(post_id, records)

    def _triage(self, item: ImportedPost, state: State) -> tuple[list[Profile], list[Record], list[Record]]:
        """Which platforms need work; records for those that need none (up to date, skipped,
        broken); and the earlier rows of those that do (their bundles may be replaced)."""
        if item.error:
            return [], self._records(item.post, Status.FAILED, item.error), []
        reason = item.skip
        if not reason and item.private and not self.options.include_private:
            reason = PRIVATE_SKIP
        if reason:
            return [], self._records(item.post, Status.SKIPPED, reason), []
        if not self.options.dry_run:
            follow_name(item.post, Path(self.options.out).resolve(), state)
        todo, records, earlier = [], [], []
        local = local_media(item, self.downloader)  # None: media still to download
        for profile in self.targets:
            rows = state.lookup(item.id, profile.id)
            key = input_key(local, profile, self.fp_options) if local is not None else None
            if not self.options.force and _all_still_good(rows, key):
                for row in rows:
                    row.outcome = Outcome.UP_TO_DATE
                records += rows
            else:
                todo.append(profile)
                earlier += rows
        return todo, records, earlier

    def _records(self, post: Post, status: Status, reason: str, profiles=None) -> list[Record]:
        """A record per platform for a post that made none: failed, skipped or planned alike."""
        return [
            Record(post.id, p.id, status, Outcome(status.value), error=reason,
                   created=created_key(post.created), title=_title(post))
            for p in (self.targets if profiles is None else profiles)
        ]  # fmt: skip

    def _make(self, item: ImportedPost, todo: list[Profile], earlier: list[Record]) -> list[Record]:
        """In a worker: download, then export's own per-post flow (probe, plan, encode, write).
        Posts run side by side (-j), so each ffmpeg run gets its share of the cores."""
        post = item.post
        self.events.started(post.id)
        eopts = self.options.export_options()
        try:
            local = self._fetch(item, todo)
            plans, results = self._build(local, todo, eopts)
            records = [self._record(local, p, r, item.warnings) for p, r in zip(plans, results, strict=True)]
        except (RepostError, OSError) as exc:
            return self._records(post, Status.FAILED, _describe(exc), todo)
        except Exception as exc:  # a bug met by one post costs that post, never the backlog
            log.debug("post %s failed", post.id, exc_info=True)
            why = f"internal error: {type(exc).__name__}: {exc} (a bug in repost; --debug shows where)"
            return self._records(post, Status.FAILED, why, todo)
        self._retire(post, earlier, records)
        return records

    def _fetch(self, item: ImportedPost, todo: list[Profile]) -> Post:
        """The post with its media on disk: downloaded first where it is still a link."""
        if local_media(item, self.downloader) is not None:
            return fetch_media(item, self.downloader)
        links = len(item.links)
        what = f"downloading {links} file{'' if links == 1 else 's'}"
        with self.events.task(item.id, [p.id for p in todo], what):
            return fetch_media(item, self.downloader)

    def _build(self, post: Post, todo: list[Profile], eopts: ExportOptions) -> tuple[list, list]:
        """Probe, plan and write one post's bundles: here, or on a Dask worker (cluster.py)."""
        plans = plan_post(post, todo, eopts, self.events)
        progress = encode_progress(self.events, [plans])
        renditions = Renditions(threads=threads_per_encode(self.options.jobs), progress=progress)
        with renditions_made(plans, eopts, renditions):
            return plans, write_post(plans, eopts, renditions, self.events)

    def _retire(self, post: Post, earlier: list[Record], records: list[Record]) -> None:
        """Bundles of this post made before that the new ones replace (a post once split in 3
        parts now made in 2, or whole): removed once every new bundle of the platform is done,
        so no stale part is left to be uploaded. Looked for on disk, not only in the rows the
        state has now (a failed run in between replaced them), and only for a post made before.
        Only a folder holding this post's manifest for that platform, inside --out, is removed."""
        if not earlier:
            return
        out = Path(self.options.out).resolve()
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

    def _record(self, post: Post, plan: BundlePlan, result, notes: tuple[str, ...] = ()) -> Record:
        ok = result.status in ("made", "up_to_date")
        part, parts = (int(n) for n in plan.part.split("/")) if plan.part else (0, 1)
        return Record(
            post.id,
            plan.profile.id,
            Status.DONE if ok else Status.FAILED,
            Outcome(result.status),
            part=part,
            parts=parts,
            inputs=input_key(post, plan.profile, self.fp_options) if ok else None,
            fingerprint=result.fingerprint if ok else None,
            error=result.error,
            bundle=str(result.path),
            created=created_key(post.created),
            title=plan.texts.title or _title(post),
            changes=tuple(result.changes),
            warnings=tuple(notes) + tuple(result.warnings),
        )

    def _plan_only(self, item: ImportedPost, todo: list[Profile]) -> list[Record]:
        """--dry-run: plan what can be planned without the network; write nothing."""
        post = item.post
        local = local_media(item, self.downloader)
        if local is None:
            why = f"would download {len(item.links)} file(s) first"
            self.events.unplanned(post.id, why)
            return self._records(post, Status.PLANNED, why, todo)
        try:
            plans = plan_post(local, todo, self.options.export_options())
        except RepostError as exc:
            return self._records(post, Status.FAILED, exc.one_line(), todo)
        self.events.planned(plans)
        return [
            Record(post.id, p.profile.id, Status.PLANNED, Outcome.PLANNED if p.ok else Outcome.FAILED,
                   error="; ".join(p.blockers) or None)
            for p in plans
        ]  # fmt: skip


def _all_still_good(rows: list[Record], key: str | None) -> bool:
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


def _describe(exc: RepostError | OSError) -> str:
    if isinstance(exc, RepostError):
        return exc.one_line()
    what = f"cannot write: {exc.strerror or exc}"
    return f"{what} [{exc.filename}]" if exc.filename else what


def _title(post: Post) -> str:
    """A line naming the post in the report and schedule: its title, else its first line."""
    text = post.title or (post.caption or "").strip().split("\n", 1)[0]
    return clean_line(text)[:80]


def migrate(source, profiles: dict[str, Profile], options: MigrateOptions, events: Events = QUIET, *,
            count_first: bool = False):  # fmt: skip
    """Migrate SOURCE's posts to the chosen platforms under ``options.out``; returns the Summary."""
    if options.cluster and not options.dry_run:
        from repost.migrate.cluster import ClusterMigration

        return ClusterMigration(source, profiles, options, events).run(count_first=count_first)
    return Migration(source, profiles, options, events).run(count_first=count_first)
