"""Relay connections over keyset (seek) pagination.

A cursor is the sort key of the row it points at plus a unique tiebreak, so the next page is
"rows after this key" (`WHERE (key, oid) > (…)`), answered from an index however deep the page,
and a row inserted or deleted elsewhere never shifts a page by one (offsets would skip or repeat
rows). Cursors are sealed by the server (graphql/cursors.py) for the caller's principal kind and
the keyset's name, which names the list and its ordering: a cursor from one list or ordering is
refused by another, and none can be forged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from sqlalchemy import ColumnElement, tuple_
from sqlalchemy.orm import QueryableAttribute

from hoks_gateway.errors import BadUserInput
from hoks_gateway.graphql.cursors import Cursors

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

Column = ColumnElement[Any] | QueryableAttribute[Any]
NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


@strawberry.type(description="Relay PageInfo: where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow `endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="Rows precede this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first row of this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last row: pass it as `after`.")


@strawberry.type(description="One row of a connection and the cursor that points at it.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` for the rows after this one."
    )
    node: NodeT = strawberry.field(description="The row.")


Count = Callable[[], Awaitable[int]]


@strawberry.type(description="Paging state and size of a list; the connections below extend it.")
class Paging:
    page_info: PageInfo = strawberry.field(description="Paging state.")
    count: strawberry.Private[Count]

    @strawberry.field(description="How many rows the whole list has, within what the caller may see.")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type(description="A page of a list (Relay connection) with the size of the whole list.")
class Connection(Paging, Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The rows of this page with their cursors.")

    @strawberry.field(description="The rows of this page (the edges' nodes).")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    return first


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class Keyset:
    """An ordering by some columns (all in one direction), the last one unique."""

    name: str
    """The list and its ordering (e.g. `hokses.UPDATED_ASC`): a cursor is good for this name only."""
    columns: tuple[Column, ...]
    parsers: tuple[Callable[[Any], Any], ...]
    """How each key value comes back from a cursor's JSON (e.g. dt.date.fromisoformat)."""
    descending: bool = False

    def order_by(self) -> list[Any]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, cursor: str | None, cursors: Cursors) -> ColumnElement[bool] | None:
        """The rows after `cursor`: one row-value comparison, which a composite index serves."""
        if cursor is None:
            return None
        values = self.decode(cursor, cursors)
        key, bound = tuple_(*self.columns), tuple_(*values)
        return key < bound if self.descending else key > bound

    def encode(self, values: Sequence[Any], cursors: Cursors) -> str:
        return cursors.issue(self.name, [_json_value(v) for v in values])

    def decode(self, cursor: str, cursors: Cursors) -> list[Any]:
        values = cursors.read(self.name, cursor)
        try:
            return [parse(v) for parse, v in zip(self.parsers, values, strict=True)]
        except (ValueError, TypeError):
            # Sealed by this server for this name, so only a change of the key's form gets here.
            raise BadUserInput(
                "`after` is a cursor of an earlier form of this list: start again from the first page."
            ) from None


def connection(
    rows: Sequence[RowT],
    limit: int,
    *,
    after: str | None,
    key: Callable[[RowT], Sequence[Any]],
    keyset: Keyset,
    cursors: Cursors,
    node: Callable[[RowT], NodeT],
    count: Count,
) -> Connection[NodeT]:
    """The connection of a page fetched with LIMIT limit + 1 (the extra row says a next page exists)."""
    edges = [Edge(cursor=keyset.encode(key(row), cursors), node=node(row)) for row in rows[:limit]]
    return Connection(
        page_info=page_info(edges, has_next=len(rows) > limit, after=after), count=count, edges=edges
    )


class _Cursored(Protocol):
    @property
    def cursor(self) -> str: ...


def page_info(edges: Sequence[_Cursored], *, has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
