"""`idempotencyKey` on every mutation, and the `Idempotency-Key` header.

`make_idempotent(Mutation)` gives every mutation field an optional `idempotencyKey` argument and
wraps its resolver: with a key (the argument, or the header when the operation has a single
mutation field), the resolver runs with a `Claim` that its write transaction takes
(`pending_claim()`); when that write committed before, the transaction stops at its first
statement and the mutation's payload type rebuilds the first outcome (its `replayed` classmethod)
instead.

The request hash is the sha256 of the mutation's coordinate and its arguments as the resolver
receives them (canonical JSON, keys sorted): the selection set is not part of it, so a retry may
ask for more of the same outcome.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

import orjson
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from hoks_gateway.audit.events import AuditEvent, Outcome, record
from hoks_gateway.authz.rules import root_fields
from hoks_gateway.errors import BadUserInput, IdempotencyKeyReused, Unauthenticated
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.root_fields import root_field_nodes
from hoks_gateway.idempotency.claims import Claim, Replayed

HEADER = "idempotency-key"
ARGUMENT = "idempotency_key"
DEFAULT_TTL = dt.timedelta(days=1)
# Visible ASCII, as the IETF draft's examples and every client library's generated keys (UUIDs).
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_DESCRIPTION = (
    "Idempotency key (or the Idempotency-Key header), kept 24 h: a retry with the same key and "
    "arguments gets the first outcome; other arguments: IDEMPOTENCY_KEY_REUSED."
)

_pending: ContextVar[Claim | None] = ContextVar("hoks_idempotency_claim", default=None)


def pending_claim() -> Claim | None:
    """The claim of the mutation being resolved, for its write transaction; None without a key."""
    return _pending.get()


class Replayable(Protocol):
    """A mutation payload type that can rebuild its stored outcome."""

    @classmethod
    def replayed(cls, info: Info, outcome: Mapping[str, Any], operation: str) -> Awaitable[Any]: ...


class Idempotent(FieldExtension):
    def __init__(self, coordinate: str) -> None:
        super().__init__()
        self.coordinate = coordinate
        self.name = coordinate.partition(".")[2]
        self.replay: Callable[[Info, Mapping[str, Any], str], Awaitable[Any]] | None = None

    def apply(self, field: StrawberryField) -> None:
        replay = getattr(field.type, "replayed", None)
        if replay is None:
            raise TypeError(
                f"{self.coordinate} returns {field.type}, which cannot rebuild a stored outcome: "
                "give it a `replayed` classmethod (idempotency/extension.py)."
            )
        self.replay = replay
        if all(argument.python_name != ARGUMENT for argument in field.arguments):
            field.arguments = [
                *field.arguments,
                StrawberryArgument(
                    python_name=ARGUMENT,
                    graphql_name=None,
                    type_annotation=StrawberryAnnotation(str | None),
                    default=None,
                    description=_DESCRIPTION,
                ),
            ]

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        key = _key(info, kwargs.pop(ARGUMENT, None))
        if key is None:
            return await next_(source, info, **kwargs)
        context = info.context
        principal = context.authz.principal
        if principal is None:
            raise Unauthenticated("Sign in: this operation needs a bearer token.")
        claim = Claim(
            principal,
            key,
            self.coordinate,
            request_hash(self.coordinate, kwargs),
            context.clock(),
            _ttl(info),
        )
        token = _pending.set(claim)
        try:
            result = await next_(source, info, **kwargs)
        except Replayed as replayed:
            assert self.replay is not None
            return await self.replay(info, replayed.outcome, self.name)
        except IdempotencyKeyReused:
            # A refused write, audited as every refusal is (after its transaction rolled back).
            async with context.db.statement() as session:
                await record(session, context.actor, [AuditEvent(self.name, Outcome.FAILURE)])
            raise
        finally:
            _pending.reset(token)
        if not claim.stored:
            raise AssertionError(f"{self.coordinate} wrote without storing its idempotency key")
        return result


def replayed_operation(operation: str) -> str:
    """The audit operation of an outcome answered again to a retry of `operation`."""
    return f"{operation}:replayed"


async def audit_replay(info: Info, events: Iterable[AuditEvent]) -> None:
    """A replayed outcome is a read of what the first write left (no second write happened):
    one event per target, operation `replayed_operation(...)`."""
    events = list(events)
    if not events:
        return
    context = info.context
    async with context.db.statement() as session:
        await record(session, context.actor, events)


def make_idempotent(mutation: type) -> None:
    """Give every field of the Mutation type its key; call before the schema is built."""
    for coordinate, field in root_fields(mutation).items():
        if not any(isinstance(extension, Idempotent) for extension in field.extensions):
            field.extensions.append(Idempotent(coordinate))


def request_hash(coordinate: str, arguments: Mapping[str, Any]) -> str:
    """sha256 of the mutation and its arguments (orjson: dataclasses, enums, dates; keys sorted)."""
    body = orjson.dumps({"mutation": coordinate, "arguments": arguments}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


def _key(info: Info, argument: str | None) -> str | None:
    request = info.context.request
    header = request.headers.get(HEADER) if request is not None else None
    if header is not None:
        # The IETF draft sends the key as a structured-field string, in quotes; most clients don't.
        header = header.strip()
        if len(header) >= 2 and header[0] == header[-1] == '"':
            header = header[1:-1]
        if argument is None and _mutation_fields(info) > 1:
            raise BadUserInput(
                "The Idempotency-Key header covers an operation of one mutation; this one has several: "
                "give each its own `idempotencyKey` argument instead."
            )
        if argument is not None and argument != header:
            raise BadUserInput("The idempotencyKey argument and the Idempotency-Key header differ: send one.")
    key = argument if argument is not None else header
    if key is not None and not _KEY.match(key):
        raise BadUserInput(
            "An idempotency key is 1 to 255 visible ASCII characters (no spaces), e.g. a UUID."
        )
    return key


def _mutation_fields(info: Info) -> int:
    raw = info._raw_info
    fragments = raw.fragments

    def selection_set(name: str) -> Any:
        fragment = fragments.get(name)
        return None if fragment is None else fragment.selection_set

    nodes = root_field_nodes(raw.operation.selection_set, selection_set)
    return len({(node.alias or node.name).value for node in nodes})


def _ttl(info: Info) -> dt.timedelta:
    request = info.context.request
    if request is None:
        return DEFAULT_TTL
    return dt.timedelta(seconds=request.app.state.settings.idempotency_ttl_s)
