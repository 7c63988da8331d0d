"""The command line: thin commands over the library, and the one place errors become exit codes."""

from __future__ import annotations

import io
import json
import logging
import sys
import traceback
from pathlib import Path

import click

import repost
from repost.cli.platforms import PlatformsGroup, ToOption, platform_name, platform_or_engine
from repost.cli.terminal import echo
from repost.errors import ExitStatus, ProfileError, RepostError
from repost.platforms.names import resolve_platform, unknown_hint
from repost.platforms.profiles import load_profiles
from repost.post.model import FITS

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


def _photo_options(f):
    """Options for photo posts: carousel counts, metadata, slideshows."""
    options = [
        click.option(
            "--carousel",
            type=click.Choice(["split", "truncate"]),
            default="split",
            help="More photos than a platform takes: numbered posts (split) or the first N (truncate).",
        ),
        click.option(
            "--strict-photos",
            is_flag=True,
            help="A photo that cannot be read fails its post (default: the carousel goes on without it).",
        ),
        click.option(
            "--keep-metadata",
            is_flag=True,
            help="Keep photos' EXIF (GPS, camera serials); stripped by default.",
        ),
        click.option(
            "--as",
            "as_kind",
            type=click.Choice(["video"]),
            default=None,
            help="Make photo posts a slideshow video on every platform that takes video.",
        ),
        click.option(
            "--photo-seconds",
            type=click.FloatRange(0.5, 60),
            default=None,
            help="Slideshow: seconds per photo (default 3; stretched to the platform's minimum).",
        ),
        click.option("--pan-zoom", is_flag=True, help="Slideshow: a gentle zoom on each photo."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _lang_option(ctx, param, value):
    """--lang zh | rednote=zh,tiktok=en -> ((platform or '*', lang), ...)."""
    from repost.text.languages import parse_lang_option

    try:
        return tuple(parse_lang_option(value).items())
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _bundle_options(f, force: bool = True):
    """What a bundle holds and how it is made: options export and migrate (and check, without
    --force) share."""
    options = [
        click.option(
            "--fit",
            type=click.Choice(FITS),
            default=None,
            help="How to reframe media of another aspect; smart follows the subject (default: profile's).",
        ),
        *(
            [click.option("--force", is_flag=True, help="Rebuild bundles that are already up to date.")]
            * force
        ),
        click.option(
            "--split",
            is_flag=True,
            help="Split a video over a platform's maximum into numbered parts (default: trim).",
        ),
        click.option(
            "--loudness",
            type=click.FloatRange(-70, -5),
            default=None,
            metavar="LUFS",
            help="Normalise the audio to this loudness (EBU R128), e.g. -14.",
        ),
        click.option(
            "--overflow",
            type=click.Choice(["drop", "comment"]),
            default="drop",
            help="Hashtags over a platform's limit: drop them, or put them in comment.txt (a first comment).",
        ),
        click.option(
            "--bilingual", is_flag=True, help="Put two of the post's languages in one caption where they fit."
        ),
        click.option(
            "--norms",
            type=click.Choice(["on", "off"]),
            default="on",
            callback=lambda ctx, param, value: value != "off",
            help="Warn about what a platform limits (links, contacts, claims, QR codes): on or off.",
        ),
        click.option(
            "--lang",
            callback=_lang_option,
            default=None,
            help="Language of the texts: LANG everywhere, or PLATFORM=LANG,... (default: the profile's).",
        ),
        click.option(
            "--allow-outside-media",
            is_flag=True,
            help="Let post.yaml name media, cover or audio outside its folder (refused by default).",
        ),
    ]
    f = _photo_options(f)
    for option in reversed(options):
        f = option(f)
    return f


@click.group(cls=PlatformsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(repost.__version__, prog_name="repost")
@click.option("--debug", is_flag=True, help="Show tracebacks and log ffmpeg command lines.")
def cli(debug: bool) -> None:
    """Describe a post once; export ready-to-upload bundles for every platform below."""
    _state["debug"] = debug
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")


def _load(profile_dirs, upload_path):
    return load_profiles(profile_dirs, upload_path)


@cli.command()
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
@click.option("--preview", is_flag=True, help="Then write --out/index.html showing every bundle there.")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Make the bundles on a Dask cluster: a scheduler's address, or local:N (N worker processes).",
)
@_bundle_options
@_profile_options
def export(posts, to, out, jobs, dry_run, as_json, preview, cluster, profile_dirs, upload_path, **bundle):
    """Export POST... (a post.yaml or a folder holding one) to bundles under --out."""
    from repost.bundle.export import ExportOptions, export_posts, print_results

    profiles = _load(profile_dirs, upload_path)
    options = ExportOptions(out=out, to=to, jobs=jobs, dry_run=dry_run, cluster=cluster, **bundle)
    outcome = export_posts(posts, profiles, options)
    print_results(outcome, as_json=as_json, dry_run=dry_run, out=out)
    if preview and not dry_run and any(r.status != "failed" for r in outcome.results):
        _write_preview(out, profiles, jobs=jobs, quiet=as_json)
    sys.exit(outcome.exit_status)


@cli.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", cls=ToOption, default="all", show_default=True, help="Platforms to check for.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@(lambda f: _bundle_options(f, force=False))
@_profile_options
def check(posts, to, as_json, profile_dirs, upload_path, **bundle):
    """Check POST... (post.yaml, post folders, folders of them): every problem, each platform's
    blockers; nothing written. Exit 0 ready, 1 problems found, 2 unreadable."""
    from repost.bundle.export import ExportOptions
    from repost.validate.post import check_posts, exit_status, render_check

    profiles = _load(profile_dirs, upload_path)
    checks = check_posts(posts, profiles, ExportOptions(out=Path("."), to=to, dry_run=True, **bundle))
    if as_json:
        doc = {"ok": exit_status(checks) == ExitStatus.OK, "posts": [c.to_dict() for c in checks]}
        echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for c in checks:
            echo("\n".join(render_check(c)))
    sys.exit(exit_status(checks))


def _write_preview(out: Path, profiles, *, jobs: int = 1, quiet: bool = False) -> None:
    """The preview page after export (or migrate): its path on stderr, so --json stays clean."""
    from repost.preview import write_preview

    page = write_preview(out, profiles, jobs=jobs)
    if not quiet:
        echo(f"preview: {page}", err=True)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Bundles validated in parallel.")
@_profile_options
def preview(folder, jobs, profile_dirs, upload_path):
    """Write FOLDER/index.html: every bundle under FOLDER as each platform shows it (opens from disk)."""
    from repost.preview import write_preview

    profiles = _load(profile_dirs, upload_path)
    page = write_preview(folder, profiles, jobs=jobs)
    echo(f"preview: {page}")
    echo(f"open it in a browser: {page.resolve().as_uri()}")


@cli.command()
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
@click.option("--preview", is_flag=True, help="Then write --out/index.html showing every bundle there.")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Make the bundles on a Dask cluster: a scheduler's address, or local:N (N worker processes).",
)
@_bundle_options
@_profile_options
def migrate(source, to, out, jobs, since, until, limit, only, dry_run, as_json, include_private,
            schedule_spec, start, tz, timeout, retries, preview, cluster, profile_dirs, upload_path,
            **bundle):  # fmt: skip
    """Migrate a backlog: post folders, a yt-dlp folder, a TikTok or Instagram export."""
    from repost.errors import UsageError
    from repost.migrate.report import PlanPrinter, ProgressBar, print_summary
    from repost.migrate.run import MigrateOptions
    from repost.migrate.run import migrate as run_migration
    from repost.migrate.schedule import OFF, parse_schedule

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
        fit=bundle.pop("fit"), force=bundle.pop("force"), export=bundle, cluster=cluster,
    )  # fmt: skip
    profiles = _load(profile_dirs, upload_path)
    hooks = PlanPrinter(out, as_json) if dry_run else (ProgressBar() if sys.stderr.isatty() else None)
    try:
        summary = run_migration(source, profiles, options, hooks, count_first=isinstance(hooks, ProgressBar))
    finally:
        if isinstance(hooks, ProgressBar):
            hooks.close()
    print_summary(summary, as_json=as_json, plans=hooks.plans if dry_run and as_json else None)
    if preview and not dry_run and Path(out).is_dir():
        _write_preview(out, profiles, jobs=jobs, quiet=as_json)
    sys.exit(summary.exit_status)


@cli.command()
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

    profiles = _load(profile_dirs, upload_path)
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


@cli.group(invoke_without_command=True)
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

    found = _load(profile_dirs, upload_path)
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

    found = _load(profile_dirs, upload_path)
    pid = resolve_platform(found, profile_id)
    if pid is None:
        raise ProfileError("ID", [f"unknown platform {profile_id}"], hint=unknown_hint(found, [profile_id]))
    profile = found[pid]
    detail = profile_detail(profile)
    echo(json.dumps(detail, indent=2, ensure_ascii=False) if as_json else render_detail(detail))


@cli.group()
def auth():
    """Log in to a platform's posting API; tokens are kept in the system keyring only."""


@auth.command("login")
@click.argument("platform", callback=platform_or_engine)
@click.option("--account", default="default", show_default=True, help="A name for this login.")
@click.option("--token-stdin", is_flag=True, help="Read the access token, or the token JSON, from stdin.")
@click.option("--oauth", "oauth_flow", is_flag=True, help="Log in in the browser (redirect to 127.0.0.1).")
@click.option("--client-id", help="Your app's client id (client key on TikTok), for --oauth and refresh.")
@click.option("--user-id", help="Instagram: the professional account's id.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Loopback port for --oauth (0: any).")
def auth_login(platform, account, token_stdin, oauth_flow, client_id, user_id, port):
    """Store a login for PLATFORM (or a translation engine's API key: deepl, libretranslate,
    with --token-stdin). The client secret, if any, comes from REPOST_CLIENT_SECRET."""
    import os

    from repost.publish.auth_commands import login

    text = sys.stdin.read() if token_stdin else None
    secret = os.environ.get("REPOST_CLIENT_SECRET") or None
    login(platform, account, stdin_text=text, oauth_flow=oauth_flow, client_id=client_id,
          client_secret=secret, user_id=user_id, port=port, echo=echo)  # fmt: skip
    echo(f"Logged in to {platform} as {account!r}; the tokens are in the system keyring.")


@auth.command("list")
def auth_list():
    """Every stored login (never the tokens themselves)."""
    from repost.publish.auth_commands import accounts, describe_account

    found = accounts()
    if not found:
        echo("No logins. Run: repost auth login PLATFORM")
    for platform, account in found:
        echo(f"{platform:<8} {account:<16} {describe_account(platform, account)}")


@auth.command("logout")
@click.argument("platform", callback=platform_name)
@click.option("--account", default="default", show_default=True)
def auth_logout(platform, account):
    """Delete a login from the keyring."""
    from repost.publish.auth_commands import logout

    if logout(platform, account):
        echo(f"Logged out of {platform} ({account!r}).")
    else:
        echo(f"No login for {platform} as {account!r}.")


@cli.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "targets", required=True, help="Languages to draft: zh, or zh,en,...")
@click.option(
    "--engine", type=click.Choice(["deepl", "libretranslate", "argos"]), default="deepl", show_default=True
)
@click.option(
    "--engine-url", help="The engine's server: a LibreTranslate instance, or another DeepL API address."
)
@click.option("--account", default="default", show_default=True, help="Which stored API key to use.")
@click.option("--out", type=click.Path(path_type=Path), help="Output folder whose .repost/ keeps the cache.")
@click.option(
    "--approve", is_flag=True, help="Mark the drafts in --to's languages as reviewed; translate nothing."
)
@click.option(
    "--topics",
    "topics_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Your own topic names for recurring hashtags (default: topics.yaml in repost's config folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def translate(posts, targets, engine, engine_url, account, out, approve, topics_file, as_json):
    """Draft machine translations of POST...'s title, caption and alt texts into its post.yaml
    (translations: LANG, marked as drafts until approved); a person's own text is never replaced."""
    from repost.translate.run import translate_posts

    langs = [t.strip() for t in targets.split(",") if t.strip()]
    results = translate_posts(
        posts, langs, engine, engine_url, account, out, approve=approve, topics_file=topics_file
    )
    if as_json:
        echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        for r in results:
            echo(r.describe())
    sys.exit(ExitStatus.OK if all(r.ok for r in results) else ExitStatus.FAILED)


@cli.command()
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--account", default="default", show_default=True, help="Which login to post as.")
@click.option(
    "--privacy", default=None, help="TikTok privacy level or YouTube privacyStatus (default: private)."
)
@click.option("--dry-run", is_flag=True, help="Say what would be published; post nothing.")
@click.option(
    "--retry-unconfirmed", is_flag=True, help="Send again a post an earlier run sent but never confirmed."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def publish(bundles, account, privacy, dry_run, retry_unconfirmed, as_json):
    """Publish BUNDLE... (bundles or folders of them) through the platforms' official APIs."""
    from dataclasses import asdict

    from repost.publish.runner import exit_status, publish_bundles, render

    outcomes = publish_bundles(bundles, account, dry_run, privacy, retry=retry_unconfirmed)
    if as_json:
        rows = [{**asdict(o), "bundle": str(o.bundle)} for o in outcomes]
        echo(json.dumps({"ok": exit_status(outcomes) == 0, "bundles": rows}, indent=2, ensure_ascii=False))
    else:
        for o in outcomes:
            for line in render(o):
                echo(line)
    sys.exit(exit_status(outcomes))


def main(argv=None) -> None:
    """Run the command line; every error ends here as one line, a hint and an exit code."""
    try:
        cli.main(args=argv, prog_name="repost", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        shown = io.StringIO()  # click's message quotes the argument as given: escaped like the rest
        exc.show(file=shown)
        echo(shown.getvalue(), err=True, nl=False)
        sys.exit(ExitStatus.USAGE)
    except (KeyboardInterrupt, click.exceptions.Abort):
        echo("Interrupted.", err=True)
        _exit_now(ExitStatus.INTERRUPTED)
    except RepostError as exc:
        report_error(exc)
        _exit_now(exc.exit_status)
    except Exception as exc:  # a bug: still one line, the traceback only with --debug
        if _state["debug"]:
            traceback.print_exc()
        echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
        echo("Hint: this is a bug in repost; run again with --debug and report the traceback", err=True)
        _exit_now(ExitStatus.FAILED)
    sys.exit(ExitStatus.OK)


def _exit_now(status: int) -> None:
    """Exit with ``status``. A worker thread still busy after an interrupt or an error that
    ended the run (a stalled download, an encode) would hold the interpreter's exit, after the
    output folder's lock is gone: the process ends without it, as a kill would, which every
    bundle and the state survive by design."""
    import os
    import threading

    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if not any(t.is_alive() for t in busy):
        sys.exit(status)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def report_error(exc: RepostError) -> None:
    if _state["debug"]:
        traceback.print_exception(exc, file=sys.stderr)
    echo(f"Error: {exc.one_line()}", err=True)
    if exc.hint:
        echo(f"Hint: {exc.hint}", err=True)
    if _state["debug"] and getattr(exc, "command", None):
        import shlex

        echo(f"Command: {shlex.join(exc.command)}", err=True)
        if exc.stderr_tail:
            echo(exc.stderr_tail, err=True)
