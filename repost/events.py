"""What a long run tells its caller as it goes: steps begun, advanced and ended, bundles and posts
done. The library calls these; the command line draws them (repost/cli/ui.py). Nothing here prints.

Every step that can take more than a second (a probe, a loudness measure, an encode, photos, a
slideshow, a cover, a download) runs inside ``events.task(...)``, which names the post and the
platforms it is for; ``task`` yields a plain callable taking the fraction done (0..1), which media
code passes on as its ``progress`` (ffmpeg's ``-progress``). Steps run in worker threads: an
implementation must be thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Task:
    """One piece of work as a person would name it: which post, for which platforms, doing what."""

    post: str
    platforms: tuple[str, ...]
    what: str  # "encoding clip.mp4", "photos 1-6, cover", "downloading 2 files"

    @classmethod
    def of(cls, post: str, platforms: Iterable[str], what: str) -> Task:
        return cls(post, tuple(dict.fromkeys(platforms)), what)


def _ignore(fraction: float) -> None:
    """A step's progress nobody watches."""


class Events:
    """Nothing watched: the default. The command line subclasses it (repost.cli.ui.Board)."""

    def begin(self, task: Task) -> Progress:
        """A step starts; returns the callable its fraction done goes to."""
        return _ignore

    def end(self, task: Task) -> None:
        """A step ended, done or failed."""

    @contextmanager
    def task(self, post: str, platforms: Iterable[str], what: str) -> Iterator[Progress]:
        """Run a step inside ``with``: begun on entry, ended on exit whatever happens."""
        task = Task.of(post, platforms, what)
        progress = self.begin(task)
        try:
            yield progress
        finally:
            self.end(task)

    def bundle_done(self, result) -> None:
        """A bundle was made, found up to date, or failed (a repost.bundle.build.BundleResult)."""

    # A migration's posts: counted first (for the overall bar), then each taken up and finished.
    def total(self, count: int) -> None:
        """The number of posts a migration will look at."""

    def started(self, post_id: str) -> None:
        """A worker took the post up."""

    def finished(self, post_id: str, records: list) -> None:
        """The post is done: its state records (repost.migrate.state.Record), one per bundle."""

    def planned(self, plans: list) -> None:
        """--dry-run: a post's plans (repost.plan.BundlePlan), one per bundle."""

    def unplanned(self, post_id: str, why: str) -> None:
        """--dry-run: a post that cannot be planned without downloading first."""


QUIET = Events()
