"""Publish bundles: pick the platform's publisher, never post twice, record what was posted."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from repost.docs import COMMANDS, doc_ref
from repost.errors import ExitStatus, PublishError, RepostError, UsageError
from repost.layout import find_all_bundles
from repost.platforms.model import Profile
from repost.platforms.profiles import load_profiles
from repost.publish import instagram, records, tiktok, youtube
from repost.publish.base import Bundle, read_bundle
from repost.publish.manual import NO_API, manual_steps
from repost.publish.oauth import Session
from repost.publish.secrets import load_tokens, redact

# Each takes (bundle, session, profile, privacy, commit): ``commit(remote_id)`` is called just
# before the step that makes the post happen, so a crash after it is never followed by a repeat.
PUBLISHERS: dict[str, Callable[..., object]] = {
    "tiktok": tiktok.publish,
    "reels": instagram.publish,
    "shorts": youtube.publish,
}


@dataclass
class Outcome:
    """What became of one bundle: published | already | unconfirmed | manual | planned | failed."""

    bundle: Path
    platform: str
    status: str
    remote_id: str | None = None
    url: str | None = None
    error: str | None = None
    hint: str | None = None
    steps: list[str] = field(default_factory=list)
    sends: list[str] = field(default_factory=list)  # --dry-run: what a real run would send
    login: str | None = None  # --dry-run: whether a login for it is stored, in words


def publish_one(path: Path, profiles: dict[str, Profile], account, dry_run, privacy, retry) -> Outcome:
    """Publish one bundle, unless it was published (or sent) before; platforms with no API get steps.
    Everything local is checked before the first request: the bundle's files and manifest, the
    state folder and database, the lock, the login."""
    with read_bundle(path) as bundle:
        if bundle.platform in NO_API:
            hint = NO_API[bundle.platform]
            return Outcome(path, bundle.platform, "manual", hint=hint, steps=manual_steps(bundle))
        if bundle.platform not in PUBLISHERS:
            raise PublishError(
                f"repost cannot publish to {bundle.platform}", path, hint="upload the bundle by hand"
            )
        work = records.work_folder(path, bundle.platform)
        if dry_run:
            done = records.find_record(work, path, bundle.post_id, bundle.platform, account)
            if done and (stop := _earlier(path, done, retry)):
                return stop
            sends = would_send(bundle, privacy)
            return Outcome(
                path, bundle.platform, "planned", sends=sends, login=login_found(bundle.platform, account)
            )
        with records.publish_lock(work, bundle.post_id, bundle.platform, account) as locked:
            return _send(bundle, work, profiles[bundle.platform], account, privacy, retry, locked)


def _earlier(path: Path, done: records.PublishRecord, retry: bool) -> Outcome | None:
    """What an earlier record means for this run: nothing to do, or a post never confirmed."""
    if done.status == records.PENDING and not retry:
        return Outcome(path, done.platform, "unconfirmed", done.remote_id, hint=UNCONFIRMED)
    if done.status == records.PUBLISHED:
        return Outcome(path, done.platform, "already", done.remote_id, done.url)
    return None


def _send(bundle: Bundle, work: Path, profile: Profile, account, privacy, retry, locked) -> Outcome:
    """Claim the post (check and mark it, one transaction), then send it; a run that stops before
    the point of no return gives the claim back."""
    path, key = bundle.path, (bundle.post_id, bundle.platform, account)
    claim = records.claim(work, path, *key, retry=retry, locked=locked)
    if claim.verdict in ("already", "unconfirmed"):
        return _earlier(path, claim.earlier, retry)
    if claim.verdict == "busy":
        raise PublishError(
            f"another repost publish of this post to {bundle.platform} as {account!r} may be running "
            f"(it started {claim.earlier.published_at}; this file system takes no locks)",
            path,
            hint="wait for it; if none is running, run again with --retry-unconfirmed",
        )
    committed = False

    def record(remote_id: str, url: str | None = None, status: str = records.PENDING) -> None:
        nonlocal committed
        rec = records.PublishRecord(*key, remote_id, url, str(path.resolve()), records.now_iso(), status)
        records.save_record(work, path, rec)
        committed = True

    try:
        session = Session(bundle.platform, account)
        result = PUBLISHERS[bundle.platform](bundle, session, profile, privacy, record)
    except BaseException:
        if not committed:
            with contextlib.suppress(RepostError):  # the error that stopped the run is the one to show
                records.release(work, claim, *key)
        raise
    record(result.remote_id, result.url, records.PUBLISHED)
    return Outcome(path, bundle.platform, "published", result.remote_id, result.url)


# What each API is sent as privacy when --privacy is not given (tiktok.choose_privacy,
# youtube.publish); Instagram's Reels go out under the account's own setting.
DEFAULT_PRIVACY = {
    "tiktok": "SELF_ONLY, if the creator is offered it",
    "shorts": "private",
    "reels": "the account's own",
}


def would_send(bundle: Bundle, privacy: str | None) -> list[str]:
    """What a real run would send, as lines: the files, the texts and the privacy."""
    lines = [f"{bundle.kind}: " + ", ".join(f"{m.name} ({m.size:,} bytes)" for m in bundle.media)]
    if bundle.title:
        lines.append(f"title: {bundle.title}")
    first = bundle.caption.splitlines()[0] if bundle.caption else ""
    more = "…" if len(first) > 60 or first != bundle.caption else ""
    lines.append(f"caption: {first[:60]}{more} ({len(bundle.caption):,} characters)")
    lines.append(f"privacy: {privacy or DEFAULT_PRIVACY.get(bundle.platform, 'the platform default')}")
    return lines


def login_found(platform: str, account: str) -> str:
    """Whether a real run would find a login; a dry run never needs one, nor a keyring."""
    try:
        load_tokens(platform, account)
    except UsageError:  # no usable keyring on this machine
        needs = f"a real run needs one: see {doc_ref('auth', COMMANDS)}"
        return f"not found: this machine has no usable keyring ({needs})"
    except PublishError as exc:
        return f"not found ({exc.what}; {exc.hint})"
    return f"found for {platform} as {account!r}"


UNCONFIRMED = (
    "an earlier run sent this post and did not hear back; look for it on the account, and only if it "
    "is not there run publish again with --retry-unconfirmed"
)


def publish_bundles(paths, account="default", dry_run=False, privacy=None, retry=False) -> list[Outcome]:
    """Publish every bundle found; one failure does not stop the rest."""
    # API posting follows the API path's limits (TikTok caption 2,200 UTF-16 units, not the app's 4,000).
    profiles = load_profiles(upload_path="api")
    outcomes = []
    for path in find_all_bundles(paths):
        try:
            outcomes.append(publish_one(path, profiles, account, dry_run, privacy, retry))
        except RepostError as exc:
            platform = path.name if path.name in (*PUBLISHERS, *NO_API) else "?"
            outcomes.append(Outcome(path, platform, "failed", error=redact(exc.one_line()), hint=exc.hint))
    return outcomes


def exit_status(outcomes: list[Outcome]) -> ExitStatus:
    bad = any(o.status in ("failed", "unconfirmed") for o in outcomes)
    return ExitStatus.FAILED if bad else ExitStatus.OK


def render(outcome: Outcome) -> list[str]:
    """Lines for the terminal."""
    where = f"{outcome.bundle} [{outcome.platform}]"
    if outcome.status == "published":
        return [f"✓ {where}: published {outcome.url or outcome.remote_id}"]
    if outcome.status == "already":
        return [f"= {where}: already published ({outcome.url or outcome.remote_id}); nothing to do"]
    if outcome.status == "unconfirmed":
        return [
            f"? {where}: sent before as {outcome.remote_id}, never confirmed",
            f"    hint: {outcome.hint}",
        ]
    if outcome.status == "planned":
        details = [*outcome.sends, *([f"login: {outcome.login}"] if outcome.login else [])]
        return [f"· {where}: would publish (dry run)"] + [f"    {line}" for line in details]
    if outcome.status == "manual":
        return [f"✋ {where}: {outcome.hint}; upload it by hand:"] + [
            f"    {i}. {s}" for i, s in enumerate(outcome.steps, 1)
        ]
    lines = [f"✗ {where}: {outcome.error}"]
    return lines + ([f"    hint: {outcome.hint}"] if outcome.hint else [])
