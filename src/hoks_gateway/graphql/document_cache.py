"""Parsed and validated documents, reused by query text (the views send the same few documents).

Parsing and the standard validation rules cost more than executing a whole learner view
(~70 ms for its 6 KB document, anchors-graphql.md §3.2), so each is done once per document text.

Two extensions, because the abuse limits (graphql/limits.py) must run between them:
- `CachedParse` comes first: a text seen before gets its document without parsing. Only documents
  the limits' own parser accepted are stored, so the token limit still holds for every text.
- `CachedValidation` comes after the limits: their checks run for every request (they depend
  on the variables, e.g. `first`); the standard rules' verdict is then reused. The limits keep
  their own verdict here too, keyed by the text and the values of the variables they read.
The caches belong to one app (its settings decide the limits and rules) and are bounded LRUs.

Refusals are remembered too, by the same key as the limits' verdict (text, limits, the values of
the variables the limits read): the limits' own and the standard rules'. A text refused before is
refused again by the view (`cached_refusal`) without being parsed, walked or validated: sent by
16 clients at once, a 13 KB hostile document cost 16 × 1.2 s of CPU each round. Input checks that
read other variables (graphql/input_checks.py) run before the limits and are never remembered.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

from graphql import DocumentNode, GraphQLError
from starlette.datastructures import State
from strawberry.extensions import SchemaExtension

from hoks_gateway.lru import Lru

MAX_DOCUMENTS = 256

VerdictKey = tuple[str, Hashable, tuple[Any, ...]]
"""(text, limits, values of the variables the limits read)."""


def limit_value(given: object) -> int | None:
    """A variable's value as the limits' walk reads it (a page size): an int, or nothing."""
    return given if isinstance(given, int) and not isinstance(given, bool) else None


class Caches:
    def __init__(self) -> None:
        self.documents: Lru[str, DocumentNode] = Lru(MAX_DOCUMENTS)
        self.valid: Lru[tuple[str, tuple[Any, ...]], bool] = Lru(MAX_DOCUMENTS)
        self.limit_variables: Lru[tuple[str, Hashable], tuple[str, ...]] = Lru(MAX_DOCUMENTS)
        """(text, limits) -> the variables the limits' walk read (graphql/limits.py)."""
        self.within_limits: Lru[VerdictKey, bool] = Lru(MAX_DOCUMENTS)
        """(text, limits, those variables' values) -> the walk passed: it is not repeated."""
        self.refused: Lru[VerdictKey, tuple[GraphQLError, ...]] = Lru(MAX_DOCUMENTS)
        """The same key -> the errors the limits or the standard rules refused the text with."""

    def verdict_key(self, query: str, limits: Hashable, variables: Mapping[str, Any]) -> VerdictKey | None:
        """The key of the text's verdicts; None before the limits have walked it."""
        read = self.limit_variables.get((query, limits))
        return None if read is None else _key(query, limits, read, variables)

    def walked(
        self, query: str, limits: Hashable, read: Sequence[str], variables: Mapping[str, Any]
    ) -> VerdictKey:
        """Records which variables the walk of the text read; the key of its verdicts."""
        names = tuple(read)
        self.limit_variables.put((query, limits), names)
        return _key(query, limits, names, variables)

    def ready(
        self, query: str, limits: Hashable, variables: Mapping[str, Any], rules: tuple[Any, ...]
    ) -> DocumentNode | None:
        """The document of a text already parsed, within the limits for these variables' values
        and valid under `rules`: nothing is left to check before it runs (graphql/direct.py).
        None when any of that is not known yet, or the text was refused."""
        document = self.documents.get(query)
        if document is None or self.valid.get((query, rules)) is None:
            return None
        key = self.verdict_key(query, limits, variables)
        if key is None or not self.within_limits.get(key) or self.refused.get(key) is not None:
            return None
        return document

    def refuse(self, key: VerdictKey, errors: Sequence[GraphQLError]) -> None:
        # Without their AST nodes (kept alive, they would hold the whole document): the message,
        # the text's positions and the extensions are what an answer shows.
        self.refused.put(
            key,
            tuple(
                GraphQLError(e.message, source=e.source, positions=e.positions, extensions=e.extensions)
                for e in errors
            ),
        )


def _key(query: str, limits: Hashable, read: Sequence[str], variables: Mapping[str, Any]) -> VerdictKey:
    return query, limits, tuple(limit_value(variables.get(name)) for name in read)


def cached_refusal(
    state: State, query: str | None, variables: Mapping[str, Any] | None
) -> list[GraphQLError] | None:
    """The errors a text was refused with before, for these variables; None if it was not."""
    caches = caches_of(state)
    if not query or caches is None:
        return None
    key = caches.verdict_key(query, state.limits, variables or {})
    refused = None if key is None else caches.refused.get(key)
    return None if refused is None else list(refused)


def caches_of(state: State) -> Caches | None:
    """The app's caches, once a request has made them."""
    found = getattr(state, "document_caches", None)
    return found if isinstance(found, Caches) else None


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
        key = (query, tuple(context.validation_rules))  # as Caches.ready looks it up
        known_valid = caches.valid.get(key) is not None
        if known_valid:
            # An empty list, not None: strawberry then skips its own validation.
            context.pre_execution_errors = []
        yield
        # Only valid documents are kept: errors are built afresh for each request.
        if not known_valid and context.pre_execution_errors == []:
            caches.valid.put(key, True)
