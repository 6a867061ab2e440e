"""What analysts see of a plan's document (docs/analyst-view.md), in one table, applied once.

The table names, per model class of the document (hoks/document/model.py), the fields whose
values identify a person or a study right and the kind of pseudonym each gets
(authz/pseudonyms.py). A field is looked up along its class's bases, so a field that a mixin
declares is named once, on the mixin. Fields that hold parts are walked into.

It is applied where the request's documents are loaded (graphql/context.py), before anything
reads them: the typed fields in both executors (graphql-core's and graphql/compiled/), the
`ehoksDocument` export and every revision's document show the same view.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from hoks_gateway.authz.pseudonyms import Identifier, Pseudonymiser
from hoks_gateway.hoks.document import model as m

PSEUDONYMISED: Mapping[type[BaseModel], Mapping[str, Identifier]] = {
    m.HoksDocument: {
        "eid": Identifier.EID,
        "learner_oid": Identifier.LEARNER,
        "study_right_oid": Identifier.STUDY_RIGHT,
        "tuva_study_right_oid": Identifier.STUDY_RIGHT,
    },
    m.AcquisitionMethod: {"identifier": Identifier.PERIOD},
    m.WorkplaceTraining: {"workplace_y_tunnus": Identifier.Y_TUNNUS},
    m.DemonstrationEnvironment: {"y_tunnus": Identifier.Y_TUNNUS},
    m.WorkingLifeOrganisation: {"y_tunnus": Identifier.Y_TUNNUS},
}

_WALK = "walk"
Treatment = Identifier | str | None
"""A pseudonym's kind, _WALK into parts, or None: shown as it is."""


def _holds_parts(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list):
        return any(_holds_parts(arg) for arg in get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _declared(model: type[BaseModel], name: str) -> Identifier | None:
    for base in model.__mro__:
        kind = PSEUDONYMISED.get(base, {}).get(name)
        if kind is not None:
            return kind
    return None


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, Treatment], ...]:
    """The fields of `model` the view changes or walks into, and how."""
    found: list[tuple[str, Treatment]] = []
    for name, info in model.model_fields.items():
        if _holds_parts(info.annotation):
            found.append((name, _WALK))
        elif (kind := _declared(model, name)) is not None:
            found.append((name, kind))
    return tuple(found)


def _viewed(model: BaseModel, pseudonyms: Pseudonymiser) -> BaseModel:
    updates: dict[str, Any] = {}
    for name, treatment in _plan(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        if treatment == _WALK:
            if isinstance(value, list):
                items = [_viewed(item, pseudonyms) for item in value]
                if any(new is not old for new, old in zip(items, value, strict=True)):
                    updates[name] = items
            elif (viewed := _viewed(value, pseudonyms)) is not value:
                updates[name] = viewed
        elif isinstance(treatment, Identifier):
            updates[name] = pseudonyms.pseudonym(treatment, str(value))
    # A copy: the document itself may be the process's cached one (hoks/repository.py).
    return model.model_copy(update=updates) if updates else model


def analyst_view(document: m.HoksDocument, pseudonyms: Pseudonymiser) -> m.HoksDocument:
    """The document as analysts see it."""
    viewed = _viewed(document, pseudonyms)
    assert isinstance(viewed, m.HoksDocument)
    return viewed
