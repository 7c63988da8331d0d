"""Migrate and export with --cluster: import, triage, state and reports here; bundle jobs on Dask workers."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

from repost.bundle.cluster import (
    CHECKED_FILES,
    Jobs,
    RemoteError,
    build_bundles,
    check_workers,
    connect,
    host_shares,
    total_threads,
)
from repost.migrate.migration import Migration


class ClusterMigration(Migration):
    """A Migration whose posts are made on a Dask cluster. The SQLite state stays on this
    machine's disk (under --out/.repost, as for a local run): only this process writes it."""

    def __init__(self, source, profiles, options, events=None):
        # Workers run elsewhere, from another working folder: every path they get is absolute.
        source = Path(source).resolve()
        options = dataclasses.replace(options, out=Path(options.out).resolve())
        super().__init__(source, profiles, options, events)
        self.remote: Jobs | None = None

    def run(self, *, count_first: bool = False):
        with connect(self.options.cluster) as client:
            self.remote = Jobs(client)
            self.shares = host_shares(client)
            # One post in flight per worker thread (and as many queued, as -j does).
            self.options = dataclasses.replace(self.options, jobs=total_threads(client))
            return super().run(count_first=count_first)

    def _loop(self, state) -> None:
        check_workers(self.remote.client, self._sample_paths(), Path(self.options.out))
        try:
            super()._loop(state)
        except BaseException:
            self.remote.cancel()  # Ctrl-C: queued and running jobs stop; what they leave is aside
            raise

    def _sample_paths(self) -> list[Path]:
        """The source, and the media files of its first posts, as workers must read them."""
        paths = [Path(self.found)]
        for imported in itertools.islice(self.posts(), CHECKED_FILES):
            paths += [item.path for item in imported.post.media if item.path.exists()]
            if len(paths) > CHECKED_FILES:
                break
        return list(dict.fromkeys(paths))[: CHECKED_FILES + 1]

    def _build(self, post, todo, eopts):
        plans, results, why = self.remote.run(build_bundles, post, todo, eopts, self.shares)
        if why is not None:
            raise RemoteError(why)
        return plans, results
