"""A view read's statement: each level of the view one CTE with its own WHERE (the caller's scope
predicate as that level's loader has it), LEFT JOINed to the level above, so a row the caller may
not see is NULL, as its loader would have found nothing (hoks/plan_view.py, learners/learner_view.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, select


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
