"""Validation work is bounded before graphql-core's rules run, and a refused text is refused again
without being parsed.

`{ me { oid } }` repeated 1,240 times (13 KB) passed every limit and cost graphql-core's
field-merging rule 1.2 s of CPU per request (bench/abuse.py prints the figures): it is now refused
by the gateway's own walk, which counts field selections and the pairs of them that answer one
response key, and the refusal is remembered by its text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import graphql
import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    get_introspection_query,
    parse,
)

from hoks_gateway.graphiql.examples import EXAMPLES
from hoks_gateway.graphql import limits
from hoks_gateway.graphql.field_merges import merge_pairs
from hoks_gateway.graphql.limits import Limits, check_document, measure
from hoks_gateway.graphql.schema import schema
from hoks_gateway.settings import Settings
from tests.client import gateway
from tests.hardening.test_limits import whole_plan

DEFAULTS = Limits.from_settings(Settings())
REPEATED = "{" + " me { oid }" * 1240 + " }"  # the attack: 13,643 bytes, within the token limit
FEWER = "{" + " me { oid }" * 900 + " }"  # within the field limit, not the merges'
GRAPHQL_RESPONSE = {"Accept": "application/graphql-response+json"}


def pairs(query: str) -> int | None:
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return merge_pairs(operation, fragments)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('{ me { oid kind } organisation(oid: "1") { oid } }', 0),
        ("{ me { oid } me { oid } me { oid } }", 3 + 3),  # 3 pairs of `me`, 3 of `me.oid`
        ("{ a: me { oid } b: me { oid } }", 0),  # aliases answer other keys
        ("{ me { oid } ... on Query { me { kind } } }", 1),  # inline fragments merge in place
        ("{ ...F ...F } fragment F on Query { me { oid } }", 1 + 1),  # a fragment counts where spread
        ("{ me { ...G } me { oid } } fragment G on Viewer { oid oid }", 1 + 3),
    ],
)
def test_merge_pairs_are_the_pairs_answering_one_response_key(query: str, expected: int) -> None:
    assert pairs(query) == expected


def test_a_fragment_cycle_is_left_to_the_standard_rules() -> None:
    # Spread on and on it would never end; NoFragmentCycles refuses the document.
    assert pairs("{ ...A } fragment A on Query { me { oid } ...B } fragment B on Query { ...A }") is None


def _document(query: str) -> DocumentNode:
    return parse(query, max_tokens=DEFAULTS.max_tokens)


@pytest.mark.parametrize(
    ("query", "code"),
    [(REPEATED, "TOO_MANY_FIELDS"), (FEWER, "TOO_MANY_FIELD_MERGES")],
    ids=["1,240 repeats", "900 repeats"],
)
def test_repeated_fields_are_refused_by_the_walk(query: str, code: str) -> None:
    assert measure(schema._schema, _document(query), DEFAULTS).cost < DEFAULTS.max_cost  # within cost
    errors = check_document(schema._schema, _document(query), {}, DEFAULTS)
    assert [e.code for e in errors] == [code]


def test_the_merge_limit_counts_fragments_spread_many_times() -> None:
    spread = "{ " + "...F " * 40 + "} fragment F on Query { me { oid } }"  # 40 spreads x 2 keys
    [error] = check_document(schema._schema, _document(spread), {}, DEFAULTS)
    assert error.code == "TOO_MANY_FIELD_MERGES" and error.extensions["pairs"] == 2 * (40 * 39 // 2)


def test_honest_documents_repeat_nothing_and_fit_the_field_limit() -> None:
    honest = {
        "whole plan": whole_plan(),
        "GraphiQL introspection": get_introspection_query(descriptions=True),
        **{f"example {e.kind.value}": e.query for e in EXAMPLES},
    }
    for name, query in honest.items():
        document = _document(query)
        assert measure(schema._schema, document, DEFAULTS).fields * 2 < DEFAULTS.max_fields, name
        assert check_document(schema._schema, document, {}, Limits(introspection=True)) == [], name
        assert pairs(query) == 0, name


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(database_url, debug_metrics=True) as running:
        yield running


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How often graphql-core has parsed or validated a document for the gateway so far (spies:
    the library still does the work)."""
    calls = 0

    def counted(function: Callable[..., Any]) -> Callable[..., Any]:
        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            return function(*args, **kwargs)

        return counting

    monkeypatch.setattr(limits, "parse", counted(graphql.parse))
    monkeypatch.setattr(strawberry_schema, "validate", counted(graphql.validate))
    return lambda: calls


async def _ask(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=GRAPHQL_RESPONSE
    )
    assert response.status_code == 400, response.text
    return response.json()


async def test_the_attack_is_refused_before_graphql_core_validates(client: httpx.AsyncClient) -> None:
    body = await _ask(client, REPEATED)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TOO_MANY_FIELDS"]
    assert body["errors"][0]["message"] == (
        "The operation selects 2,480 fields (fragments counted where they are spread); the limit is 2000."
    )
    assert body["extensions"]["metrics"]["sqlStatements"] == 0


@pytest.mark.parametrize("query", [REPEATED, FEWER, "{ nothingHere }", "{ " + "a " * 6000 + "}"])
async def test_a_refused_text_is_refused_again_unparsed_and_unvalidated(
    client: httpx.AsyncClient, work: Callable[[], int], query: str
) -> None:
    first = await _ask(client, query)
    done = work()
    again = [await _ask(client, query) for _ in range(3)]
    assert work() == done
    assert all(a["errors"] == first["errors"] for a in again)


async def test_input_refusals_are_not_remembered(client: httpx.AsyncClient) -> None:
    # A NUL is refused by the input checks, which read variables the limits' verdict does not.
    query = "query($s: ID!) { organisation(oid: $s) { oid } }"
    refused = await _ask(client, query, {"s": "\x00"})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    answered = await client.post("/graphql", json={"query": query, "variables": {"s": "1.2.246.562.10.1"}})
    assert answered.json() == {"data": {"organisation": None}, "extensions": answered.json()["extensions"]}


async def test_remembered_refusals_are_bounded(client: httpx.AsyncClient) -> None:
    for n in range(300):
        await _ask(client, f"{{ nothing{n} }}")
    app = client._transport.app  # type: ignore[attr-defined]
    assert len(app.state.document_caches.refused._items) == 256
