"""A serving process's collector is set for a long-lived heap (hoks_gateway/heap.py): the app a
worker makes is frozen out of every collection, and young objects are collected less often."""

from __future__ import annotations

import subprocess
import sys

from hoks_gateway.heap import OLDER_THRESHOLDS, YOUNG_THRESHOLD

PROBE = """
import gc
from hoks_gateway.app import app_from_environment
before = gc.get_freeze_count()
app_from_environment()
print(before, gc.get_freeze_count(), *gc.get_threshold())
"""


def test_a_worker_freezes_its_app_and_raises_the_thresholds(database_url: str) -> None:
    # Run in a process of its own: the test process's collector stays as CPython sets it.
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"HOKS_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    before, after, *thresholds = (int(n) for n in done.stdout.split())
    assert before == 0
    # The schema, the libraries and the app are tens of thousands of objects.
    assert after > 10_000
    assert tuple(thresholds) == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
