"""Tokens in the system keyring (service "repost") and nowhere else; redaction for logs and errors."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import time
from dataclasses import asdict, dataclass

from repost.errors import PublishError, UsageError

SERVICE = "repost"
INDEX = "_accounts"  # the keyring entry listing "platform:account" names (no secret in it)
ALLOW_FILE_KEYRING = "REPOST_ALLOW_FILE_KEYRING"
log = logging.getLogger("repost.publish")

_secrets: set[str] = set()
MASK = "***"
# A token said to last longer than this is a mistake: 100 years, far above any platform's (Facebook's
# long-lived tokens: 60 days), and still a date the calendar can print.
MAX_EXPIRES_IN_S = 100 * 365 * 86400
LAST_TIMESTAMP = 253402300799  # 9999-12-31 23:59:59 UTC, the last moment datetime can show


@dataclass
class Tokens:
    """What one account's login holds; every field stays in the keyring."""

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None  # Unix seconds; None: the platform gave no expiry
    client_id: str | None = None
    client_secret: str | None = None
    user_id: str | None = None  # Instagram professional account id, TikTok open_id, ...

    def expired(self, margin_s: float = 60) -> bool:
        return self.expires_at is not None and time.time() > self.expires_at - margin_s

    def secret_values(self) -> list[str]:
        return [v for v in (self.access_token, self.refresh_token, self.client_secret) if v]


def expiry_from(expires_in: object, now: float | None = None) -> float | None:
    """When a token given ``expires_in`` (seconds from now) expires, in Unix seconds; None when not
    given. ValueError, naming the value, when it is not a finite number of seconds (``"soon"``, 1e400)."""
    if expires_in is None or (not isinstance(expires_in, bool) and expires_in in ("", 0)):
        return None
    value = math.nan
    if isinstance(expires_in, str):
        with contextlib.suppress(ValueError):
            value = float(expires_in.strip())
    elif isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        value = float(expires_in) if abs(expires_in) < 1e300 else math.inf  # an int may not fit a float
    if not math.isfinite(value) or not 0 <= value <= MAX_EXPIRES_IN_S:
        raise ValueError(f"expires_in is {str(expires_in)[:40]!r}, not a number of seconds up to 100 years")
    return (time.time() if now is None else now) + value


def tokens_from_stored(raw: str) -> Tokens:
    """Tokens as the keyring holds them, each field of its type (ValueError or TypeError if not)."""
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise TypeError("not a JSON object")
    doc.pop("extra", None)  # an empty field earlier versions stored and nothing read
    tokens = Tokens(**doc)
    if not isinstance(tokens.access_token, str) or not tokens.access_token:
        raise TypeError("no access token")
    names = ("refresh_token", "client_id", "client_secret", "user_id")
    if any(not isinstance(getattr(tokens, n), str | None) for n in names):
        raise TypeError("a field of the wrong type")
    at = tokens.expires_at
    if at is not None and (
        isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at <= LAST_TIMESTAMP
    ):
        raise ValueError("expires_at is not a time")  # NaN fails the comparison too
    return tokens


def remember_secret(*values: str | None) -> None:
    """Mask these values wherever repost logs or raises (short values would mask too much)."""
    _secrets.update(v for v in values if v and len(v) >= 6)


def redact(text: object) -> str:
    """``text`` with every known secret, and anything that looks like a token parameter, masked."""
    out = str(text)
    for value in sorted(_secrets, key=len, reverse=True):
        out = out.replace(value, MASK)
    # Graph API takes access_token in the query; bearer headers may be echoed back in errors.
    out = re.sub(r"(?i)((?:access|refresh)_token=|client_secret=|code=)[^&\s\"']+", rf"\1{MASK}", out)
    out = re.sub(
        r'(?i)("(?:access_token|refresh_token|client_secret|id_token|code)"\s*:\s*")[^"]*', rf"\1{MASK}", out
    )
    return re.sub(r"(?i)(bearer|oauth)\s+[A-Za-z0-9._~+/=-]{6,}", rf"\1 {MASK}", out)


class RedactFilter(logging.Filter):
    """Rewrites each record's message with secrets masked, before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


log.addFilter(RedactFilter())


def fail(what: str, where: object = None, hint: str | None = None) -> PublishError:
    """A PublishError whose every part has been redacted."""
    return PublishError(redact(what), redact(where) if where is not None else None, hint and redact(hint))


# --- the backend ---------------------------------------------------------------------------------

NO_BACKEND_HINT = (
    "install and unlock a Secret Service keyring (Debian/Ubuntu: sudo apt-get install gnome-keyring; "
    "macOS Keychain and Windows Credential Locker work as they are; on a machine with no desktop session, "
    "run inside dbus-run-session after `gnome-keyring-daemon --unlock`); repost never falls back to a "
    "plain-text file. To keep tokens in a file on purpose, pip install keyrings.alt, configure it "
    f"(PYTHON_KEYRING_BACKEND) and set {ALLOW_FILE_KEYRING}=1 (docs/commands.md#auth)"
)


def _usable(backend) -> bool:
    from keyring.backends import chainer
    from keyring.backends import fail as failing

    if isinstance(backend, failing.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable(b) for b in backend.backends)
    return True


def _is_file_backend(backend) -> bool:
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        return any(_is_file_backend(b) for b in backend.backends)
    return type(backend).__module__.startswith("keyrings.alt")


def get_backend():
    """The keyring backend, or a clear error if there is none we may use."""
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if not _usable(backend):
        raise UsageError("no usable system keyring to keep tokens in", name, NO_BACKEND_HINT)
    if _is_file_backend(backend) and os.environ.get(ALLOW_FILE_KEYRING) != "1":
        raise UsageError(
            "the keyring backend keeps tokens in a file, and you did not opt in to that",
            name,
            NO_BACKEND_HINT,
        )
    return backend


def _call(what: str, fn, *args):
    from keyring.errors import KeyringError

    try:
        return fn(*args)
    except KeyringError as exc:
        raise UsageError(f"the keyring refused to {what}: {redact(exc)}", SERVICE, NO_BACKEND_HINT) from None


# --- accounts ------------------------------------------------------------------------------------


def entry_name(platform: str, account: str) -> str:
    return f"{platform}:{account}"


def list_accounts() -> list[tuple[str, str]]:
    """Every (platform, account) logged in, from the keyring's own index entry."""
    backend = get_backend()
    raw = _call("read the account list", backend.get_password, SERVICE, INDEX)
    try:
        names = json.loads(raw) if raw else []
    except (ValueError, RecursionError):
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) and ":" in n for n in names):
        raise UsageError(
            "the keyring's list of repost logins is unreadable",
            f"{SERVICE}/{INDEX}",
            hint="delete that keyring entry and log in again",
        )
    return [tuple(n.split(":", 1)) for n in sorted(names)]


def _write_index(backend, names: set[str]) -> None:
    if names:
        _call("write the account list", backend.set_password, SERVICE, INDEX, json.dumps(sorted(names)))
    else:
        _call("write the account list", backend.delete_password, SERVICE, INDEX)


def save_tokens(platform: str, account: str, tokens: Tokens) -> None:
    """Store one account's tokens in the keyring (and only there)."""
    backend = get_backend()
    remember_secret(*tokens.secret_values())
    name = entry_name(platform, account)
    _call("store the tokens", backend.set_password, SERVICE, name, json.dumps(asdict(tokens)))
    names = {entry_name(p, a) for p, a in list_accounts()}
    _write_index(backend, names | {name})
    log.debug("stored tokens for %s in keyring %s", name, type(backend).__name__)


def load_tokens(platform: str, account: str) -> Tokens:
    """One account's tokens; a missing login says how to log in."""
    backend = get_backend()
    raw = _call("read the tokens", backend.get_password, SERVICE, entry_name(platform, account))
    if not raw:
        raise fail(
            f"not logged in to {platform} as {account!r}",
            platform,
            hint=f"run: repost auth login {platform} --account {account}",
        )
    try:
        tokens = tokens_from_stored(raw)
    except (ValueError, TypeError, RecursionError):
        raise fail(
            f"the stored {platform} login for {account!r} is unreadable",
            platform,
            hint=f"log in again: repost auth login {platform} --account {account}",
        ) from None
    remember_secret(*tokens.secret_values())
    return tokens


def delete_tokens(platform: str, account: str) -> bool:
    """Forget one account; False if it was not logged in."""
    from keyring.errors import PasswordDeleteError

    backend = get_backend()
    name = entry_name(platform, account)
    try:
        backend.delete_password(SERVICE, name)
        found = True
    except PasswordDeleteError:
        found = False
    names = {entry_name(p, a) for p, a in list_accounts()} - {name}
    try:
        _write_index(backend, names)
    except UsageError:
        if names:
            raise
    return found
