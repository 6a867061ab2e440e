"""Compiled execution answers exactly as graphql-core does: every view of bench/views.py and
generated selections over the plan's and the learner's types, for every principal kind, compared
byte for byte (graphql/compiled/). The compiled side also reads a plan by id, and a learner, with
the levels its selection reaches in one statement that inserts its audit events (view reads:
hoks/plan_view.py, learners/learner_view.py), the graphql-core side edge by edge with the audit
insert after: answers and the audit events each request wrote must be the same."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLType,
    is_required_argument,
)

from bench import views
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database
from hoks_gateway.graphql.schema import schema
from hoks_gateway.seed.run import SeedOptions, seed_database
from tests.client import bearer, gateway, pseudonym
from tests.read_graph.helpers import ADMIN, ANALYST, staff

SERVICE_ID = "compiled-sis"


@dataclass(frozen=True)
class World:
    url: str
    data_dir: Path
    principals: dict[str, Principal]
    oppilaitos: str
    plans: list[int]
    learners: list[str]


@pytest.fixture(scope="module")
async def world(
    server_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    name = f"hoks_test_compiled_{random.randrange(10**9)}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    url = with_database(server_url, name)
    await seed_database(url, SeedOptions(hoks=120, providers=12, seed=11))
    conn = await asyncpg.connect(url)
    try:
        oppilaitos = await conn.fetchval(
            "SELECT organisation_oid FROM hoks GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        learner = await conn.fetchval(
            "SELECT learner_oid FROM hoks WHERE organisation_oid = $1 ORDER BY id LIMIT 1", oppilaitos
        )
        plans = [r["id"] for r in await conn.fetch("SELECT id FROM hoks ORDER BY id LIMIT 12")]
        plans += [
            r["id"] for r in await conn.fetch("SELECT id FROM hoks WHERE organisation_oid = $1", oppilaitos)
        ]
        toimija = await conn.fetchval(
            "SELECT koulutustoimija_oid FROM study_rights WHERE oppilaitos_oid = $1 LIMIT 1", oppilaitos
        )
        other = await conn.fetchval(
            "SELECT oppilaitos_oid FROM study_rights WHERE koulutustoimija_oid <> $1 LIMIT 1", toimija
        )
        # Learners of the oppilaitos (with and without plans), and of elsewhere.
        learners = [
            r["learner_oid"]
            for r in await conn.fetch(
                "(SELECT learner_oid FROM study_rights WHERE oppilaitos_oid = $1 ORDER BY oid LIMIT 6)"
                " UNION ALL (SELECT learner_oid FROM study_rights s WHERE NOT EXISTS"
                " (SELECT FROM hoks h WHERE h.study_right_oid = s.oid) ORDER BY oid LIMIT 3)"
                " UNION ALL (SELECT learner_oid FROM study_rights ORDER BY oid DESC LIMIT 3)",
                oppilaitos,
            )
        ]
    finally:
        await conn.close()
    db = Database.connect(url, pool_size=1, max_overflow=0)
    privileges = {oppilaitos: frozenset({Privilege.READ, Privilege.WRITE})}
    await ServiceAccounts(db, system_clock).add(SERVICE_ID, privileges, "secret")
    await db.dispose()
    yield World(
        url,
        tmp_path_factory.mktemp("compiled"),
        {
            "LEARNER": Principal(PrincipalKind.LEARNER, learner),
            "STAFF": staff(oppilaitos),
            # Several organisations: each audit event names the one nearest the data's.
            "STAFF_MANY": staff(oppilaitos, toimija, other),
            "SERVICE": Principal(PrincipalKind.SERVICE, SERVICE_ID, privileges),
            "ADMIN": ADMIN,
            "ANALYST": ANALYST,
        },
        oppilaitos,
        sorted(set(plans)),
        list(dict.fromkeys([learner, *learners])),
    )
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Ask = tuple[httpx.AsyncClient, httpx.AsyncClient]


async def _admin(server_url: str, statement: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def both(world: World) -> AsyncIterator[Ask]:
    """(graphql-core, compiled): two gateways on the same database."""
    async with (
        gateway(
            world.url, data_dir=world.data_dir, demo=True, compiled_execution=False, view_reads=False
        ) as interpreted,
        gateway(world.url, data_dir=world.data_dir, demo=True, compiled_execution=True) as compiled,
    ):
        yield interpreted, compiled


_EVENTS = """
SELECT principal_kind, principal_id, principal_organisation_oid, operation, operation_id, outcome,
       organisation_oid, target_learner_oid, target_hoks_id
FROM audit_events WHERE id > $1 ORDER BY id
"""


async def _audited(world: World, post: Any) -> tuple[httpx.Response, list[tuple[Any, ...]]]:
    """The response to `post()` and the audit events it left, sorted."""
    conn = await asyncpg.connect(world.url)
    try:
        last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_events")
        response = await post()
        # In the order written, but concurrent reads of one request may finish in either order.
        return response, sorted((tuple(r) for r in await conn.fetch(_EVENTS, last)), key=repr)
    finally:
        await conn.close()


async def same_answer(both: Ask, world: World, kind: str, query: str, variables: dict[str, Any]) -> bytes:
    headers = bearer(world.data_dir, world.principals[kind])
    body = {"query": query, "variables": variables}
    interpreted, slow_events = await _audited(
        world, lambda: both[0].post("/graphql", json=body, headers=headers)
    )
    compiled, fast_events = await _audited(
        world, lambda: both[1].post("/graphql", json=body, headers=headers)
    )
    assert compiled.status_code == interpreted.status_code
    assert compiled.content == interpreted.content, f"{kind}: {query}\n{variables}"
    assert fast_events == slow_events, f"{kind}: {query}\n{variables}"
    return compiled.content


KINDS = ["LEARNER", "STAFF", "STAFF_MANY", "SERVICE", "ADMIN", "ANALYST"]


def named(world: World, kind: str, plan: int) -> str:
    """The plan's id as `kind` names it: analysts by its pseudonym."""
    return pseudonym(world.data_dir, Identifier.HOKS, plan) if kind == "ANALYST" else str(plan)


@pytest.mark.parametrize("kind", KINDS)
async def test_every_view_is_answered_alike(both: Ask, world: World, kind: str) -> None:
    answers = [
        await same_answer(both, world, kind, views.LEARNER_VIEW, {}),
        await same_answer(both, world, kind, views.STATISTICS, {}),
        await same_answer(both, world, kind, views.STAFF_LIST, {"org": world.oppilaitos, "first": 50}),
        await same_answer(both, world, kind, views.STAFF_LIST, {"first": 7}),
    ]
    plans = [
        await same_answer(both, world, kind, views.PLAN_DETAIL, {"id": named(world, kind, plan)})
        for plan in world.plans
    ]
    learners = [
        await same_answer(both, world, kind, views.LEARNER_BY_OID, {"oid": learner_named(world, kind, oid)})
        for oid in world.learners
    ]
    assert any(b'"hoks":{' in answer for answer in learners)
    # The comparison means something only if the views really answered with data, plans included.
    assert any(b'"hoks":{' in answer or b'"learners":{"totalCount":' in answer for answer in answers)
    assert any(b'"hoks":{' in answer for answer in plans)


def learner_named(world: World, kind: str, oid: str) -> str:
    """The learner's OID as `kind` names it: analysts by its pseudonym."""
    return pseudonym(world.data_dir, Identifier.LEARNER, oid) if kind == "ANALYST" else oid


# --- generated selections ---------------------------------------------------------------------

EDGES = {"learner", "studyRight", "organisation", "parent", "children", "revisions", "revisionByNumber"}


def _unwrap(t: GraphQLType) -> GraphQLType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


class Selections:
    """Random selections over an object type: subsets of its fields, aliases, fragments,
    `@include`/`@skip` on variables, `__typename`, nested to a few levels."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fragments: list[str] = []
        self.names = 0

    def _name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def of(self, type_name: str, depth: int = 0) -> str:
        t = schema._schema.get_type(type_name)
        assert isinstance(t, GraphQLObjectType)
        fields = [
            (name, f)
            for name, f in t.fields.items()
            if not any(is_required_argument(a) for a in f.args.values()) and (name not in EDGES or depth < 2)
        ]
        chosen = self.rng.sample(fields, k=max(1, min(len(fields), self.rng.randint(1, 8))))
        parts = [self._field(name, f, depth) for name, f in chosen]
        if self.rng.random() < 0.3:
            parts.append("__typename")
        if self.rng.random() < 0.2:
            fragment = self._name("F")
            name, f = self.rng.choice(fields)
            self.fragments.append(f"fragment {fragment} on {t.name} {{ {self._field(name, f, depth)} }}")
            parts.append(f"...{fragment}")
        if self.rng.random() < 0.2:
            name, f = self.rng.choice(fields)
            parts.append(f"... on {t.name} {{ {self._field(name, f, depth)} }}")
        return "{ " + " ".join(parts) + " }"

    def _field(self, name: str, f: GraphQLField, depth: int) -> str:
        inner = _unwrap(f.type)
        text = name
        if self.rng.random() < 0.2:
            text = f"{self._name('a')}: {name}"
        if self.rng.random() < 0.15:
            text += self.rng.choice(
                [" @include(if: $yes)", " @skip(if: $yes)", " @include(if: $no)", " @skip(if: $no)"]
            )
        if isinstance(inner, GraphQLObjectType):
            text += " " + self.of(inner.name, depth + 1)
        return text


def generated(rng: random.Random, root: str, argument: str, type_name: str) -> tuple[str, dict[str, bool]]:
    """A query of `root(argument: $argument)` with a generated selection over `type_name`, and the
    values of the directive variables it declares."""
    selections = Selections(rng)
    selection = selections.of(type_name)
    fragments = "\n".join(selections.fragments)
    used = [name for name in ("yes", "no") if f"${name}" in selection + fragments]
    declared = "".join(f", ${name}: Boolean!" for name in used)
    query = (
        f"query(${argument}: ID!{declared}) {{ {root}({argument}: ${argument}) {selection} }}\n{fragments}"
    )
    return query, {k: v for k, v in {"yes": True, "no": False}.items() if k in used}


@pytest.mark.parametrize("seed", range(40))
async def test_generated_plan_selections_are_answered_alike(both: Ask, world: World, seed: int) -> None:
    rng = random.Random(seed)
    query, variables = generated(rng, "hoks", "id", "Hoks")
    plan = rng.choice(world.plans)
    for kind in KINDS:
        asked = variables | {"id": named(world, kind, plan)}
        answer = orjson.loads(await same_answer(both, world, kind, query, asked))
        assert "data" in answer, answer


@pytest.mark.parametrize("seed", range(20))
async def test_generated_learner_selections_are_answered_alike(both: Ask, world: World, seed: int) -> None:
    """A learner's selection decides how deep its view read goes (graphql/lookahead.py): study
    rights, plans, documents, through fragments and `@include`/`@skip`."""
    rng = random.Random(1000 + seed)
    query, variables = generated(rng, "learner", "oid", "Learner")
    oid = rng.choice(world.learners)
    for kind in KINDS:
        asked = variables | {"oid": learner_named(world, kind, oid)}
        answer = orjson.loads(await same_answer(both, world, kind, query, asked))
        assert "data" in answer, answer


async def test_several_root_fields_are_audited_alike(both: Ask, world: World) -> None:
    """Beside other root fields a view read leaves its audit events to the request's trail."""
    oid, plan = world.learners[0], world.plans[0]
    query = (
        "query Both($oid: ID!, $id: ID!) { learner(oid: $oid) { surname studyRights { oid } } "
        "hoks(id: $id) { id learner { oid } } me { kind } }"
    )
    for kind in KINDS:
        variables = {"oid": learner_named(world, kind, oid), "id": named(world, kind, plan)}
        await same_answer(both, world, kind, query, variables)


async def test_errors_and_nulls_are_answered_alike(both: Ask, world: World) -> None:
    cases = [
        ("STAFF", "{ learners(first: 5000) { totalCount } }", {}),  # refused argument
        (
            "STAFF",
            "query($o: ID) { learners(organisationOid: $o) { totalCount } }",
            {"o": "1.2.246.562.10.00000000001"},
        ),
        ("LEARNER", '{ hoks(id: "999999999") { id } }', {}),
        ("LEARNER", '{ hoks(id: "x") { id learner { oid } } }', {}),
        ("ANALYST", "{ learners(orderBy: SURNAME_ASC) { totalCount } }", {}),
        (
            "ADMIN",
            '{ a: organisation(oid: "1.2.246.562.10.00000000001") { oid children { oid type } } '
            "b: me { kind } }",
            {},
        ),
    ]
    for kind, query, variables in cases:
        await same_answer(both, world, kind, query, variables)
