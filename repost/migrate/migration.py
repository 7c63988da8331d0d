"""A migration's run: import the posts, triage each against the state DB, make the bundles of those
that need it in workers (the per-post job, job.py), and keep the state and the reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from repost import layout
from repost.bundle.build import Renditions, threads_per_encode
from repost.bundle.make import ExportOptions, encode_progress, plan_post, renditions_made, write_post
from repost.bundle.outlock import output_lock
from repost.errors import InputError, RepostError, failure_line
from repost.events import QUIET, Events
from repost.media.remembered import remembered
from repost.migrate.folders import follow_name
from repost.migrate.importers import detect_source, iter_source
from repost.migrate.importers.common import ImportedPost
from repost.migrate.importers.download import Downloader, fetch_media, local_media
from repost.migrate.importers.unzip import export_root, is_zip, unpack
from repost.migrate.job import all_still_good, bundle_record, input_key, records_for, retire_replaced
from repost.migrate.outfiles import REPORT_FILES, SCHEDULE_FILES, check_own_files
from repost.migrate.report import write_reports
from repost.migrate.schedule import choose_schedule, keep_schedule, write_schedule
from repost.migrate.state import Outcome, Record, State, Status
from repost.migrate.summary import Summary
from repost.plan import PlanOptions, post_folder, safe_id
from repost.platforms.model import Profile
from repost.platforms.profiles import select_profiles
from repost.post.model import Post

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
                with self._measured():
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
                with self._measured():
                    self._loop(state)
                self._write_files(state, schedule)
            finally:
                state.close()
        return self.summary

    def _measured(self):
        """Sources' measurements kept in DIR/.repost/measured.db between runs, as export keeps
        them (read only on --dry-run): a re-run after new posts were added, or after --force,
        decodes no source it measured before. Not on a cluster, whose --out is shared storage."""
        return remembered(None if self.options.cluster else self.work, read_only=self.options.dry_run)

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
            if not self.options.force and all_still_good(rows, key):
                for row in rows:
                    row.outcome, row.name = Outcome.UP_TO_DATE, item.post.name
                records += rows
            else:
                todo.append(profile)
                earlier += rows
        return todo, records, earlier

    def _records(self, post: Post, status: Status, reason: str, profiles=None) -> list[Record]:
        return records_for(post, self.targets if profiles is None else profiles, status, reason)

    def _make(self, item: ImportedPost, todo: list[Profile], earlier: list[Record]) -> list[Record]:
        """In a worker: download, then export's own per-post flow (probe, plan, encode, write).
        Posts run side by side (-j), so each ffmpeg run gets its share of the cores."""
        post = item.post
        self.events.started(post.id)
        eopts = self.options.export_options()
        try:
            local = self._fetch(item, todo)
            plans, results = self._build(local, todo, eopts)
            records = [
                bundle_record(local, p, r, self.fp_options, item.warnings)
                for p, r in zip(plans, results, strict=True)
            ]
        except (RepostError, OSError) as exc:
            return self._records(post, Status.FAILED, failure_line(exc), todo)
        except Exception as exc:  # a bug met by one post costs that post, never the backlog
            log.debug("post %s failed", post.id, exc_info=True)
            why = f"internal error: {type(exc).__name__}: {exc} (a bug in repost; --debug shows where)"
            return self._records(post, Status.FAILED, why, todo)
        retire_replaced(post, earlier, records, Path(self.options.out).resolve())
        return records

    def _fetch(self, item: ImportedPost, todo: list[Profile]) -> Post:
        """The post with its media on disk: downloaded first where it is still a link."""
        if local_media(item, self.downloader) is not None:
            return fetch_media(item, self.downloader)
        links = len(item.links)
        what = f"downloading {links} file{'' if links == 1 else 's'}"
        with self.events.task(item.post.name, [p.id for p in todo], what):
            return fetch_media(item, self.downloader)

    def _build(self, post: Post, todo: list[Profile], eopts: ExportOptions) -> tuple[list, list]:
        """Probe, plan and write one post's bundles: here, or on a Dask worker (cluster.py)."""
        plans = plan_post(post, todo, eopts, self.events)
        progress = encode_progress(self.events, [plans])
        renditions = Renditions(threads=threads_per_encode(self.options.jobs), progress=progress)
        with renditions_made(plans, eopts, renditions):
            return plans, write_post(plans, eopts, renditions, self.events)

    def _plan_only(self, item: ImportedPost, todo: list[Profile]) -> list[Record]:
        """--dry-run: plan what can be planned without the network; write nothing."""
        post = item.post
        local = local_media(item, self.downloader)
        if local is None:
            why = f"would download {len(item.links)} file(s) first"
            self.events.unplanned(post.name, why)
            return self._records(post, Status.PLANNED, why, todo)
        try:
            plans = plan_post(local, todo, self.options.export_options())
        except RepostError as exc:
            return self._records(post, Status.FAILED, exc.one_line(), todo)
        self.events.planned(plans)
        return [
            Record(post.id, p.profile.id, Status.PLANNED, Outcome.PLANNED if p.ok else Outcome.FAILED,
                   error="; ".join(p.blockers) or None, name=post.name)
            for p in plans
        ]  # fmt: skip
