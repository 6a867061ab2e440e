"""Parsed and validated documents, reused by query text (the views send the same few documents).

Parsing and the standard validation rules cost more than executing a whole learner view
(~70 ms for its 6 KB document, anchors-graphql.md §3.2), so each is done once per document text.

Two extensions, because the abuse limits (graphql/limits.py) must run between them:
- `CachedParse` comes first: a text seen before gets its document without parsing. Only documents
  the limits' own parser accepted are stored, so the token limit still holds for every text.
- `CachedValidation` comes after the limits: their checks run for every request (they depend
  on the variables, e.g. `first`); the standard rules' verdict is then reused. The limits keep
  their own verdict here too, keyed by the text and the values of the variables they read.
Only valid documents are remembered. The caches belong to one app (its settings decide the
limits and rules) and are bounded LRUs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

from hoks_gateway.lru import Lru

MAX_DOCUMENTS = 256


class Caches:
    def __init__(self) -> None:
        self.documents: Lru[str, DocumentNode] = Lru(MAX_DOCUMENTS)
        self.valid: Lru[tuple[str, tuple[Any, ...]], bool] = Lru(MAX_DOCUMENTS)
        self.limit_variables: Lru[tuple[str, Hashable], tuple[str, ...]] = Lru(MAX_DOCUMENTS)
        """(text, limits) -> the variables the limits' walk read (graphql/limits.py)."""
        self.within_limits: Lru[tuple[str, Hashable, tuple[Any, ...]], bool] = Lru(MAX_DOCUMENTS)
        """(text, limits, those variables' values) -> the walk passed: it is not repeated."""


def caches_for(extension: SchemaExtension) -> Caches | None:
    request = getattr(extension.execution_context.context, "request", None)
    state = getattr(getattr(request, "app", None), "state", None)
    if state is None:
        return None
    found = getattr(state, "document_caches", None)
    if found is None:
        found = Caches()
        state.document_caches = found
    return found if isinstance(found, Caches) else None


class CachedParse(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context, caches = self.execution_context, caches_for(self)
        query = context.query
        if caches is None or not query or context.graphql_document is not None:
            yield
            return
        cached = caches.documents.get(query)
        if cached is not None:
            context.graphql_document = cached
        yield
        if cached is None and context.graphql_document is not None:
            caches.documents.put(query, context.graphql_document)


class CachedValidation(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context, caches = self.execution_context, caches_for(self)
        query = context.query
        if caches is None or not query or context.pre_execution_errors is not None:
            yield
            return
        key = (query, tuple(context.validation_rules))
        known_valid = caches.valid.get(key) is not None
        if known_valid:
            # An empty list, not None: strawberry then skips its own validation.
            context.pre_execution_errors = []
        yield
        # Only valid documents are kept: errors are built afresh for each request.
        if not known_valid and context.pre_execution_errors == []:
            caches.valid.put(key, True)
