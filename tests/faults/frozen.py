"""Freezing a test's own PostgreSQL server (SIGSTOP), as a network partition or a stalled host
looks to the gateway: connections stay open and nothing answers. Never the shared server."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil


def _processes(pgdata: Path) -> list[psutil.Process]:
    postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


@contextmanager
def frozen(pgdata: Path) -> Iterator[None]:
    """The postmaster first (no new backends), then every backend; thawed in reverse."""
    stopped: list[psutil.Process] = []
    try:
        for process in _processes(pgdata):
            os.kill(process.pid, signal.SIGSTOP)
            stopped.append(process)
        yield
    finally:
        for process in reversed(stopped):
            os.kill(process.pid, signal.SIGCONT)
