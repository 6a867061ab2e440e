"""A one-line progress display on stderr, redrawn in place, for the long phases of a seed."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

_WIDTH = 28
_REDRAW_EVERY_S = 0.2


class Progress:
    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr

    def phase(self, label: str, total: int) -> Phase:
        return Phase(self, label, total)

    def note(self, text: str) -> None:
        if self.enabled:
            print(text, file=self.stream, flush=True)


class Phase:
    def __init__(self, progress: Progress, label: str, total: int) -> None:
        self._progress = progress
        self._label = label
        self._total = max(total, 1)
        self._done = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def __enter__(self) -> Phase:
        self._draw()
        return self

    def advance(self, count: int) -> None:
        self._done += count
        if time.monotonic() - self._drawn >= _REDRAW_EVERY_S:
            self._draw()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._draw()
        if self._progress.enabled:
            print(file=self._progress.stream, flush=True)

    def _draw(self) -> None:
        if not self._progress.enabled:
            return
        self._drawn = time.monotonic()
        # Some totals are estimates made before generating; never show more than 100 %.
        total = max(self._total, self._done)
        fraction = self._done / total
        filled = round(fraction * _WIDTH)
        elapsed = self._drawn - self._started
        rate = self._done / elapsed if elapsed > 0 else 0.0
        line = (
            f"\r{self._label:<24} [{'#' * filled}{'.' * (_WIDTH - filled)}] {fraction:6.1%} "
            f"{self._done:>9,}/{total:,}  {rate:,.0f}/s  {elapsed:5.1f}s"
        )
        self._progress.stream.write(line)
        self._progress.stream.flush()
