"""Trusted documents (persisted queries): the frontends' operations, registered ahead of time and
sent by hash.

Registered with `hoks-gateway documents add`; sent as `{"documentId": "sha256:<hex>"}` (the
GraphQL-over-HTTP persisted-documents form) or Apollo's
`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}`. With
HOKS_TRUSTED_DOCUMENTS=require only registered documents run (by hash, or as their exact text),
except for ADMIN and ANALYST callers, who explore the graph in GraphiQL. The hash is of the exact
text, so a registered document is whatever text the frontend build sends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    validate,
    visit,
)
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from starlette.requests import Request
from strawberry.http import GraphQLRequestData

from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import TrustedDocument
from hoks_gateway.errors import BadUserInput, GatewayError, NotFound

EXEMPT = frozenset({PrincipalKind.ADMIN, PrincipalKind.ANALYST})
_HEX = re.compile(r"^[0-9a-f]{64}$")
_CACHE_S = 60
_CACHE_MAX = 10_000


class PersistedQueryNotFound(GatewayError):
    code = "PERSISTED_QUERY_NOT_FOUND"
    status = 400


class TrustedDocumentRequired(GatewayError):
    code = "TRUSTED_DOCUMENT_REQUIRED"
    status = 400


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hash_of(document_id: object) -> str:
    text = str(document_id).strip().lower()
    hex_digest = text.removeprefix("sha256:")
    if not _HEX.match(hex_digest):
        raise BadUserInput(f'A document id is "sha256:" and 64 hex digits; got {str(document_id)[:80]!r}.')
    return hex_digest


def requested_hash(extensions: Mapping[str, Any] | None, document_id: object | None) -> str | None:
    """The hash a request names, in either supported form; None when it names none."""
    if document_id is not None:
        return _hash_of(document_id)
    persisted = (extensions or {}).get("persistedQuery")
    if isinstance(persisted, Mapping) and persisted.get("sha256Hash") is not None:
        return _hash_of(persisted["sha256Hash"])
    return None


async def document_id_of(request: Request) -> object | None:
    """`documentId` of a GET's query string or a POST's JSON body (strawberry reads neither)."""
    if request.method == "GET":
        return request.query_params.get("documentId")
    raw = await request.body()  # Starlette keeps the body: no second read
    if b"documentId" not in raw and b"\\u" not in raw:
        # Most bodies carry a query, not a document id: skip a second parse of a 10 KiB transfer
        # (the key could only hide behind \u escapes, which then take the parse below).
        return None
    try:
        body = orjson.loads(raw)
    except ValueError:
        return None
    return body.get("documentId") if isinstance(body, dict) else None


@dataclass(frozen=True, slots=True)
class Registered:
    sha256: str
    operation_name: str | None
    added_at: dt.datetime


@dataclass(slots=True)
class TrustedDocuments:
    db: Database
    clock: Clock
    _cache: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)

    async def text(self, sha256: str) -> str | None:
        """The registered text; hits are cached for a minute, so a removal takes that long."""
        now = self.clock()
        cached = self._cache.get(sha256)
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self.db.read() as session:
            found = await session.scalar(
                select(TrustedDocument.document).where(TrustedDocument.sha256 == sha256)
            )
        if found is not None:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[sha256] = (found, now + dt.timedelta(seconds=_CACHE_S))
        return found

    async def resolve(
        self,
        request: Request,
        request_data: GraphQLRequestData,
        kind: PrincipalKind | None,
        *,
        required: bool,
    ) -> GraphQLRequestData:
        """The request with its document's text filled in, or the refusal the policy demands."""
        sha256 = requested_hash(request_data.extensions, await document_id_of(request))
        if sha256 is not None:
            text = await self.text(sha256)
            if text is None:
                raise PersistedQueryNotFound(
                    f"No registered document has the hash sha256:{sha256}; register it with "
                    "`hoks-gateway documents add`."
                )
            if request_data.query is not None and request_data.query != text:
                raise BadUserInput("The query sent differs from the registered document of that hash.")
            request_data.query = text
            return request_data
        query = request_data.query
        if (
            required
            and kind not in EXEMPT
            and query is not None
            and await self.text(sha256_hex(query)) is None
        ):
            raise TrustedDocumentRequired(
                "This gateway runs registered documents only: send "
                '{"documentId": "sha256:<hash>"} of a document registered with '
                "`hoks-gateway documents add`."
            )
        return request_data

    # --- administration (the `documents` command) ------------------------------------------

    async def add(self, documents: Mapping[str, str]) -> list[Registered]:
        """Store {sha256: text}; re-adding a document is a no-op."""
        rows = [
            {"sha256": sha256, "document": text, "operation_name": _operation_name(text)}
            for sha256, text in documents.items()
        ]
        if not rows:
            return []
        statement = insert(TrustedDocument).values(rows).on_conflict_do_nothing()
        async with self.db.write() as session:
            await session.execute(statement)
        return [r for r in await self.list() if r.sha256 in documents]

    async def list(self) -> list[Registered]:
        columns = (TrustedDocument.sha256, TrustedDocument.operation_name, TrustedDocument.added_at)
        async with self.db.read() as session:
            rows = await session.execute(
                select(*columns).order_by(TrustedDocument.operation_name, TrustedDocument.sha256)
            )
            return [Registered(*row) for row in rows]

    async def remove(self, document_id: str) -> None:
        sha256 = _hash_of(document_id)
        async with self.db.write() as session:
            result = await session.execute(
                delete(TrustedDocument)
                .where(TrustedDocument.sha256 == sha256)
                .returning(TrustedDocument.sha256)
            )
            if result.first() is None:
                raise NotFound(f"No registered document has the hash sha256:{sha256}.")
        self._cache.pop(sha256, None)


def _operation_name(text: str) -> str | None:
    for definition in parse(text, no_location=True).definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.name.value if definition.name else None
    return None


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.names.add(node.name.value)


def _fragments_used(
    node: OperationDefinitionNode | FragmentDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    found: dict[str, FragmentDefinitionNode] = {}
    todo = [node]
    while todo:
        spreads = _Spreads()
        visit(todo.pop(), spreads)
        for name in sorted(spreads.names - found.keys()):
            if name in fragments:
                found[name] = fragments[name]
                todo.append(fragments[name])
    return list(found.values())


def documents_from_graphql(source: str, schema: GraphQLSchema) -> dict[str, str]:
    """Each operation of a .graphql file, with the fragments it uses, as its own document.

    A file holding one operation is kept exactly as written (its hash is the file's); several
    operations are split and printed, and the frontend sends the printed text `add` shows.
    """
    document = _checked(source, schema)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) == 1:
        return {sha256_hex(source): source}
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    texts = [
        print_ast(DocumentNode(definitions=(operation, *_fragments_used(operation, fragments))))
        for operation in operations
    ]
    return {sha256_hex(text): text for text in texts}


def documents_from_manifest(source: str, schema: GraphQLSchema) -> dict[str, str]:
    """A persisted-documents manifest, {"<hash>" or "sha256:<hash>": text} (graphql-codegen's)."""
    try:
        manifest = json.loads(source)
    except ValueError as exc:
        raise BadUserInput(f"The manifest is not JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise BadUserInput("A manifest is a JSON object from document hash to document text.")
    documents: dict[str, str] = {}
    for key, text in manifest.items():
        sha256 = _hash_of(key)
        if not isinstance(text, str) or sha256_hex(text) != sha256:
            raise BadUserInput(f"The manifest's entry {key} is not the sha256 of its text.")
        _checked(text, schema)
        documents[sha256] = text
    return documents


def _checked(source: str, schema: GraphQLSchema) -> DocumentNode:
    try:
        document = parse(source)
    except GraphQLError as error:
        raise BadUserInput(f"Not a GraphQL document: {error.message}") from None
    errors = validate(schema, document)
    if errors:
        raise BadUserInput("The document does not fit the schema: " + "; ".join(e.message for e in errors))
    if not any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
        raise BadUserInput("The document holds no operation.")
    return document
