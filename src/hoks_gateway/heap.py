"""The serving process's garbage collector, set for a heap that is mostly long-lived.

A gateway process holds a large heap that lives as long as it does: the GraphQL schema and the
libraries' modules, compiled plans and statements, parsed plans by revision. CPython's default
collector scanned all of it again and again: under load a full collection took about half a
second and ran every few seconds, and the collections together cost a fifth to a third of the
CPU of a request (docs/performance.md, "Garbage collection"). So a serving process, once its app
is made, moves everything it holds to the permanent generation (never scanned; still freed by
reference counting) and collects the young generation only after 20,000 new container objects
instead of 700, which lets most of a request's objects die by reference count before any scan.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000
"""New container objects between collections of the youngest generation (CPython's default: 700)."""
OLDER_THRESHOLDS = (50, 100)


def settle() -> None:
    """Collect once, then freeze what is left and raise the thresholds (call once the app is made)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
