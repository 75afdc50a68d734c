"""Progress on stderr for report steps that take more than a second.

Quick steps stay silent; a step still running after ``after`` seconds
announces itself and then reports how long it took, so a long report never
looks stuck and a short one does not scroll noise.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

__all__ = ["Progress"]


class Progress:
    """Announce steps on ``stream`` once they have run longer than ``after`` seconds."""

    def __init__(self, *, enabled: bool = True, after: float = 1.0, stream=None):
        self.enabled = enabled
        self.after = after
        self.stream = stream if stream is not None else sys.stderr
        self.announced: list[str] = []
        self._lock = threading.Lock()

    def _say(self, message: str) -> None:
        with self._lock:
            print(message, file=self.stream, flush=True)

    @contextmanager
    def step(self, name: str):
        if not self.enabled:
            yield
            return
        started = time.perf_counter()
        shown = threading.Event()

        def announce():
            shown.set()
            self.announced.append(name)
            self._say(f"[report] {name} ...")

        timer = threading.Timer(self.after, announce)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            if shown.is_set():
                self._say(f"[report] {name}: done in {time.perf_counter() - started:.1f} s")
