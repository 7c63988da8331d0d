"""migrate: a backlog to bundles, resumable, with its report and schedule."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from repost.cli.export import write_preview_page
from repost.cli.options import _bundle_options, _profile_options, _run_options, load, verbose_option
from repost.cli.platforms import ToOption
from repost.errors import UsageError
from repost.layout import DOWNLOADS, UNPACKED, WORK_DIR


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--to", "to", cls=ToOption, required=True, help="Platform ids or names, comma-separated, or 'all'."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the bundles, state, report and schedule go into (nothing is written outside it).",
)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Posts made in parallel.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only posts made on or after DATE.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only posts made on or before DATE.")
@click.option("--limit", type=click.IntRange(min=0), help="At most N posts (after the other filters).")
@click.option("--only", multiple=True, help="Only these post ids (repeat, or comma-separated).")
@click.option("--dry-run", is_flag=True, help="Print the plan; write and download nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--include-private", is_flag=True, help="Also migrate posts only you could see.")
@click.option(
    "--schedule",
    "schedule_spec",
    help='Pace the posts: "daily 18:00" (one a day per platform); later runs keep to it; "off" ends it.',
)
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), help="First day of the schedule (default tomorrow)."
)
@click.option("--tz", help="Time zone of the schedule, an IANA name (default UTC).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, help="Download timeout, seconds.")
@click.option("--retries", type=click.IntRange(0, 20), default=3, help="Download retries, with backoff.")
@_run_options
@verbose_option
@_bundle_options
@_profile_options
def migrate(source, to, out, jobs, since, until, limit, only, dry_run, as_json, include_private,
            schedule_spec, start, tz, timeout, retries, preview, cluster, verbose, profile_dirs, upload_path,
            **bundle):  # fmt: skip
    """Migrate a backlog: post folders, a yt-dlp folder, a TikTok or Instagram export."""
    from repost.cli.ui import PlanPrinter, RunView, print_migration
    from repost.migrate.run import MigrateOptions
    from repost.migrate.run import migrate as run_migration
    from repost.migrate.schedule import OFF, parse_schedule
    from repost.plan.options import PlanOptions

    if (start or tz) and not schedule_spec:
        raise UsageError(
            "--start and --tz pace a schedule", "--schedule", hint='add --schedule "daily 18:00"'
        )
    if schedule_spec and schedule_spec.strip().lower() == OFF:
        schedule = OFF
    else:
        schedule = parse_schedule(schedule_spec, start and start.date(), tz) if schedule_spec else None
    options = MigrateOptions(
        out=out, to=to, jobs=jobs, since=since and since.date(), until=until and until.date(), limit=limit,
        only=tuple(i.strip() for part in only for i in part.split(",") if i.strip()), dry_run=dry_run,
        include_private=include_private, timeout_s=timeout, retries=retries, schedule=schedule,
        force=bundle.pop("force"), allow_outside_media=bundle.pop("allow_outside_media"),
        strict_photos=bundle.pop("strict_photos"), plan=PlanOptions(**bundle), cluster=cluster,
    )  # fmt: skip
    profiles = load(profile_dirs, upload_path)
    view = PlanPrinter(out, as_json) if dry_run else RunView(verbose=verbose, as_json=as_json)
    with view:  # the posts counted first only for a bar to fill
        summary = run_migration(source, profiles, options, view, count_first=view.progress is not None)
    print_migration(summary, as_json=as_json, plans=view.plans if dry_run and as_json else None)
    if preview and not dry_run and Path(out).is_dir():
        work = Path(out) / WORK_DIR  # what this run unpacked and downloaded, and the source named
        folders = [work / UNPACKED, work / DOWNLOADS, *([source] if source.is_dir() else [])]
        write_preview_page(out, profiles, jobs=jobs, quiet=as_json, sources=folders)
    sys.exit(summary.exit_status)
