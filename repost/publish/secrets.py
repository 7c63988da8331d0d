"""Tokens in the system keyring (service "repost") and nowhere else; redaction for logs and errors."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass, field

from repost.errors import PublishError, UsageError

SERVICE = "repost"
INDEX = "_accounts"  # the keyring entry listing "platform:account" names (no secret in it)
ALLOW_FILE_KEYRING = "REPOST_ALLOW_FILE_KEYRING"
log = logging.getLogger("repost.publish")

_secrets: set[str] = set()
MASK = "***"


@dataclass
class Tokens:
    """What one account's login holds; every field stays in the keyring."""

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None  # Unix seconds; None: the platform gave no expiry
    client_id: str | None = None
    client_secret: str | None = None
    user_id: str | None = None  # Instagram professional account id, TikTok open_id, ...
    extra: dict = field(default_factory=dict)

    def expired(self, margin_s: float = 60) -> bool:
        return self.expires_at is not None and time.time() > self.expires_at - margin_s

    def secret_values(self) -> list[str]:
        return [v for v in (self.access_token, self.refresh_token, self.client_secret) if v]


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
    f"(PYTHON_KEYRING_BACKEND) and set {ALLOW_FILE_KEYRING}=1"
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
    names = json.loads(raw) if raw else []
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
        tokens = Tokens(**json.loads(raw))
    except (ValueError, TypeError):
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
