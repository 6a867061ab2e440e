"""Edges: fields whose value comes through a per-request DataLoader (docs/ARCHITECTURE.md §4).

An edge is declared once, as data: which loader, the key it is asked for, and how the loaded
row becomes the field's value. From that one declaration come both the strawberry resolver that
graphql-core calls and what compiled execution (graphql/compiled/) reads to ask the loader once
for every object of a level, instead of awaiting one resolver per object.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import strawberry
from aiodataloader import DataLoader
from strawberry.types.field import StrawberryField

if TYPE_CHECKING:
    from hoks_gateway.graphql.context import Context

LOADED = "hoks_gateway.loaded"
"""The metadata key under which a strawberry field carries its Loaded."""

NOT_KEPT: Any = object()
"""What a Loaded's `peek` answers when the value is not at hand without loading it."""


@dataclass(frozen=True, slots=True)
class Loaded:
    loader: Callable[[Context], DataLoader[Any, Any]]
    key: Callable[[Any], Hashable | None]
    """The loader key of a source object; None: nothing to load, `then` gets None."""
    then: Callable[[Any, Any, Context], Any]
    """(source, loaded value or None, context) -> the field's value."""
    peek: Callable[[Context, Any], Any] | None = None
    """(context, key) -> the value when it is at hand without loading (a process-wide cache),
    else NOT_KEPT."""
    seldom_loads: bool = False
    """The key is None for nearly every source (e.g. only a plan read `asOf` a moment loads):
    compiled projection takes the field inline and falls back to the exact path when it loads."""
    shared: Callable[[Any, Context], Hashable | None] | None = None
    """(source, context) -> what identifies the field's completed value for every request on the
    same day, when nothing below it depends on the caller (None: this request's is its own):
    compiled execution may then answer it from graphql/compiled/shared.py."""

    async def resolve(self, source: Any, context: Context) -> Any:
        key = self.key(source)
        if key is None:
            return self.then(source, None, context)
        value = NOT_KEPT if self.peek is None else self.peek(context, key)
        if value is NOT_KEPT:
            value = await self.loader(context).load(key)
        return self.then(source, value, context)


def edge(loaded: Loaded, *, returns: Any, description: str) -> StrawberryField:
    """A strawberry field resolved through `loaded`, typed `returns`."""

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        return await loaded.resolve(root, info.context)

    resolve.__annotations__ = {"root": Any, "info": strawberry.Info, "return": returns}
    field: StrawberryField = strawberry.field(
        resolver=resolve, description=description, metadata={LOADED: loaded}
    )
    return field
