"""GraphQL types for every part of a HOKS, derived from the document model.

The pydantic model (hoks/document/model.py) is the one description of a HOKS; writing the same
forty types again by hand for GraphQL would let the two drift. Each model class becomes an output
type of the same name (resolved straight from the stored model, no SQL per part) and an input
type `<Name>Input` for transfers, carrying the model's descriptions, which name the eHOKS terms.

Analysts see a view of the plan (hoks/analyst_view.py): the fields it leaves out are nullable
here whatever the model says, and say so in their descriptions, as do the fields they see as
pseudonyms.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.hoks import analyst_view
from hoks_gateway.hoks.document import formats
from hoks_gateway.hoks.document import model as m
from hoks_gateway.hoks.document.status import PartStatus, part_status

GraphQLPartStatus = strawberry.enum(
    PartStatus, description="Tila: where a competence to acquire stands, as the eHOKS views show it."
)

# Filled by the server, never sent in a transfer.
SERVER_FILLED = frozenset({"id", "eid", "module_id", "manual_entry", "deleted_at"})

# Parts whose status the views show (a common unit's status lives on its osa-alueet).
WITH_STATUS: tuple[type[BaseModel], ...] = (
    m.VocationalUnitToAcquire,
    m.LocalUnitToAcquire,
    m.CommonUnitAreaToAcquire,
    m.TuvaCoursePart,
)

_SCALARS: dict[Any, Any] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    dt.date: dt.date,
    dt.datetime: dt.datetime,
    uuid.UUID: uuid.UUID,
}

Today = Callable[[strawberry.Info], dt.date]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Annotated metadata, and whether None is allowed."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members = get_args(annotation)
        present = [a for a in members if a is not type(None)]
        optional = len(present) < len(members)
        if len(present) == 1:
            inner, inner_optional = _unwrap(present[0])
            return inner, optional or inner_optional
        if set(present) <= {int, float}:
            return float, optional
    return annotation, False


OrganisationEdge = Callable[[Callable[[Any], str | None], str], StrawberryField]
"""(how a part's organisation OID is read, description) -> the field reaching that organisation
(organisation data is public)."""


def _names_an_organisation(annotation: Any) -> bool:
    members = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    return any(member == formats.OrganisationOid for member in members)


class _Builder:
    """Builds (and remembers) one output and one input type per model class."""

    def __init__(self, today: Today, organisation: OrganisationEdge) -> None:
        self._today = today
        self._organisation = organisation
        self._outputs: dict[type[BaseModel], Any] = {}
        self._inputs: dict[tuple[type[BaseModel], bool], Any] = {}

    def graphql_type(self, annotation: Any, *, for_input: bool) -> tuple[Any, bool]:
        core, optional = _unwrap(annotation)
        if get_origin(core) is list:
            item, _ = self.graphql_type(get_args(core)[0], for_input=for_input)
            return list[item], optional  # type: ignore[valid-type]
        if isinstance(core, type) and issubclass(core, BaseModel):
            return (self.input(core) if for_input else self.output(core)), optional
        if core in _SCALARS:
            return _SCALARS[core], optional
        raise TypeError(f"no GraphQL type for {annotation!r}")

    def output(self, model: type[BaseModel]) -> Any:
        if model not in self._outputs:
            annotations: dict[str, Any] = {}
            namespace: dict[str, Any] = {"__annotations__": annotations, "__doc__": model.__doc__}
            for name, info in model.model_fields.items():
                graphql, optional = self.graphql_type(info.annotation, for_input=False)
                withheld = analyst_view.treatment(model, name) is analyst_view.Treatment.NULL
                annotations[name] = graphql | None if optional or withheld else graphql
                namespace[name] = strawberry.field(description=described(model, name))
                if name.endswith("_oid") and _names_an_organisation(info.annotation):
                    namespace[name.removesuffix("_oid")] = self._organisation_field(name, info)
            if model in WITH_STATUS:
                namespace["status"] = self._status_field()
            cls = type(model.__name__, (), namespace)
            self._outputs[model] = strawberry.type(cls, description=_describe(model))
        return self._outputs[model]

    def input(
        self,
        model: type[BaseModel],
        *,
        name: str | None = None,
        description: str | None = None,
        top_level_only: bool = False,
    ) -> Any:
        """The input type of `model` (named `<Model>Input` unless `name` is given), built once;
        `top_level_only` leaves out the fields that hold parts (nested objects and lists)."""
        key = (model, top_level_only)
        if key not in self._inputs:
            annotations: dict[str, Any] = {}
            namespace: dict[str, Any] = {"__annotations__": annotations}
            # Required fields first: dataclass fields without a default must precede the rest.
            fields = sorted(model.model_fields.items(), key=lambda item: not item[1].is_required())
            for field_name, info in fields:
                if field_name in SERVER_FILLED:
                    continue
                graphql, optional = self.graphql_type(info.annotation, for_input=True)
                if top_level_only and (get_origin(graphql) is list or graphql not in _SCALARS.values()):
                    continue
                if optional or not info.is_required():
                    annotations[field_name] = graphql | None
                    namespace[field_name] = strawberry.field(default=None, description=info.description)
                else:
                    annotations[field_name] = graphql
                    namespace[field_name] = strawberry.field(description=info.description)
            cls = type(name or f"{model.__name__}Input", (), namespace)
            self._inputs[key] = strawberry.input(cls, description=description or _describe(model))
        return self._inputs[key]

    def _organisation_field(self, oid_name: str, info: FieldInfo) -> StrawberryField:
        return self._organisation(
            operator.attrgetter(oid_name),
            f"The organisation `{info.alias}` names, with its names (the views show names, not OIDs).",
        )

    def _status_field(self) -> StrawberryField:
        today = self._today

        def status(root: Any, info: strawberry.Info) -> Any:
            return part_status(root, today(info))

        status.__annotations__["return"] = GraphQLPartStatus
        field: StrawberryField = strawberry.field(
            resolver=status,
            description="Tila: planned, scheduled or completed, computed from the part's dates as the "
            "eHOKS views do (a demonstration counts as over 14 days after it ended).",
        )
        return field


def _describe(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or model.__name__).split())


def described(model: type[BaseModel], name: str) -> str:
    """The field's description, with what analysts see of it (docs/analyst-view.md)."""
    description = model.model_fields[name].description or name
    applied = analyst_view.treatment(model, name)
    if applied is analyst_view.Treatment.NULL:
        return f"{description} Null for analysts."
    if isinstance(applied, Identifier):
        return f"{description} A stable pseudonym for analysts."
    return description


def to_ehoks(value: Any, model: type[BaseModel]) -> dict[str, Any]:
    """A generated input object as an eHOKS document (aliases as keys), for parse_ehoks."""
    document: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        field_value = getattr(value, name, None)
        if field_value is None or field_value is strawberry.UNSET:
            continue
        document[info.alias or name] = _ehoks_value(field_value, info.annotation)
    return document


def _ehoks_value(value: Any, annotation: Any) -> Any:
    core, _ = _unwrap(annotation)
    if isinstance(value, list):
        item = get_args(core)[0] if get_origin(core) is list else Any
        return [_ehoks_value(v, item) for v in value]
    if isinstance(core, type) and issubclass(core, BaseModel):
        return to_ehoks(value, core)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    return value


def from_input(value: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """A generated input type's GraphQL input value (GraphQL field names, values as graphql-core
    coerced them) straight to an eHOKS document, for input types that set it as their
    `from_input`: building the nested input objects first and walking them again (to_ehoks)
    costs several times more on a full plan than the rest of its validation."""
    fields = _graphql_fields(model)
    document: dict[str, Any] = {}
    for key, field_value in value.items():
        if field_value is None or field_value is strawberry.UNSET:
            continue
        alias, nested = fields[key]
        document[alias] = _from_input_value(field_value, nested)
    return document


def _from_input_value(value: Any, nested: type[BaseModel] | None) -> Any:
    if isinstance(value, list):
        return [_from_input_value(v, nested) for v in value]
    if nested is not None and isinstance(value, Mapping):
        return from_input(value, nested)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    return value


@functools.cache
def _graphql_fields(model: type[BaseModel]) -> dict[str, tuple[str, type[BaseModel] | None]]:
    """GraphQL field name -> (eHOKS key, the model of its nested objects, if any)."""
    found: dict[str, tuple[str, type[BaseModel] | None]] = {}
    for name, info in model.model_fields.items():
        core, _ = _unwrap(info.annotation)
        if get_origin(core) is list:
            core, _ = _unwrap(get_args(core)[0])
        nested = core if isinstance(core, type) and issubclass(core, BaseModel) else None
        found[to_camel_case(name)] = (info.alias or name, nested)
    return found


def input_variables(document: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """An eHOKS document (kebab-case keys) as the value of a generated input type in GraphQL
    variables (camelCase field names): the inverse of `to_ehoks`, for clients and tests."""
    by_alias = {info.alias or name: (name, info) for name, info in model.model_fields.items()}
    variables: dict[str, Any] = {}
    for key, value in document.items():
        name, info = by_alias[key]
        variables[to_camel_case(name)] = _variable_value(value, info.annotation)
    return variables


def _variable_value(value: Any, annotation: Any) -> Any:
    core, _ = _unwrap(annotation)
    if isinstance(value, list):
        item = get_args(core)[0] if get_origin(core) is list else Any
        return [_variable_value(v, item) for v in value]
    if isinstance(value, dict) and isinstance(core, type) and issubclass(core, BaseModel):
        return input_variables(value, core)
    return value


def build(today: Today, organisation: OrganisationEdge) -> _Builder:
    return _Builder(today, organisation)


__all__ = [
    "SERVER_FILLED",
    "GraphQLPartStatus",
    "OrganisationEdge",
    "build",
    "input_variables",
    "to_ehoks",
    "typing",
]
