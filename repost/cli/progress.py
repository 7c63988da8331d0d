"""Progress bars for encodes, one line each, drawn only on a terminal (never into a pipe or log)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TextIO

from repost.cli.terminal import shown

BAR_WIDTH = 30
# Redraw at most every 1% per encode: ffmpeg reports about twice a second, and several encodes
# share the terminal under -j N.
MIN_STEP = 0.01


class ProgressBoard:
    """One bar per running encode; all bars redrawn together with ANSI cursor moves."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bars: dict[str, float] = {}
        self.drawn = 0
        self.lock = threading.Lock()

    @classmethod
    def on_terminal(cls, stream: TextIO | None = None) -> ProgressBoard | None:
        """A board on ``stream`` (stderr) when it is a terminal, else None: nothing on a pipe."""
        stream = stream or sys.stderr
        isatty = getattr(stream, "isatty", None)
        return cls(stream) if isatty is not None and isatty() else None

    def task(self, label: str) -> Callable[[float], None]:
        """A callback for one encode: call it with the fraction done (0..1)."""
        with self.lock:
            self.bars[label] = 0.0
            self._draw()

        def update(fraction: float) -> None:
            with self.lock:
                if fraction - self.bars.get(label, 0.0) >= MIN_STEP or fraction >= 1.0:
                    self.bars[label] = fraction
                    self._draw()

        return update

    def _draw(self) -> None:
        out = [f"\x1b[{self.drawn}F"] if self.drawn else []
        for label, fraction in self.bars.items():
            filled = int(fraction * BAR_WIDTH)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            out.append(f"\x1b[2K{shown(label)[:40]:<40} [{bar}] {fraction * 100:3.0f}%\n")
        self.stream.write("".join(out))
        self.stream.flush()
        self.drawn = len(self.bars)
