"""Migrate a backlog: the entry point, which runs a migration here or, with --cluster, its bundle
jobs on Dask workers. The run loop is migration.py, the per-post job job.py, the cluster's share
cluster.py."""

from __future__ import annotations

from repost.events import QUIET, Events
from repost.migrate.cluster import ClusterMigration
from repost.migrate.migration import MigrateOptions, Migration
from repost.migrate.summary import Summary
from repost.platforms.model import Profile

__all__ = ["MigrateOptions", "migrate"]  # what the command line (and a script) imports from here


def migrate(source, profiles: dict[str, Profile], options: MigrateOptions, events: Events = QUIET, *,
            count_first: bool = False) -> Summary:  # fmt: skip
    """Migrate SOURCE's posts to the chosen platforms under ``options.out``; returns the Summary."""
    if options.cluster and not options.dry_run:
        return ClusterMigration(source, profiles, options, events).run(count_first=count_first)
    return Migration(source, profiles, options, events).run(count_first=count_first)
