"""export, check and preview: posts to bundles, posts checked, bundles shown as each app would."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from repost.cli.options import _bundle_options, _profile_options, _run_options, load, verbose_option
from repost.cli.platforms import ToOption
from repost.cli.terminal import echo
from repost.errors import ExitStatus


@click.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--to", "to", cls=ToOption, required=True, help="Platform ids or names, comma-separated, or 'all'."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the bundles go into (nothing is written outside it).",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Encodes (and posts) made in parallel."
)
@click.option("--dry-run", is_flag=True, help="Print the plan, ffmpeg commands included; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_run_options
@verbose_option
@_bundle_options
@_profile_options
def export(posts, to, out, jobs, dry_run, as_json, preview, cluster, verbose, profile_dirs, upload_path,
           **bundle):  # fmt: skip
    """Export POST... (a post.yaml or a folder holding one) to bundles under --out."""
    from repost.bundle.export import export_posts
    from repost.bundle.make import ExportOptions
    from repost.cli.ui import RunView, print_export

    profiles = load(profile_dirs, upload_path)
    options = ExportOptions(out=out, to=to, jobs=jobs, dry_run=dry_run, cluster=cluster, **bundle)
    with RunView(verbose=verbose, as_json=as_json) as view:
        outcome = export_posts(posts, profiles, options, view)
    print_export(outcome, as_json=as_json, dry_run=dry_run, out=out)
    if preview and not dry_run and any(r.status != "failed" for r in outcome.results):
        folders = [p if p.is_dir() else p.parent for p in posts]  # the posts' media, as named
        write_preview_page(out, profiles, jobs=jobs, quiet=as_json, sources=folders)
    sys.exit(outcome.exit_status)


@click.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", cls=ToOption, default="all", show_default=True, help="Platforms to check for.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@(lambda f: _bundle_options(f, force=False))
@_profile_options
def check(posts, to, as_json, profile_dirs, upload_path, **bundle):
    """Check POST... (post.yaml, post folders, folders of them): every problem, each platform's
    blockers; nothing written. Exit 0 ready, 1 problems found, 2 unreadable."""
    from repost.bundle.make import ExportOptions
    from repost.validate.post import check_posts, exit_status, render_check

    profiles = load(profile_dirs, upload_path)
    checks = check_posts(posts, profiles, ExportOptions(out=Path("."), to=to, dry_run=True, **bundle))
    if as_json:
        doc = {"ok": exit_status(checks) == ExitStatus.OK, "posts": [c.to_dict() for c in checks]}
        echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for c in checks:
            echo("\n".join(render_check(c)))
    sys.exit(exit_status(checks))


def write_preview_page(out: Path, profiles, *, jobs: int = 1, quiet: bool = False, sources=()) -> None:
    """The preview page after export (or migrate): its path on stderr, so --json stays clean.
    Smart crops' sources are read only inside ``sources``, the folders this run was given."""
    from repost.preview import write_preview

    page = write_preview(out, profiles, jobs=jobs, sources=sources)
    if not quiet:
        echo(f"preview: {page}", err=True)


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Bundles validated in parallel.")
@click.option(
    "--sources",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder the posts' media are in, to draw a smart crop's source from (repeat; "
    "default: the current folder, unless it is your home folder or /).",
)
@_profile_options
def preview(folder, jobs, sources, profile_dirs, upload_path):
    """Write FOLDER/index.html: every bundle under FOLDER as each platform shows it (opens from disk)."""
    from repost.preview import write_preview

    profiles = load(profile_dirs, upload_path)
    page = write_preview(folder, profiles, jobs=jobs, sources=sources or default_sources())
    echo(f"preview: {page}")
    echo(f"open it in a browser: {page.resolve().as_uri()}")


def default_sources() -> tuple[Path, ...]:
    """The current folder, where a backlog and its --out usually sit side by side; never the
    home folder or a file system root, which would let a manifest from anyone show any photo."""
    here = Path.cwd().resolve()
    if here == Path.home().resolve() or here == Path(here.anchor):
        return ()
    return (here,)
