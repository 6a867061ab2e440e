"""Violations of the document rules, and the one error that carries all of them.

A path names the offending place in the document's own eHOKS keys, with list indices in
brackets: `hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[1].yksiloiva-tunniste`.
The empty path is the document itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hoks_gateway.errors import BadUserInput

Loc = Sequence[str | int]


@dataclass(frozen=True, slots=True)
class Violation:
    path: str
    message: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class DocumentInvalid(BadUserInput):
    """The HOKS document breaks one or more rules; `violations` lists every one of them."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        count = len(self.violations)
        super().__init__(
            f"The HOKS document is invalid: {count} violation{'' if count == 1 else 's'}.",
            violations=[v.as_dict() for v in self.violations],
        )


def path_of(loc: Loc) -> str:
    """`("a", 0, "b")` as `a[0].b`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


# Pydantic's own error types, as rule names; our formats raise errors whose type is the rule name.
_BUILTIN_RULES = {
    "missing": "required",
    "extra_forbidden": "disallowed-key",
    "uuid_parsing": "uuid-format",
    "uuid_type": "uuid-format",
    "uuid_version": "uuid-format",
}

_TYPE_MESSAGES = {
    "model_type": "Must be an object.",
    "model_attributes_type": "Must be an object.",
    "dict_type": "Must be an object.",
    "list_type": "Must be an array.",
    "string_type": "Must be a string.",
    "bool_type": "Must be true or false.",
}


def _violation(error: ErrorDetails) -> Violation:
    kind = error["type"]
    path = path_of(error["loc"])
    if kind == "missing":
        return Violation(path, "Required.", "required")
    if kind == "extra_forbidden":
        return Violation(path, "This key is not allowed here.", "disallowed-key")
    rule = _BUILTIN_RULES.get(kind)
    if rule is None:
        rule = "type" if kind.endswith("_type") or kind in _TYPE_MESSAGES else kind
    return Violation(path, _TYPE_MESSAGES.get(kind, error["msg"]), rule)


def from_validation_error(error: ValidationError) -> list[Violation]:
    return [_violation(e) for e in error.errors(include_url=False, include_input=False)]


def ordered(violations: Iterable[Violation]) -> list[Violation]:
    """Without duplicates, sorted by path (list indices numerically), so reports are stable."""
    unique = list(dict.fromkeys(violations))
    return sorted(unique, key=lambda v: _sort_key(v.path))


def _sort_key(path: str) -> tuple[tuple[int, int | str], ...]:
    key: list[tuple[int, int | str]] = []
    for segment in path.replace("[", ".[").split("."):
        if segment.startswith("["):
            key.append((0, int(segment[1:-1])))
        elif segment:
            key.append((1, segment))
    return tuple(key)
