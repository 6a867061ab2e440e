"""Which eHOKS paths a write changed, for the revision history.

Paths are written as violations write them (hoks/document/violations.py):
`hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[1].loppu`. A value that appears or
disappears as a whole (a key, a list element) is one path, not one per leaf below it, so adding a
tutkinnon osa reads as `hankittavat-ammat-tutkinnon-osat[3]`. Lists are compared by position, as
eHOKS itself stores parts: a part inserted at the front shifts every later index.

Paths ending in `module-id` are left out, as in eHOKS's audit log (docs/reference/ehoks-backend.md
§6.4): a replace gives every part a new one, which is not a change of content. An empty list (or
an object holding nothing but empty ones) is no content either: eHOKS's GET shows `[]` for every
list it has no rows for (§1.8), so a plan PUT back as it was read, with those `[]`s, is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_MODULE_ID = "module-id"


def changed_paths(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """The paths whose values differ between two eHOKS documents, in document order."""
    if before is None:
        return list(after)
    return list(_diff(before, after, ""))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _empty(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_empty(item) for item in value.values())
    return isinstance(value, list) and not value


def _diff(before: Any, after: Any, path: str) -> Iterator[str]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in after:
            if key == _MODULE_ID:
                continue
            if key not in before:
                if not _empty(after[key]):
                    yield _join(path, key)
            else:
                yield from _diff(before[key], after[key], _join(path, key))
        for key in before:
            if key not in after and key != _MODULE_ID and not _empty(before[key]):
                yield _join(path, key)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            here = f"{path}[{index}]"
            if index >= len(before) or index >= len(after):
                yield here
            else:
                yield from _diff(before[index], after[index], here)
    elif before != after or isinstance(before, bool) is not isinstance(after, bool):
        # JSON numbers compare by value (10 and 10.0 are one number), but true is not 1.
        yield path
