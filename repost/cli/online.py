"""auth, publish and translate: the commands that talk to a platform's or a translator's API."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from repost.cli.platforms import platform_name, platform_or_engine
from repost.cli.terminal import echo
from repost.errors import ExitStatus


@click.group()
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


@click.command()
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


@click.command()
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
