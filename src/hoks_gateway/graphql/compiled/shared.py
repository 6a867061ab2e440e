"""Completed values shared between requests: a plan's content, answered as JSON once per revision.

A plan's content is most of every plan view (a whole plan is ~460 fields), and it is the same for
every caller who may see the plan, at one revision, on one day: its parts come from the stored
document, their statuses from the day, their organisations' names from the process's organisation
cache. Completing it again for every request was a quarter of the plan views' CPU. So a field
whose edge says so (`Loaded.shared`) is completed once and its value kept as the JSON orjson
writes for it (`orjson.Fragment`: the answer embeds the bytes as they are), keyed by the field's
plan in the operation, the loaded key (plan id and revision) and the day
(docs/performance.md, "Shared content").

- Only a completion that was whole is kept: no field error, nothing left for a later level.
- An entry is kept no longer than the organisation entries it names (organisations/cache.py,
  `watched_until`): a renamed organisation shows in plan content exactly when it shows elsewhere.
- The map is bounded by the bytes it holds (HOKS_SHARED_CONTENT_BYTES), least recently used first
  out. Bytes are not containers: the garbage collector never scans them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import orjson


class SharedAnswers:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Hashable, tuple[float, orjson.Fragment, int]] = OrderedDict()
        self._bytes = 0

    @property
    def size(self) -> int:
        """Bytes of JSON held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable, now: float) -> orjson.Fragment | None:
        """The JSON kept for `key`, unless it has aged out by `now`."""
        entry = self._kept.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            self._drop(key)
            return None
        self._kept.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, value: Any, until: float) -> orjson.Fragment:
        """Keep `value` as its JSON until `until`; the fragment to answer with in its place."""
        encoded = orjson.dumps(value)
        fragment = orjson.Fragment(encoded)
        if len(encoded) > self.max_bytes:
            return fragment
        if key in self._kept:
            self._drop(key)
        self._kept[key] = (until, fragment, len(encoded))
        self._bytes += len(encoded)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._kept)))
        return fragment

    def _drop(self, key: Hashable) -> None:
        _, _, size = self._kept.pop(key)
        self._bytes -= size
