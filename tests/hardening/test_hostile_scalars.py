"""Hostile scalars in every argument of every root field, as every kind of principal: the gateway,
a real server, answers each with a client error or data, never INTERNAL, never a 5xx, and never
logs an ERROR for them.

The root fields and their argument types come from the schema itself (tests/hardening/hostile.py),
so a field or argument added later is covered without touching this test. Bounded and
reproducible: a fixed number of derandomized examples per field and principal.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.schema import schema
from tests.client import bearer
from tests.factories import Factory
from tests.hardening.hostile import RootField, World, reproducible, request, root_fields
from tests.hardening.server import report, serving

EXAMPLES = 25  # per root field and principal: 19 fields x 6 principals x 25 = ~2,800 requests
FIELDS = root_fields(schema._schema)


async def _world(database_url: str) -> tuple[World, dict[str, Principal | None]]:
    db = Database.connect(database_url, pool_size=1, max_overflow=0)
    try:
        factory = Factory(db)
        toimija, oppilaitos = await factory.provider("Hostile Input Oy, ammattiopisto")
        learner, study_right, plan = await factory.learner_with_plan(toimija, oppilaitos)
        spare = await factory.study_right(learner, toimija, oppilaitos)
        everything = {toimija: frozenset(Privilege)}
        await ServiceAccounts(db, system_clock).add("hostile-sis", everything, "hostile-secret")
    finally:
        await db.dispose()
    principals = {
        "anonymous": None,
        "LEARNER": Principal(PrincipalKind.LEARNER, learner),
        "STAFF": Principal(PrincipalKind.STAFF, "1.2.246.562.24.92634157188", everything),
        "SERVICE": Principal(PrincipalKind.SERVICE, "hostile-sis", everything),
        "ADMIN": Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789"),
        "ANALYST": Principal(PrincipalKind.ANALYST, "1.2.246.562.24.69366181772"),
    }
    return World(learner, study_right, oppilaitos, plan, spare), principals


def _codes(response: httpx.Response) -> list[str]:
    try:
        body: Any = response.json()
    except ValueError:
        return ["<not JSON>"]
    return [str(e.get("extensions", {}).get("code")) for e in body.get("errors") or []]


def _fuzz(
    client: httpx.Client,
    root: RootField,
    world: World,
    who: str,
    headers: dict[str, str],
    codes: Counter[str],
    failures: list[str],
) -> None:
    @reproducible(EXAMPLES)
    @given(body=request(root, world))
    def check(body: dict[str, Any]) -> None:
        response = client.post("/graphql", json=body, headers=headers)
        found = _codes(response)
        codes.update(found or ["none"])
        if response.status_code >= 500 or "INTERNAL" in found:
            sent = json.dumps(body["variables"], ensure_ascii=False)
            failures.append(f"{who} {root.label} -> {response.status_code} {found}: {sent}"[:3000])

    check()


def test_hostile_scalars_never_get_a_server_error(
    database_url: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    world, principals = asyncio.run(_world(database_url))
    data_dir = tmp_path / "gateway"
    tokens = {who: bearer(data_dir, p) if p else {} for who, p in principals.items()}
    log = tmp_path / "gateway.log"
    codes: Counter[str] = Counter()
    failures: list[str] = []
    with (
        serving(database_url, log, demo="true", data_dir=str(data_dir), rate_limit_requests="0") as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        for who, headers in tokens.items():
            for root in FIELDS:
                _fuzz(client, root, world, who, headers, codes, failures)
    logged = log.read_text(encoding="utf-8")
    report(
        pytestconfig,
        f"hostile scalars: {sum(codes.values())} errors and answers as {len(tokens)} principals over "
        f"{len(FIELDS)} root fields: {dict(codes.most_common())}; server errors {len(failures)}",
    )
    assert failures == [], "\n".join(failures[:20])
    assert "Traceback" not in logged and " ERROR " not in logged, logged[-5000:]
