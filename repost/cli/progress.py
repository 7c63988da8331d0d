"""The one progress component of export and migrate: a line per running step (post → platforms:
what, a bar where the fraction is known, the time it has taken) and, for a migration, the posts
done so far. Drawn with rich on a terminal, erased when the run ends; on a pipe or in a log
nothing is drawn, and the lines said through it come out plain."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from repost.cli.terminal import echo, shown
from repost.events import Events, Progress, Task

# rich redraws at most this often; ffmpeg reports about twice a second per encode.
REFRESH_PER_S = 8


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def describe(task: Task) -> str:
    """ "sunset-walk → tiktok, reels: encoding clip.mp4", control characters escaped."""
    platforms = f" → {', '.join(task.platforms)}" if task.platforms else ""
    return shown(f"{task.post}{platforms}: {task.what}")


class Board(Events):
    """Steps as they run, on ``stream`` (stderr) when it is a terminal. ``say`` prints a line
    above the steps (or plainly, without a terminal), so results never tear the drawing."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.lock = threading.Lock()
        self.ids: dict[int, object] = {}  # id(Task) -> rich's task id, while the step runs
        self.posts = None  # the migration's overall line, once total() is known
        self.count = self.of = self.failed = 0
        self.progress = self._progress() if is_terminal(self.stream) else None

    def _progress(self):
        # rich only for a terminal: it measures the width, redraws in place, and keeps the
        # lines it says above the steps it draws (imported here: a pipe never pays for it).
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.table import Column

        console = Console(file=self.stream, highlight=False, emoji=False, markup=False)
        # A step's line names the post, every platform and what it does: on a narrow terminal it
        # folds onto a second line rather than losing the end.
        text = TextColumn("{task.description}", markup=False, table_column=Column(ratio=1, overflow="fold"))
        columns = (SpinnerColumn(), text, BarColumn(bar_width=12), TaskProgressColumn(), TimeElapsedColumn())
        return Progress(*columns, console=console, transient=True, refresh_per_second=REFRESH_PER_S,
                        redirect_stdout=False, redirect_stderr=False, expand=True)  # fmt: skip

    def __enter__(self) -> Board:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    def say(self, line: str, *, whole: bool = False) -> None:
        """One line of output (a result): above the drawing on a terminal, cut to its width
        unless ``whole`` (a command to copy); plain on stdout otherwise."""
        if self.progress is not None and is_terminal(sys.stdout):
            from rich.text import Text

            cut = {} if whole else {"no_wrap": True, "overflow": "ellipsis", "crop": True}
            with self.lock:
                self.progress.console.print(Text(shown(line)), soft_wrap=whole, **cut)
            return
        with self.lock:
            echo(line)

    def begin(self, task: Task) -> Progress:
        if self.progress is None:
            return super().begin(task)
        tid = self.progress.add_task(describe(task), total=None)
        with self.lock:
            self.ids[id(task)] = tid

        def update(fraction: float) -> None:
            self.progress.update(tid, total=1.0, completed=min(1.0, max(0.0, fraction)))

        return update

    def end(self, task: Task) -> None:
        with self.lock:
            tid = self.ids.pop(id(task), None)
        if tid is not None:
            self.progress.remove_task(tid)

    # A migration: one more line with every post counted.
    def total(self, count: int) -> None:
        self.of = count
        if self.progress is not None:
            self.posts = self.progress.add_task(self._posts_line(), total=max(1, count), completed=0)

    def finished(self, post_id: str, records: list) -> None:
        with self.lock:
            self.count += 1
            self.failed += sum(r.outcome == "failed" for r in records)
        if self.posts is not None:
            self.progress.update(self.posts, completed=self.count, description=self._posts_line())

    def _posts_line(self) -> str:
        return f"posts: {self.count}/{self.of or '?'} done, {self.failed} failed"
