"""A headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe).

The pipe needs no port, no websocket client and no driver download: Chromium reads JSON commands,
each ended by a NUL byte, from file descriptor 3 and writes replies and events to descriptor 4.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import time
from pathlib import Path

# No network at all: these flags stop Chromium's own background traffic (updates, sync, QUIC
# probes, field trials) so a test run is quiet and offline.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
)
NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    """The browser binary: $REPOST_CHROMIUM, then the usual names on PATH."""
    env = os.environ.get("REPOST_CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    return next((p for p in map(shutil.which, NAMES) if p), None)


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page; ``evaluate`` runs JS in it and returns the value."""

    def __init__(self, binary: str, profile_dir: Path, *, width: int = 1280, height: int = 900):
        r_ours, w_theirs = os.pipe()  # Chromium writes replies to its fd 4
        r_theirs, w_ours = os.pipe()  # and reads commands from its fd 3
        self.log = profile_dir / "chromium.log"
        args = [binary, *FLAGS, f"--user-data-dir={profile_dir}", f"--window-size={width},{height}",
                "--remote-debugging-pipe", "about:blank"]  # fmt: skip
        with open(self.log, "wb") as log, open(os.devnull, "rb") as null:
            # posix_spawn's dup2 places the pipe ends at 3 and 4 in the child only; Python's own
            # descriptors are close-on-exec, so nothing else leaks into the browser.
            self.pid = os.posix_spawn(
                binary,
                args,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, null.fileno(), 0),
                    (os.POSIX_SPAWN_DUP2, log.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, log.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, r_theirs, 3),
                    (os.POSIX_SPAWN_DUP2, w_theirs, 4),
                ],
            )
        os.close(r_theirs)
        os.close(w_theirs)
        self._out = os.fdopen(w_ours, "wb", buffering=0)
        self._in = os.fdopen(r_ours, "rb", buffering=0)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable", session=True)
        # A headless page never has window focus; without this, Tab and :focus-visible do nothing.
        self.send("Emulation.setFocusEmulationEnabled", session=True, enabled=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise BrowserError("no answer from Chromium in time")
            chunk = self._in.read(1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the pipe: " + self._stderr_tail())
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, session: bool = False, timeout: float = 30, **params) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self._out.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self.events.clear()
        self.send("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read_message(deadline))

    def evaluate(self, expression: str):
        """The value of a JS expression (awaited if it is a promise); a thrown error raises."""
        result = self.send(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"JS error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key: str) -> None:
        """A real key press (down and up) sent to the focused element, as a keyboard would."""
        codes = {"Tab": 9, "Enter": 13, "ArrowLeft": 37, "ArrowRight": 39, "Home": 36, "End": 35, "/": 191}
        for kind in ("rawKeyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent", session=True, type=kind, key=key, code=key,
                windowsVirtualKeyCode=codes[key],
            )  # fmt: skip

    def screenshot(self, dest: Path, full_page: bool = False) -> Path:
        params = {"format": "png", "captureBeyondViewport": full_page}
        data = self.send("Page.captureScreenshot", session=True, **params)["data"]
        dest.write_bytes(base64.b64decode(data))
        return dest

    def requests(self) -> list[str]:
        """Every URL the page asked for since it was opened."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def _stderr_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-800:]
        except OSError:
            return ""

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=5)
        deadline = time.monotonic() + 10
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.05)
        for f in (self._in, self._out):
            f.close()
