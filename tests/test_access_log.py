"""The access log: one line per request with what operators correlate by, never a query string
(where a GraphQL GET carries its variables, learner OIDs among them)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pythonjsonlogger.json import JsonFormatter

from hoks_gateway.access_log import ACCESS_LOGGER
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.factories import Factory

QUERY = "query Anything($oid: ID!) { learner(oid: $oid) { surname } }"


async def test_a_line_per_request_with_its_id_principal_operation_status_and_duration(
    db: Database, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    toimija, oppilaitos = await Factory(db).provider("Tredu")
    learner, _right, _plan = await Factory(db).learner_with_plan(toimija, oppilaitos)
    staff = Principal(
        PrincipalKind.STAFF, "1.2.246.562.24.10000000008", {toimija: frozenset({Privilege.READ})}
    )
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        response = await client.get(
            "/graphql",
            params={"query": QUERY, "variables": json.dumps({"oid": learner})},
            headers={**bearer(tmp_path, staff), "X-Request-Id": "req-42", "Accept": "application/json"},
        )
        assert response.json()["data"]["learner"]["surname"], response.text
        await client.get("/healthz")

    lines = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 2
    graphql, health = lines
    fields = ("request_id", "principal_kind", "operation", "status", "method", "path")
    assert {name: getattr(graphql, name) for name in fields} == {
        "request_id": "req-42",
        "principal_kind": "STAFF",
        "operation": "query:learner",
        "status": 200,
        "method": "GET",
        "path": "/graphql",
    }
    assert getattr(graphql, "duration_ms") > 0  # noqa: B009 (an attribute the log call added)
    assert {name: getattr(health, name) for name in fields[1:]} == {
        "principal_kind": "ANONYMOUS",
        "operation": None,
        "status": 200,
        "method": "GET",
        "path": "/healthz",
    }
    for record in lines:
        for line in (record.getMessage(), JsonFormatter().format(record)):
            assert learner not in line and "?" not in line and "Bearer" not in line and "surname" not in line
