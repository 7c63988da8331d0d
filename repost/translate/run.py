"""`repost translate`: every post on its own (one that fails leaves the others), one engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repost.errors import RepostError, UsageError
from repost.layout import WORK_DIR
from repost.publish.secrets import load_tokens
from repost.translate import Outcome, approve_post, translate_post
from repost.translate.cache import Cache
from repost.translate.engines import KEYED, Engine, make_engine
from repost.translate.topics import load_topics

STATE_DIR = WORK_DIR


@dataclass
class Result:
    post: Path
    outcome: Outcome | None = None
    error: RepostError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        if self.error is not None:
            hint = f" ({self.error.hint})" if self.error.hint else ""
            return f"✗ {self.post}: {self.error.what}{hint}"
        o = self.outcome
        parts = [f"{lang} drafted ({', '.join(f)})" for lang, f in o.drafted.items()]
        parts += [f"{lang}: kept what a person wrote ({', '.join(f)})" for lang, f in o.kept.items()]
        parts += o.notes
        return f"✓ {o.post}: {'; '.join(parts) or 'nothing to do'}"

    def to_dict(self) -> dict:
        if self.error is not None:
            return {
                "post": str(self.post),
                "ok": False,
                "error": self.error.one_line(),
                "hint": self.error.hint,
            }
        return {"ok": True, **self.outcome.to_dict()}


def translate_posts(
    posts, langs, engine_name, engine_url, account, out, *, approve=False, topics_file=None
) -> list[Result]:
    if not langs:
        raise UsageError("--to names no language", hint="--to zh, or --to zh,en")
    if approve:
        return [_one(p, lambda p=p: approve_post(p, langs)) for p in posts]
    engine = make_engine(engine_name, _key(engine_name, account), engine_url)
    topics = load_topics(topics_file)
    results = []
    for post in posts:
        cache = Cache(_cache_dir(post, out))
        try:
            results.append(
                _one(
                    post,
                    lambda post=post, cache=cache: translate_post(post, langs, engine, cache, topics=topics),
                )
            )
        finally:
            cache.close()
    return results


def _one(post: Path, work) -> Result:
    try:
        return Result(post, outcome=work())
    except RepostError as exc:
        return Result(post, error=exc)


def _key(engine: str, account: str) -> str | None:
    """The engine's API key from the keyring; LibreTranslate instances may need none."""
    if engine not in KEYED:
        return None
    try:
        return load_tokens(engine, account).access_token
    except RepostError as exc:
        if engine == "libretranslate":
            return None
        raise UsageError(
            f"no {engine} API key: {exc.what}",
            hint=f"store one with: echo KEY | repost auth login {engine} --token-stdin --account {account}",
        ) from None


def _cache_dir(post: Path, out: Path | None) -> Path:
    """The output folder's state (``--out``), else the post folder's own ``.repost``."""
    if out is not None:
        return out / STATE_DIR
    folder = post if post.is_dir() else post.parent
    return folder / STATE_DIR


__all__ = ["Engine", "Result", "translate_posts"]
