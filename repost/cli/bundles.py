"""validate and profiles: bundles checked against the platforms, and the platforms' profiles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from repost.cli.options import _profile_options, load
from repost.cli.terminal import echo
from repost.errors import ExitStatus, ProfileError
from repost.platforms.names import resolve_platform, unknown_hint


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--profile", "profile_id", default=None, help="Check against this platform (id or name).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--norms", type=click.Choice(["on", "off"]), default="on", help="Norms warnings: on or off.")
@click.option(
    "--against-source",
    is_flag=True,
    help="Also measure each bundle file against its source: length, picture, loudness, opening.",
)
@_profile_options
def validate(paths, profile_id, as_json, norms, against_source, profile_dirs, upload_path):
    """Validate bundles, folders of bundles, or media files (with --profile)."""
    from repost.validate.bundle import reports_json, validate_paths

    profiles = load(profile_dirs, upload_path)
    profile_id = profile_id and (resolve_platform(profiles, profile_id) or profile_id)
    reports = validate_paths(paths, profiles, profile_id, norms=norms != "off")
    if against_source:
        from repost.validate.fidelity import add_source_checks

        add_source_checks(reports)
    if as_json:
        echo(reports_json(reports))
    else:
        for r in reports:
            errors = sum(f.severity == "error" for f in r.findings)
            status = "ok" if r.ok else f"{errors} error(s)"
            echo(f"{'✓' if r.ok else '✗'} {r.path} [{r.platform}]: {status}")
            for f in r.findings:
                echo(f"    {f.severity}: {f.message}")
    sys.exit(ExitStatus.OK if all(r.ok for r in reports) else ExitStatus.FAILED)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (the list, without a subcommand).")
@_profile_options
@click.pass_context
def profiles(ctx, as_json, profile_dirs, upload_path):
    """List the platform profiles, or show one with every figure's source."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(profiles_list, as_json=as_json, profile_dirs=profile_dirs, upload_path=upload_path)


@profiles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@_profile_options
def profiles_list(as_json=False, profile_dirs=(), upload_path=None):
    """Every profile: id, name, version, kinds, upload path and sources."""
    from repost.platforms.views import profile_summary

    found = load(profile_dirs, upload_path)
    rows = [profile_summary(p) for p in found.values()]
    if as_json:
        echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        conf = ", ".join(f"{k} {v}" for k, v in row["confidence"].items())
        echo(
            f"{row['id']:<10} {row['name']:<28} v{row['version']}  {'+'.join(row['kinds']):<13}"
            f" {row['upload_path']} path  {row['figures']} figures ({conf})"
        )
        if row["aliases"]:
            echo(f"{'':<10} also called: {', '.join(row['aliases'])}")
        echo(f"{'':<10} sources: {', '.join(row['sources'])}")
        echo(f"{'':<10} file: {row['file']}")


@profiles.command("show")
@click.argument("profile_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@_profile_options
def profiles_show(profile_id, as_json, profile_dirs, upload_path):
    """One profile: every figure with its source, date and confidence."""
    from repost.platforms.views import profile_detail, render_detail

    found = load(profile_dirs, upload_path)
    pid = resolve_platform(found, profile_id)
    if pid is None:
        raise ProfileError("ID", [f"unknown platform {profile_id}"], hint=unknown_hint(found, [profile_id]))
    profile = found[pid]
    detail = profile_detail(profile)
    echo(json.dumps(detail, indent=2, ensure_ascii=False) if as_json else render_detail(detail))
