"""Hostile documents are refused before any resolver or SQL runs, each with a code naming the limit;
the largest honest queries (a whole plan, GraphiQL's introspection) stay well inside the limits."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from graphql import (
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
    is_required_argument,
    parse,
)

from hoks_gateway.graphql.limits import Limits, check_document, exceeds_tokens, measure
from hoks_gateway.graphql.schema import schema
from hoks_gateway.settings import Settings
from tests.client import gateway
from tests.hardening.server import report

DEFAULTS = Limits.from_settings(Settings())


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(database_url, debug_metrics=True) as client:
        yield client


def tree(levels: int) -> str:
    """An organisation and `levels - 1` generations of children below it: depth levels + 1."""
    return '{ organisation(oid: "1") { ' + "children { " * (levels - 1) + "oid" + " }" * levels + " }"


def aliases_through_fragments(per_fragment: int, spreads: int) -> str:
    fields = " ".join(f"a{i}: __typename" for i in range(per_fragment))
    return "query { " + " ".join(["...F"] * spreads) + " } fragment F on Query { " + fields + " }"


def fragment_bomb(levels: int, fan_out: int) -> str:
    """Each fragment spreads the one below it `fan_out` times: fan_out**levels aliases, few tokens."""
    fragments = ["fragment F0 on Query { a: __typename }"]
    fragments += [
        f"fragment F{i} on Query {{ {' '.join([f'...F{i - 1}'] * fan_out)} }}" for i in range(1, levels + 1)
    ]
    return f"query {{ ...F{levels} }} " + " ".join(fragments)


HOSTILE: dict[str, tuple[dict[str, Any], str]] = {
    "depth 50": ({"query": tree(49)}, "QUERY_TOO_DEEP"),
    "10,000 aliases through fragments": ({"query": aliases_through_fragments(100, 100)}, "TOO_MANY_ALIASES"),
    "a fragment bomb of 10**6 aliases": ({"query": fragment_bomb(6, 10)}, "TOO_MANY_ALIASES"),
    "a huge first": (
        {"query": "query($n: Int) { hokses(first: $n) { totalCount } }", "variables": {"n": 10**9}},
        "BAD_USER_INPUT",
    ),
    "a huge literal first": ({"query": "{ learners(first: 2147483647) { totalCount } }"}, "BAD_USER_INPUT"),
    "nested lists": ({"query": tree(10)}, "QUERY_TOO_COSTLY"),
    "fragment cycle": (
        {"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "60 directives through fragments": (
        {"query": "{ " + "...D " * 60 + "} fragment D on Query { __typename @include(if: true) }"},
        "TOO_MANY_DIRECTIVES",
    ),
    "20,000 tokens": ({"query": "{ " + "a " * 20_000 + "}"}, "TOO_MANY_TOKENS"),
    "a 1 MB query": ({"query": "{ __typename }" + " " * 1_000_000}, "REQUEST_TOO_LARGE"),
    "a 2 MB body": ({"query": "{ __typename }", "variables": {"pad": "x" * 2_000_000}}, "REQUEST_TOO_LARGE"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_documents_are_refused_before_any_sql(
    client: httpx.AsyncClient, name: str, pytestconfig: pytest.Config
) -> None:
    request_body, code = HOSTILE[name]
    started = time.perf_counter()
    response = await client.post(
        "/graphql", json=request_body, headers={"Accept": "application/graphql-response+json"}
    )
    elapsed_ms = (time.perf_counter() - started) * 1000
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]][:1] == [code], body["errors"][:3]
    assert "data" not in body
    assert response.status_code == body["errors"][0]["extensions"]["status"] or response.status_code == 400
    assert body["extensions"]["metrics"]["sqlStatements"] == 0
    report(pytestconfig, f"hostile {name}: {code} HTTP {response.status_code} in {elapsed_ms:.1f} ms")


async def test_limit_messages_name_the_limit(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json=HOSTILE["depth 50"][0])).json()
    assert f"limit of {DEFAULTS.max_depth}" in body["errors"][0]["message"]
    body = (await client.post("/graphql", json=HOSTILE["a huge first"][0])).json()
    assert f"at most {DEFAULTS.max_page_size}" in body["errors"][0]["message"]


async def test_a_text_that_passed_is_checked_again_for_other_page_sizes(client: httpx.AsyncClient) -> None:
    # The limits remember texts that passed (document_cache.py); a page size given as a variable
    # is part of what they remember, so the same text with a huge `first` is still refused.
    query = "query($n: Int) { hokses(first: $n) { totalCount } }"
    for n in (10, 10, 10**9, 10):
        body = (await client.post("/graphql", json={"query": query, "variables": {"n": n}})).json()
        codes = [e["extensions"]["code"] for e in body.get("errors") or []]
        assert ("BAD_USER_INPUT" in codes) == (n == 10**9), (n, body)


async def test_limits_come_from_settings(database_url: str) -> None:
    query = {"query": tree(3)}
    async with gateway(database_url, max_depth=3) as strict:
        refused = (await strict.post("/graphql", json=query)).json()
    async with gateway(database_url, max_depth=4) as relaxed:
        allowed = (await relaxed.post("/graphql", json=query)).json()
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert allowed == {"data": {"organisation": None}}


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def items(self, first: int = 5) -> list[Item]:
        return []


@strawberry.type
class Root:
    @strawberry.field
    def items(self, first: int | None = None) -> list[Item]:
        return []

    @strawberry.field
    def tags(self) -> list[Item]:
        return []


TOY = strawberry.Schema(query=Root)._schema


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        ("{ items(first: 3) { name } }", {}, 1 + 3 * 1),
        ("query($n: Int) { items(first: $n) { name } }", {"n": 7}, 1 + 7 * 1),
        ("{ items { name } }", {}, 1 + 50 * 1),  # `first` left out: default_page_size
        ("{ tags { name } }", {}, 1 + 5 * 1),  # a list without paging: default_list_size
        ("{ items(first: 2) { items { name } } }", {}, 1 + 2 * (1 + 5 * 1)),  # the argument's default
        ("{ items(first: 2) { ...F ...F } } fragment F on Item { name }", {}, 1 + 2 * 2),
    ],
)
def test_cost_multiplies_subtrees_by_list_size(query: str, variables: dict[str, Any], cost: int) -> None:
    limits = Limits(max_cost=cost)
    assert measure(TOY, parse(query), limits).cost == cost if not variables else True
    assert check_document(TOY, parse(query), variables, limits) == []
    over = check_document(TOY, parse(query), variables, Limits(max_cost=cost - 1))
    assert [e.code for e in over] == ["QUERY_TOO_COSTLY"]


def _everything(type_: GraphQLObjectType, path: tuple[str, ...], depth: int) -> str:
    """Every field of a type, following object fields not already on the path."""
    parts = []
    for name, field in type_.fields.items():
        if any(is_required_argument(a) for a in field.args.values()):
            continue
        inner: GraphQLNamedType = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif isinstance(inner, GraphQLObjectType) and inner.name not in path and depth > 1:
            selection = _everything(inner, (*path, inner.name), depth - 1)
            if selection:
                parts.append(f"{name} {{ {selection} }}")
        elif not isinstance(inner, GraphQLObjectType):
            parts.append(f"{name} {{ __typename }}")
    return " ".join(parts)


def whole_plan() -> str:
    """What a plan view asks for: every part of the plan, to the bottom (not its history)."""
    hoks = schema._schema.get_type("Hoks")
    assert isinstance(hoks, GraphQLObjectType)
    around = {"revisions", "revisionByNumber", "learner", "studyRight", "organisation"}
    parts = GraphQLObjectType("Plan", {k: v for k, v in hoks.fields.items() if k not in around})
    return 'query Plan { hoks(id: "1") { ' + _everything(parts, ("Query", "Hoks"), 7) + " } }"


def parser_tokens(query: str) -> int:
    """graphql-core's own count: the least max_tokens it parses the document under."""
    low, high = 0, 100_000
    while low < high:
        middle = (low + high) // 2
        try:
            parse(query, max_tokens=middle)
            high = middle
        except GraphQLError:
            low = middle + 1
    return low


@pytest.mark.parametrize("name", ["whole plan", "introspection"])
def test_the_fast_token_count_agrees_with_the_parser(name: str) -> None:
    query = whole_plan() if name == "whole plan" else get_introspection_query(descriptions=True)
    counted = parser_tokens(query)
    assert not exceeds_tokens(query, counted) and exceeds_tokens(query, counted - 1)


def test_honest_queries_fit_well_inside_the_defaults(pytestconfig: pytest.Config) -> None:
    graph = schema._schema
    for name, query in [("whole plan", whole_plan()), ("GraphiQL introspection", get_introspection_query())]:
        document = parse(query, max_tokens=DEFAULTS.max_tokens)
        found = measure(graph, document, DEFAULTS)
        report(pytestconfig, f"{name}: {parser_tokens(query)} tokens, {found}")
        assert check_document(graph, document, {}, Limits(introspection=True)) == []
        assert found.cost * 4 < DEFAULTS.max_cost and found.depth < DEFAULTS.max_depth
        assert parser_tokens(query) * 2 < DEFAULTS.max_tokens
