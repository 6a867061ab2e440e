"""A POST answered directly (graphql/direct.py) is answered exactly as strawberry's view answers it:
status, headers and body, byte for byte, for every kind of request the gateway gets: views by
every principal kind, variables, operation names, media types, request errors, refusals of the
limits and the input checks, mutations with and without an idempotency key, answers over the
size cap, bodies that are no GraphQL request. The requests it must leave to the view reach the
view."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from strawberry.schema.schema import Schema

from bench import views
from hoks_gateway.auth.principal import Principal
from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, learner, staff

GRAPHQL_RESPONSE = "application/graphql-response+json"
MAX_BODY = 30_000
MAX_RESPONSE = 2_500
# 40 × about 90 bytes of the organisation's oid and names: over MAX_RESPONSE.
LARGE = (
    "query($oid: ID!) { "
    + " ".join(f"o{i}: organisation(oid: $oid) {{ oid name {{ fi sv }} }}" for i in range(40))
    + " }"
)
# What differs between two answers of one request: the time it took.
_TIMES = re.compile(rb'"(dbMs|totalMs)":[0-9.e-]+')
_ERROR_ID = re.compile(rb"[0-9a-f]{32}")
_SIZES = re.compile(rb'is [0-9,]+ bytes|"bytes":[0-9]+')


@dataclass(frozen=True)
class Sent:
    """One request, and how many times the direct gateway's second answer of it runs strawberry's
    schema (0: answered directly; 1: left to the view; None: refused before the schema or no
    matter)."""

    name: str
    body: bytes | dict[str, Any]
    principal: Principal | None = None
    headers: dict[str, str] = field(default_factory=dict)
    view_runs: int | None = 0


@dataclass(frozen=True)
class World:
    data_dir: Path
    learner: str
    plan: int
    oppilaitos: str


@pytest.fixture
async def world(db: Database, tmp_path: Path) -> World:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Tredu")
    oid, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    return World(tmp_path, oid, plan, oppilaitos)


def corpus(world: World) -> list[Sent]:
    own = learner(world.learner)
    reader = staff(world.oppilaitos)
    plan = {"id": str(world.plan)}
    two_operations = "query A { me { kind } } query B { __typename }"
    mutation = 'mutation Delete { deleteHoks(id: "999999") { hoks { id } } }'
    unlock = 'mutation { unlockServiceAccount(clientId: "nobody") { clientId } }'
    return [
        Sent("typename", {"query": "{ __typename }"}),
        Sent("organisation", {"query": views.ORGANISATION, "variables": {"oid": world.oppilaitos}}),
        Sent("unknown organisation", {"query": views.ORGANISATION, "variables": {"oid": "1.2.3"}}),
        Sent("learner, anonymous", {"query": views.LEARNER_BY_OID, "variables": {"oid": world.learner}}),
        Sent("learner, admin", {"query": views.LEARNER_BY_OID, "variables": {"oid": world.learner}}, ADMIN),
        Sent("learner, staff", {"query": views.LEARNER_BY_OID, "variables": {"oid": world.learner}}, reader),
        Sent("own view", {"query": views.LEARNER_VIEW}, own),
        Sent("own view, new media type", {"query": views.LEARNER_VIEW}, own, {"Accept": GRAPHQL_RESPONSE}),
        Sent(
            "own view, legacy media type", {"query": views.LEARNER_VIEW}, own, {"Accept": "application/json"}
        ),
        Sent("plan detail", {"query": views.PLAN_DETAIL, "variables": plan}, ADMIN),
        Sent("plan detail, staff", {"query": views.PLAN_DETAIL, "variables": plan}, reader),
        Sent("plan detail, learner", {"query": views.PLAN_DETAIL, "variables": plan}, own),
        Sent(
            "plan detail, operation named",
            {"query": views.PLAN_DETAIL, "variables": plan, "operationName": "PlanDetail"},
            ADMIN,
        ),
        Sent(
            "staff list",
            {"query": views.STAFF_LIST, "variables": {"org": world.oppilaitos, "first": 50}},
            reader,
        ),
        Sent("statistics", {"query": views.STATISTICS}, ADMIN),
        Sent("statistics, staff", {"query": views.STATISTICS}, reader),
        Sent("over the size cap", {"query": LARGE, "variables": {"oid": world.oppilaitos}}, ADMIN),
        Sent("request id", {"query": "{ me { kind oid } }"}, reader, {"X-Request-Id": "req-7"}),
        Sent(
            "null variables and extensions",
            {"query": "{ me { kind } }", "variables": None, "extensions": None},
        ),
        Sent("other extensions", {"query": "{ me { kind } }", "extensions": {"tracing": True}}),
        Sent(
            "directives",
            {"query": "query($s: Boolean!) { me { kind oid @skip(if: $s) } }", "variables": {"s": True}},
            ADMIN,
        ),
        Sent(
            "directives, other value",
            {"query": "query($s: Boolean!) { me { kind oid @skip(if: $s) } }", "variables": {"s": False}},
            ADMIN,
        ),
        Sent(
            "variable of the wrong type",
            {"query": views.PLAN_DETAIL, "variables": {"id": 5.5}},
            ADMIN,
            {"Accept": GRAPHQL_RESPONSE},
        ),
        Sent("variable missing", {"query": views.PLAN_DETAIL, "variables": {}}, ADMIN),
        Sent("unknown id", {"query": views.PLAN_DETAIL, "variables": {"id": "x"}}, ADMIN),
        Sent("two operations, one named", {"query": two_operations, "operationName": "B"}, ADMIN),
        Sent("two operations, none named", {"query": two_operations}, ADMIN),
        Sent(
            "an operation name that names nothing",
            {"query": views.ORGANISATION, "variables": {"oid": "1"}, "operationName": "Nope"},
            view_runs=1,
        ),
        Sent("NUL in a variable", {"query": views.ORGANISATION, "variables": {"oid": "1\x00"}}, view_runs=1),
        Sent("long operation name", {"query": "query " + "N" * 70 + " { __typename }"}, ADMIN, view_runs=1),
        Sent(
            "page over the cap",
            {"query": views.STAFF_LIST, "variables": {"first": 5000}},
            reader,
            view_runs=None,
        ),
        Sent("introspection", {"query": "{ __schema { queryType { name } } }"}, view_runs=None),
        Sent("syntax error", {"query": "{ me {"}, None, {"Accept": GRAPHQL_RESPONSE}, view_runs=1),
        Sent("unknown field", {"query": '{ organisatio(oid: "1") { oid } }'}, view_runs=None),
        Sent("empty query", {"query": ""}, view_runs=1),
        Sent("no query", {"variables": {}}, view_runs=1),
        Sent("mutation", {"query": mutation}, ADMIN),
        Sent("mutation with a key", {"query": mutation}, ADMIN, {"Idempotency-Key": "k-1"}),
        Sent("mutation refused", {"query": unlock}, reader),
        Sent("mutation, anonymous", {"query": unlock}),
        Sent(
            "persisted query",
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
            view_runs=None,
        ),
        Sent("document id", {"documentId": "sha256:" + "0" * 64}, view_runs=None),
        Sent("a batch", b'[{"query": "{ __typename }"}]', view_runs=None),
        Sent("not an object", b'"x"', view_runs=None),
        Sent("not JSON", b'{"query": ', view_runs=None),
        Sent("query not a string", b'{"query": 1}', view_runs=None),
        Sent("variables a list", b'{"query": "{ __typename }", "variables": []}', view_runs=None),
        Sent(
            "body over the limit",
            {"query": "{ __typename }", "variables": {"pad": "x" * MAX_BODY}},
            view_runs=None,
        ),
        Sent(
            "plain text", b'{"query": "{ __typename }"}', None, {"Content-Type": "text/plain"}, view_runs=None
        ),
        Sent(
            "JSON with a charset",
            b'{"query": "{ __typename }"}',
            None,
            {"Content-Type": "application/json; charset=utf-8"},
        ),
    ]


def _counted(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How often strawberry's schema has executed a request (the view's way)."""
    calls = 0
    execute = Schema.execute

    async def counting(self: Schema, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(Schema, "execute", counting)
    return lambda: calls


async def _send(client: httpx.AsyncClient, world: World, sent: Sent) -> httpx.Response:
    headers = {**sent.headers, **(bearer(world.data_dir, sent.principal) if sent.principal else {})}
    if isinstance(sent.body, bytes):
        headers.setdefault("Content-Type", "application/json")
        return await client.post("/graphql", content=sent.body, headers=headers)
    return await client.post(
        "/graphql", content=orjson.dumps(sent.body), headers={"Content-Type": "application/json", **headers}
    )


def _seen(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The answer but for how long it took (with HOKS_DEBUG_METRICS), the length of which the
    Content-Length says."""
    headers = response.headers.raw
    assert (b"content-length", str(len(response.content)).encode()) in headers
    body = _TIMES.sub(rb'"\1":0', response.content)
    if body == response.content:
        return response.status_code, headers, body
    # Times of different lengths make answers of different sizes.
    body = _SIZES.sub(b"<size>", body)
    return response.status_code, [h for h in headers if h[0] != b"content-length"], body


Clients = tuple[httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture(
    params=[{}, {"introspection": False, "field_suggestions": False, "debug_metrics": True}],
    ids=["demo", "production"],
)
async def clients(request: pytest.FixtureRequest, database_url: str, world: World) -> AsyncIterator[Clients]:
    settings = {
        "data_dir": world.data_dir,
        "demo": True,
        "max_body_bytes": MAX_BODY,
        "max_response_bytes": MAX_RESPONSE,
        "rate_limit_requests": 0,
        **request.param,
    }
    async with (
        gateway(database_url, direct_post=False, **settings) as view,
        gateway(database_url, direct_post=True, **settings) as direct,
    ):
        yield view, direct


async def test_every_request_is_answered_as_the_view_answers_it(
    clients: Clients, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    view, direct = clients
    runs = _counted(monkeypatch)
    answered: list[bytes] = []
    for sent in corpus(world):
        # The first answer fills the caches a second is answered from.
        expected = [_seen(await _send(view, world, sent)) for _ in range(2)]
        first = _seen(await _send(direct, world, sent))
        before = runs()
        second = _seen(await _send(direct, world, sent))
        assert [first, second] == expected, sent.name
        if sent.view_runs is not None:
            assert runs() - before == sent.view_runs, sent.name
        answered.append(second[2])
    # The corpus means something only if it held data, request errors and refusals of each kind.
    together = b"\n".join(answered)
    for part in (
        b'"hoks":{',
        b'"learners":{"totalCount":',
        b"RESPONSE_TOO_LARGE",
        b"UNAUTHENTICATED",
        b"WRONG_AUTHENTICATION_TYPE",
        b"NOT_FOUND",
        b"BAD_USER_INPUT",
        b"GRAPHQL_PARSE_FAILED",
    ):
        assert part in together, part


async def test_a_failed_read_audit_withholds_the_data_as_the_view_does(
    clients: Clients, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever fails after execution is the answer's one error, its data withheld."""
    view, direct = clients
    query = {"query": views.LEARNER_BY_OID, "variables": {"oid": world.learner}}
    sent = [Sent("legacy", query, ADMIN), Sent("new", query, ADMIN, {"Accept": GRAPHQL_RESPONSE})]
    for client in clients:
        await _send(client, world, sent[0])
    async with db.write() as session:
        await session.execute(
            text("ALTER TABLE audit_events ADD CONSTRAINT no_reads CHECK (false) NOT VALID")
        )
    runs = _counted(monkeypatch)
    for each in sent:
        expected, got = [_seen(await _send(client, world, each)) for client in (view, direct)]
        assert [got[0], got[1], _ERROR_ID.sub(b"<id>", got[2])] == [
            expected[0],
            expected[1],
            _ERROR_ID.sub(b"<id>", expected[2]),
        ]
        assert b'"data"' not in got[2] and b"INTERNAL" in got[2], got
    assert runs() == len(sent), "the view answered once each, the direct gateway never"
