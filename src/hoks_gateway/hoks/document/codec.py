"""The eHOKS JSON form of a HOKS: reading it with every rule, storing it, giving it back.

The stored form is the eHOKS form itself (kebab-case keys, absent keys left out), so exporting a
stored plan needs no translation, and what was sent comes back as sent: equal in content, with
plain strings trimmed as eHOKS trims them, instants written as eHOKS writes them
(`2018-10-27T21:00:00.000Z`), a `module-id` on every part that has one in eHOKS, and, for manual
entry, generated yksilöivä tunnisteet.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from hoks_gateway.hoks.document import rules
from hoks_gateway.hoks.document.formats import ehoks_trim
from hoks_gateway.hoks.document.model import HoksDocument
from hoks_gateway.hoks.document.rules import Mode, RuleContext
from hoks_gateway.hoks.document.shape import Key, keys
from hoks_gateway.hoks.document.study_right import StudyRightFacts
from hoks_gateway.hoks.document.violations import (
    DocumentInvalid,
    Violation,
    from_validation_error,
    ordered,
    path_of,
)


def parse_ehoks(
    document: object,
    *,
    mode: Mode,
    manual: bool,
    study_right: StudyRightFacts | None,
    today: dt.date,
    enforce_first_approval_legislation: bool = False,
    learner_registered: bool | None = None,
    new_module_id: Callable[[], uuid.UUID | str] | None = None,
    plan_id: int | None = None,
) -> HoksDocument:
    """Validate an eHOKS document completely and return it as a model.

    Raises DocumentInvalid listing every violation: formats and keys, the write mode's
    required and read-only fields, and the cross-field and study-right rules. With `manual`
    (staff manual entry) a missing yksilöivä tunniste is accepted and filled with a fresh UUID
    on every osaamisen hankkimistapa, as eHOKS does. `today` anchors the date rules.
    `enforce_first_approval_legislation` turns on the API rule that a first approval before
    2018 needs a study right that started before 2018; it is off by default because eHOKS's own
    example documents, with the study rights its development setup gives them, break it.
    `learner_registered` (whether the document's oppija-oid is a registered learner) lets a
    learner other than the study right's be refused as eHOKS words it. With `new_module_id`
    (create and replace) every part gets a new module-id from it (`with_module_ids`). `plan_id`
    (update and replace) is the plan the write names; an `id` in the document must be that one.
    """
    if not isinstance(document, Mapping):
        raise DocumentInvalid([Violation("", "The HOKS document must be a JSON object.", "type")])
    cleaner = _Cleaner()
    cleaned = cleaner.value(document, HoksDocument, False, ())
    assert isinstance(cleaned, dict)
    nulls = set(cleaner.nulls)
    violations = [
        Violation(path, "Must not be null; leave the key out instead.", "null-not-allowed")
        for path in cleaner.nulls
    ]
    context = RuleContext(
        mode=mode,
        manual=manual,
        study_right=study_right,
        today=today,
        enforce_first_approval_legislation=enforce_first_approval_legislation,
        learner_registered=learner_registered,
        plan_id=plan_id,
    )
    # The rules read what was sent (a module-id sent is refused); the model gets what is stored.
    violations.extend(rules.check(cleaned, context))
    if new_module_id is random_module_id:
        # All of a plan's ids from one draw: os.urandom per id was a system call per part.
        for part, module_id in zip(cleaner.parts, random_module_ids(len(cleaner.parts)), strict=True):
            part["module-id"] = module_id
    elif new_module_id is not None:
        for part in cleaner.parts:
            part["module-id"] = str(new_module_id())
    parsed: HoksDocument | None = None
    try:
        parsed = HoksDocument.model_validate(cleaned)
    except ValidationError as error:
        violations.extend(from_validation_error(error))
    # A null required key was reported as null already; "required" would say the same again.
    violations = [v for v in violations if not (v.rule == "required" and v.path in nulls)]
    if violations or parsed is None:
        raise DocumentInvalid(ordered(violations))
    if manual:
        _fill_identifiers(parsed)
    return parsed


def load_stored(stored: Mapping[str, Any]) -> HoksDocument:
    """The model of a document the gateway stored itself: trusted, so no rules are run."""
    return HoksDocument.model_validate(stored)


def load_stored_json(stored: str | bytes) -> HoksDocument:
    """load_stored from the stored JSON text (`document::text`): pydantic-core parses the text
    straight into the model, without building the dicts first (~25 % less per plan)."""
    return HoksDocument.model_validate_json(stored)


def to_storage(document: HoksDocument) -> dict[str, Any]:
    """The JSON value to store (the eHOKS form, see the module docstring)."""
    return document.model_dump(mode="json", by_alias=True, exclude_none=True)


def to_ehoks(document: HoksDocument) -> dict[str, Any]:
    """The eHOKS transfer form of the document."""
    return to_storage(document)


# eHOKS's GET shows this object on every previously acquired part (and AHYTO osa-alue), sent
# or not: its row is LEFT JOINed, and a missing row reads as an object with no arvioijat
# (docs/reference/ehoks-backend.md §1.8).
_OBJECTS_GET_SHOWS = frozenset({"tarkentavat-tiedot-osaamisen-arvioija"})


def to_ehoks_get(document: HoksDocument) -> dict[str, Any]:
    """The document as eHOKS's GET returns it (docs/reference/ehoks-backend.md §1.8): the
    transfer form with every list present, empty ones as `[]` (eHOKS reads each from a table,
    so a list with no rows is an empty array, never a missing key), and the assessment details
    of previously acquired parts always there. The module-ids are in the stored form already.
    """
    exported = to_storage(document)
    _with_get_lists(exported, HoksDocument)
    return exported


def _with_get_lists(value: object, model: type[BaseModel]) -> None:
    if isinstance(value, list):
        for item in value:
            _with_get_lists(item, model)
        return
    if not isinstance(value, dict):
        return
    for key, held in keys(model).items():
        if key not in value:
            if held.listed:
                value[key] = []
            elif key in _OBJECTS_GET_SHOWS:
                value[key] = {}
        if held.model is not None and key in value:
            _with_get_lists(value[key], held.model)


def with_module_ids(document: dict[str, Any], new_id: Callable[[], uuid.UUID | str] = uuid.uuid4) -> None:
    """Give every part of `document` (an eHOKS-form dict) that eHOKS identifies by a `module-id`
    a new one, in place.

    eHOKS's database generates the module-id of every part row it inserts, and a PUT inserts
    them all anew (docs/reference/ehoks-backend.md §1.2, §6.5): creating and replacing a plan
    give new ones, a PATCH (which cannot touch parts) keeps them.
    """
    _with_module_ids(document, HoksDocument, new_id)


def _with_module_ids(value: object, model: type[BaseModel], new_id: Callable[[], uuid.UUID | str]) -> None:
    if isinstance(value, list):
        for item in value:
            _with_module_ids(item, model, new_id)
        return
    if not isinstance(value, dict):
        return
    layout = keys(model)
    if _MODULE_ID in layout:
        value[_MODULE_ID] = str(new_id())
    for key, item in value.items():
        held = layout.get(key)
        if held is not None and held.model is not None:
            _with_module_ids(item, held.model, new_id)


# Each byte of a UUID's version (6th) and variant (8th) position, as a version 4 UUID has it.
_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))
_RFC_4122 = bytes(b & 0x3F | 0x80 for b in range(256))


def random_module_ids(count: int) -> list[str]:
    """`count` new random (version 4) UUIDs as text, as `str(uuid.uuid4())` gives them, from one
    draw of random bytes and one hex encoding."""
    drawn = bytearray(os.urandom(16 * count))
    drawn[6::16] = drawn[6::16].translate(_VERSION_4)
    drawn[8::16] = drawn[8::16].translate(_RFC_4122)
    hexed = drawn.hex()
    return [
        f"{hexed[at : at + 8]}-{hexed[at + 8 : at + 12]}-{hexed[at + 12 : at + 16]}-"
        f"{hexed[at + 16 : at + 20]}-{hexed[at + 20 : at + 32]}"
        for at in range(0, 32 * count, 32)
    ]


def random_module_id() -> str:
    """A new random (version 4) UUID as text, as `str(uuid.uuid4())` gives it but at half the
    cost: a plan of eHOKS's example size has some 45 parts, each given one on every write."""
    return random_module_ids(1)[0]


def _fill_identifiers(document: HoksDocument) -> None:
    for method in document.acquisition_methods():
        if method.identifier is None:
            method.identifier = str(uuid.uuid4())


_MODULE_ID = "module-id"
_NO_KEYS: dict[str, Key] = {}
_SCALARS = frozenset({int, float, bool})


_Where = tuple[object, str | int] | tuple[()]
"""Where a value is, as (where its parent is, its key or index): a path is spelled out only for
the rare null, not built for every value walked."""


def _loc(where: _Where) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    while where:
        where, part = where  # type: ignore[assignment]
        parts.append(part)
    return tuple(reversed(parts))


class _Cleaner:
    """`value` as eHOKS reads it before checking it: one walk that also notes the paths of the
    nulls it left out and the parts that take a module-id.

    Keys whose value is null are left out: eHOKS leaves nulls out of what it returns and rejects
    them in what it receives, so PATCH cannot clear a field by sending null. Plain strings are
    trimmed (formats.py). Whatever does not fit the model is left as it is, for the model's
    validation to report. Every object is a new dict, so the caller's document is never changed.
    """

    __slots__ = ("nulls", "parts")

    def __init__(self) -> None:
        self.nulls: list[str] = []
        self.parts: list[dict[object, object]] = []
        """Each object of a model with a module-id, parents before their parts (the order in
        which with_module_ids gives them theirs)."""

    def value(self, value: object, model: type[BaseModel] | None, trimmed: bool, where: _Where) -> object:
        # JSON gives dicts, lists, strings and numbers: their exact types first, then anything
        # else by the abstract checks the types stand for.
        kind = type(value)
        if kind is str:
            return ehoks_trim(value) if trimmed else value  # type: ignore[arg-type]
        if kind in _SCALARS:
            return value
        if kind is dict or (kind is not list and isinstance(value, Mapping)):
            return self._object(value, model, where)  # type: ignore[arg-type]
        if isinstance(value, list):
            return [self.value(item, model, trimmed, (where, index)) for index, item in enumerate(value)]
        if trimmed and isinstance(value, str):
            return ehoks_trim(value)
        return value

    def _object(
        self, value: Mapping[object, object], model: type[BaseModel] | None, where: _Where
    ) -> dict[object, object]:
        layout = keys(model) if model is not None else _NO_KEYS
        kept: dict[object, object] = {}
        if _MODULE_ID in layout:
            self.parts.append(kept)
        for key, item in value.items():
            if item is None:
                self.nulls.append(path_of((*_loc(where), key if isinstance(key, str) else str(key))))
                continue
            kind = type(item)
            if kind is str:
                held = layout.get(key) if isinstance(key, str) else None
                kept[key] = ehoks_trim(item) if held is not None and held.trimmed else item  # type: ignore[arg-type]
            elif kind in _SCALARS:
                kept[key] = item
            else:
                named = key if isinstance(key, str) else None
                held = layout.get(named) if named is not None else None
                kept[key] = self.value(
                    item,
                    held.model if held else None,
                    held.trimmed if held else False,
                    (where, str(key) if named is None else named),
                )
        return kept
