"""A view read's statement: each level of the view one CTE with its own WHERE (the caller's scope
predicate as that level's loader has it), LEFT JOINed to the level above, so a row the caller may
not see is NULL, as its loader would have found nothing (hoks/plan_view.py, learners/learner_view.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import CTE, ColumnElement, Select, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

if TYPE_CHECKING:
    import asyncpg

    from hoks_gateway.audit.folded import Fold
    from hoks_gateway.authz.scope import Scope
    from hoks_gateway.db.reads import Reads


def keyed(column: Any, name: str, type_: TypeEngine[Any], single: bool) -> ColumnElement[bool]:
    """`column` equal to the parameter `name`: one value when `single`, else any of an array.

    A view's root is nearly always one plan or one learner, and one key is compared as a scalar.
    The read statements are prepared, and PostgreSQL keeps one generic plan for a prepared
    statement once it looks no dearer than planning for each run's values; for `= ANY($n)` it
    guesses ten keys, the generic plan looks dearer, and it planned the whole view statement again
    on every run: half of the database's CPU for a view read (docs/performance.md, "Generic
    plans"). For `= $n` the generic plan costs the same, and the server keeps it after five runs.
    """
    match: ColumnElement[bool] = (
        column == bindparam(name, type_=type_)
        if single
        else column == any_(bindparam(name, type_=ARRAY(type_)))
    )
    return match


async def view_rows(
    reads: Reads,
    view: str,
    name: str,
    keys: Sequence[Any],
    scope: Scope,
    wants: Hashable,
    fold: Fold | None,
    build: Callable[[Scope, Any, bool, bool], Any],
) -> list[asyncpg.Record]:
    """The rows of the view `view` for `keys` (the parameter `name` of `keyed`): its statement
    `build(scope, wants, folded, single)`, compiled once per principal kind and shape; with
    `fold`, the statement also inserts the audit events (audit/folded.py)."""
    single = len(keys) == 1
    return await reads.fetch(
        (view, scope.kind, wants, fold is not None, single),
        lambda: build(scope, wants, fold is not None, single),
        **({name: keys[0]} if single else {name: list(keys)}),
        **scope.parameters,
        **(fold.parameters if fold is not None else {}),
    )


class Levels:
    def __init__(self, top: CTE) -> None:
        self.top = top
        self.columns: list[Any] = [*top.c]
        self._joined: Any = top

    def join(
        self,
        name: str,
        columns: Iterable[Any],
        where: Iterable[ColumnElement[bool]],
        on: Callable[[CTE], ColumnElement[bool]],
    ) -> CTE:
        """The level `name`: `columns` of the rows `where` holds, joined where `on` holds."""
        level = select(*columns).where(*where).cte(name)
        self.columns += level.c
        self._joined = self._joined.outerjoin(level, on(level))
        return level

    def select(self) -> Select[Any]:
        """Every level's columns, in the order the levels were joined."""
        return select(*self.columns).select_from(self._joined)
