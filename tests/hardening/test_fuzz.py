"""Schemathesis (GraphQL mode) against the gateway as a real server, as each kind of principal:
generated queries and mutations for every root field, and never a 5xx or an INTERNAL error.

Bounded and reproducible: a fixed number of examples per field and principal, derandomized,
no example database, no deadline. Verdicts are ours rather than schemathesis's default checks:
those count any error with a `path` as a server error, and denials (UNAUTHENTICATED, FORBIDDEN)
are correct answers here.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from graphql import (
    BooleanValueNode,
    IntValueNode,
    ListValueNode,
    NameNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
)
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.export import sdl
from tests.client import bearer
from tests.factories import Factory
from tests.hardening.hostile import reproducible
from tests.hardening.server import report, serving

EXAMPLES = 6  # per root field and principal: 19 fields x 6 principals x 6 = ~700 requests
SCHEMA = schemathesis.graphql.from_file(sdl())
EHOKS_KEYS = [
    "oppija-oid",
    "opiskeluoikeus-oid",
    "ensikertainen-hyvaksyminen",
    "osaamisen-hankkimisen-tarve",
    "x",
]


def _json_values() -> st.SearchStrategy[ValueNode]:
    """JSON as GraphQL literals, shaped a little like eHOKS documents so that some get far."""
    leaves: st.SearchStrategy[ValueNode] = st.one_of(
        st.text(max_size=20).map(lambda v: StringValueNode(value=v)),
        st.integers(-(2**31), 2**31 - 1).map(lambda v: IntValueNode(value=str(v))),
        st.booleans().map(lambda v: BooleanValueNode(value=v)),
        st.just(NullValueNode()),
    )

    def objects(children: st.SearchStrategy[ValueNode]) -> st.SearchStrategy[ValueNode]:
        fields = st.dictionaries(st.sampled_from(EHOKS_KEYS) | st.text(max_size=8), children, max_size=5)
        lists = st.lists(children, max_size=3).map(lambda v: ListValueNode(values=tuple(v)))
        return lists | fields.map(
            lambda d: ObjectValueNode(
                fields=tuple(ObjectFieldNode(name=NameNode(value=k), value=v) for k, v in d.items())
            )
        )

    return st.recursive(leaves, objects, max_leaves=10)


schemathesis.graphql.scalar("JSON", _json_values())


async def _world(database_url: str) -> dict[str, Principal | None]:
    db = Database.connect(database_url, pool_size=1, max_overflow=0)
    try:
        factory = Factory(db)
        toimija, oppilaitos = await factory.provider("Helsingin kaupunki, Stadin AO")
        learner, _, _ = await factory.learner_with_plan(toimija, oppilaitos)
        everything = {toimija: frozenset(Privilege)}
        await ServiceAccounts(db, system_clock).add("fuzz-sis", everything, "fuzz-secret")
    finally:
        await db.dispose()
    return {
        "anonymous": None,
        "LEARNER": Principal(PrincipalKind.LEARNER, learner),
        "STAFF": Principal(PrincipalKind.STAFF, "1.2.246.562.24.92634157188", everything),
        "SERVICE": Principal(PrincipalKind.SERVICE, "fuzz-sis", everything),
        "ADMIN": Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789"),
        "ANALYST": Principal(PrincipalKind.ANALYST, "1.2.246.562.24.69366181772"),
    }


def _fuzz_operation(
    operation: Any, base: str, headers: dict[str, str], statuses: Counter[int], failures: list[str]
) -> None:
    @reproducible(EXAMPLES)
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = case.call(base_url=f"{base}/graphql", headers=headers, timeout=30)
        statuses[response.status_code] += 1
        body: Any = response.json() if response.content else {}
        codes = [e.get("extensions", {}).get("code") for e in (body.get("errors") or [])]
        if response.status_code >= 500 or "INTERNAL" in codes:
            failures.append(f"{operation.label} -> {response.status_code} {codes}: {case.body!r}")

    check()


def test_fuzzed_operations_never_get_a_server_error(
    database_url: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    principals = asyncio.run(_world(database_url))
    data_dir = tmp_path / "gateway"
    tokens = {who: bearer(data_dir, p) if p else {} for who, p in principals.items()}
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    with serving(database_url, tmp_path / "gateway.log", demo="true", data_dir=str(data_dir)) as base:
        for headers in tokens.values():
            for operation in SCHEMA.get_all_operations():
                assert isinstance(operation, Ok), operation
                _fuzz_operation(operation.ok(), base, headers, statuses, failures)
    report(
        pytestconfig,
        f"fuzz: {sum(statuses.values())} requests as {len(tokens)} principals, "
        f"statuses {dict(sorted(statuses.items()))}, server errors {len(failures)}",
    )
    assert failures == []
