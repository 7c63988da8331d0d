"""The library side of `repost auth login|list|logout` (the CLI stays thin)."""

from __future__ import annotations

import datetime as dt

from repost.errors import PublishError, UsageError
from repost.publish import oauth
from repost.publish.secrets import (
    Tokens,
    delete_tokens,
    list_accounts,
    load_tokens,
    remember_secret,
    save_tokens,
)
from repost.translate.engines import KEYED as TRANSLATION_ENGINES


def login(
    platform,
    account,
    *,
    stdin_text=None,
    oauth_flow=False,
    client_id=None,
    client_secret=None,
    user_id=None,
    port=0,
    echo=print,
) -> Tokens:
    """Store tokens for one account: pasted (stdin) or from the authorization-code flow; for a
    translation engine, its API key (stdin only)."""
    if platform in TRANSLATION_ENGINES:
        return _login_engine(platform, account, stdin_text)
    oauth.check_platform(platform)
    if oauth_flow == (stdin_text is not None):
        raise UsageError("choose one way to log in: --token-stdin or --oauth")
    if oauth_flow:
        if not client_id:
            raise UsageError("--oauth needs --client-id (your app's id on the platform's developer site)")
        remember_secret(client_secret)
        doc = oauth.login_in_browser(platform, client_id, client_secret, port, echo)
        tokens = Tokens(
            access_token=doc["access_token"],
            refresh_token=doc.get("refresh_token"),
            expires_at=oauth.server_expiry(doc),
            client_id=client_id,
            client_secret=client_secret,
            user_id=user_id or doc.get("open_id"),
        )
    else:
        tokens = oauth.tokens_from_text(stdin_text, client_id, user_id)
        tokens.client_secret = tokens.client_secret or client_secret
    if platform == "reels" and not tokens.user_id:
        raise UsageError("Instagram needs the professional account's id", hint="add --user-id IG_USER_ID")
    save_tokens(platform, account, tokens)
    return tokens


def _login_engine(engine: str, account: str, stdin_text: str | None) -> Tokens:
    if stdin_text is None:
        raise UsageError(f"{engine} takes its API key from standard input", hint="add --token-stdin")
    key = stdin_text.strip().splitlines()[0].strip() if stdin_text.strip() else ""
    if not key:
        raise UsageError(
            "no API key on standard input", hint=f"echo KEY | repost auth login {engine} --token-stdin"
        )
    remember_secret(key)
    tokens = Tokens(access_token=key)
    save_tokens(engine, account, tokens)
    return tokens


def describe(tokens: Tokens) -> str:
    """The non-secret facts about a login, for `auth list`."""
    if tokens.expires_at is None:
        expiry = "no expiry given"
    else:
        when = dt.datetime.fromtimestamp(tokens.expires_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        expiry = f"{'expired' if tokens.expired(0) else 'expires'} {when}"
    refresh = "refreshable" if tokens.refresh_token and tokens.client_id else "not refreshable"
    return f"{expiry}, {refresh}"


def describe_account(platform: str, account: str) -> str:
    """``describe`` for one stored login; an unreadable one says so instead of ending the list."""
    try:
        return describe(load_tokens(platform, account))
    except PublishError:
        return f"unreadable; log in again: repost auth login {platform} --account {account}"


def accounts() -> list[tuple[str, str]]:
    return list_accounts()


def logout(platform: str, account: str) -> bool:
    return delete_tokens(platform, account)
