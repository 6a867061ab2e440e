"""Field extensions that only check the caller: compiled execution may run them itself.

strawberry runs a field's extensions around its resolver, after converting the arguments and
building its Info; for a root field that costs more than the rule it enforces. An extension that
is a CallerCheck promises that it does nothing but `check(info)` before the resolver and pass the
resolver's result on, so graphql/compiled/ runs `check` and then calls the resolver directly
(graphql/compiled/plan.py, Strategy.CALLED).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions.field_extension import FieldExtension


class CallerCheck(FieldExtension):
    def check(self, info: strawberry.Info) -> None:
        """Raise when the caller may not call the field."""
        raise NotImplementedError

    def resolve(self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        self.check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        self.check(info)
        return await next_(source, info, **kwargs)
