"""The layout of the eHOKS JSON form as the model declares it, for walks over raw documents.

The codec walks documents that are not (or not yet) models: a document coming in, before it is
validated, to trim its plain strings; a stored one going out, to add the empty lists eHOKS's GET
always shows. Both need to know, at each key, what the model holds there; this reads it off the model
once per class, so the model stays the one description of a HOKS.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from hoks_gateway.hoks.document.formats import TRIMMED


@dataclass(frozen=True, slots=True)
class Key:
    """What the model holds under one eHOKS key."""

    model: type[BaseModel] | None
    """The model of the object there, or of each item of the list there."""
    trimmed: bool
    """A plain string, or a list of them, that eHOKS trims."""
    listed: bool
    """A list (of objects or of plain values)."""


@functools.cache
def keys(model: type[BaseModel]) -> dict[str, Key]:
    """The eHOKS keys of `model`'s objects, each with what it holds."""
    return {
        info.alias or name: Key(
            _nested_model(info.annotation), _is_trimmed(info.annotation), _is_list(info.annotation)
        )
        for name, info in model.model_fields.items()
    }


def _members(annotation: Any) -> list[Any]:
    """The annotation's alternatives, without None, lists and Annotated wrappers undone."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [m for a in get_args(annotation) if a is not type(None) for m in _members(a)]
    if origin is list:
        return _members(get_args(annotation)[0])
    return [annotation]


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_list(a) for a in get_args(annotation))
    return origin is list


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    for member in _members(annotation):
        core = get_args(member)[0] if get_origin(member) is Annotated else member
        if isinstance(core, type) and issubclass(core, BaseModel):
            return core
    return None


def _is_trimmed(annotation: Any) -> bool:
    return any(
        get_origin(member) is Annotated and TRIMMED in member.__metadata__ for member in _members(annotation)
    )
