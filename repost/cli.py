"""The command line: thin commands over the library, and the one place errors become exit codes."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path

import click

import repost
from repost.errors import ExitStatus, RepostError
from repost.profiles import load_profiles

_state = {"debug": False}


def _profile_options(f):
    f = click.option(
        "--profiles",
        "profile_dirs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Extra folder of profile YAML files (adds or overrides by id).",
    )(f)
    f = click.option(
        "--upload-path",
        type=click.Choice(["app", "api"]),
        default=None,
        help="Which upload path's limits to follow (default: each profile's, the app).",
    )(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(repost.__version__, prog_name="repost")
@click.option("--debug", is_flag=True, help="Show tracebacks and log ffmpeg command lines.")
def cli(debug: bool) -> None:
    """Describe a post once; export ready-to-upload bundles for TikTok, Reels, RedNote and Lemon8."""
    _state["debug"] = debug
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")


def _load(profile_dirs, upload_path):
    return load_profiles(profile_dirs, upload_path)


@cli.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", required=True, help="Platform ids, comma-separated, or 'all'.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the bundles go into (nothing is written outside it).",
)
@click.option(
    "--fit",
    type=click.Choice(["crop", "pad", "blur"]),
    default=None,
    help="How to reframe media of another aspect (default: each profile's).",
)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Posts made in parallel.")
@click.option("--dry-run", is_flag=True, help="Print the plan, ffmpeg commands included; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--force", is_flag=True, help="Rebuild bundles that are already up to date.")
@click.option("--preview", is_flag=True, help="Then write --out/index.html showing every bundle there.")
@_profile_options
def export(posts, to, out, fit, jobs, dry_run, as_json, force, preview, profile_dirs, upload_path):
    """Export POST... (a post.yaml or a folder holding one) to bundles under --out."""
    from repost.export import ExportOptions, export_posts, print_results

    profiles = _load(profile_dirs, upload_path)
    options = ExportOptions(out=out, to=to, fit=fit, jobs=jobs, dry_run=dry_run, force=force)
    outcome = export_posts(posts, profiles, options)
    print_results(outcome, as_json=as_json, dry_run=dry_run, out=out)
    if preview and not dry_run and any(r.status != "failed" for r in outcome.results):
        _write_preview(out, profiles, jobs=jobs, quiet=as_json)
    sys.exit(outcome.exit_status)


def _write_preview(out: Path, profiles, *, jobs: int = 1, quiet: bool = False) -> None:
    """The preview page after export (or migrate): its path on stderr, so --json stays clean."""
    from repost.preview import write_preview

    page = write_preview(out, profiles, jobs=jobs)
    if not quiet:
        click.echo(f"preview: {page}", err=True)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Bundles validated in parallel.")
@_profile_options
def preview(folder, jobs, profile_dirs, upload_path):
    """Write FOLDER/index.html: every bundle under FOLDER as each platform shows it (opens from disk)."""
    from repost.preview import write_preview

    profiles = _load(profile_dirs, upload_path)
    page = write_preview(folder, profiles, jobs=jobs)
    click.echo(f"preview: {page}")
    click.echo(f"open it in a browser: {page.resolve().as_uri()}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--profile", "profile_id", default=None, help="Check against this platform id.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@_profile_options
def validate(paths, profile_id, as_json, profile_dirs, upload_path):
    """Validate bundles, folders of bundles, or media files (with --profile)."""
    from repost.validate import reports_json, validate_paths

    profiles = _load(profile_dirs, upload_path)
    reports = validate_paths(paths, profiles, profile_id)
    if as_json:
        click.echo(reports_json(reports))
    else:
        for r in reports:
            errors = sum(f.severity == "error" for f in r.findings)
            status = "ok" if r.ok else f"{errors} error(s)"
            click.echo(f"{'✓' if r.ok else '✗'} {r.path} [{r.platform}]: {status}")
            for f in r.findings:
                click.echo(f"    {f.severity}: {f.message}")
    sys.exit(ExitStatus.OK if all(r.ok for r in reports) else ExitStatus.FAILED)


@cli.group(invoke_without_command=True)
@click.pass_context
def profiles(ctx):
    """List the platform profiles, or show one with every figure's source."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(profiles_list)


@profiles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@_profile_options
def profiles_list(as_json=False, profile_dirs=(), upload_path=None):
    """Every profile: id, name, version, kinds, upload path and sources."""
    from repost.profile_views import profile_summary

    found = _load(profile_dirs, upload_path)
    rows = [profile_summary(p) for p in found.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        conf = ", ".join(f"{k} {v}" for k, v in row["confidence"].items())
        click.echo(
            f"{row['id']:<10} {row['name']:<28} v{row['version']}  {'+'.join(row['kinds']):<13}"
            f" {row['upload_path']} path  {row['figures']} figures ({conf})"
        )
        click.echo(f"{'':<10} sources: {'; '.join(row['sources'])}")
        click.echo(f"{'':<10} file: {row['file']}")


@profiles.command("show")
@click.argument("profile_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@_profile_options
def profiles_show(profile_id, as_json, profile_dirs, upload_path):
    """One profile: every figure with its source, date and confidence."""
    from repost.profile_views import profile_detail, render_detail
    from repost.profiles import select_profiles

    found = _load(profile_dirs, upload_path)
    profile = select_profiles(found, [profile_id])[0]
    detail = profile_detail(profile)
    click.echo(json.dumps(detail, indent=2, ensure_ascii=False) if as_json else render_detail(detail))


def main(argv=None) -> None:
    """Run the command line; every error ends here as one line, a hint and an exit code."""
    try:
        cli.main(args=argv, prog_name="repost", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitStatus.USAGE)
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("Interrupted.", err=True)
        sys.exit(ExitStatus.INTERRUPTED)
    except RepostError as exc:
        report_error(exc)
        sys.exit(exc.exit_status)
    except Exception as exc:  # a bug: still one line, the traceback only with --debug
        if _state["debug"]:
            traceback.print_exc()
        click.echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Hint: this is a bug in repost; run again with --debug and report the traceback", err=True)
        sys.exit(ExitStatus.FAILED)
    sys.exit(ExitStatus.OK)


def report_error(exc: RepostError) -> None:
    if _state["debug"]:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"Error: {exc.one_line()}", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)
    if _state["debug"] and getattr(exc, "command", None):
        import shlex

        click.echo(f"Command: {shlex.join(exc.command)}", err=True)
        if exc.stderr_tail:
            click.echo(exc.stderr_tail, err=True)
