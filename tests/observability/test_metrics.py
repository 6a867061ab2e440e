"""Prometheus metrics of `serve --workers 2`, scraped over HTTP from the metrics port as Prometheus
would (docs/operations.md, "Observing"): every figure is checked against what the client saw or
what the database holds, and the sum over both workers is what is served.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.observability.world import CLIENT_ID, LEARNER, World, make_world
from tests.processes import free_port, gateway_serving

ORGANISATION = "query($oid: ID!) { organisation(oid: $oid) { oid name { fi } } }"
BOTH = "query($oid: ID!, $l: ID!) { organisation(oid: $oid) { oid } learner(oid: $l) { oid } }"
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision } } }"
FRESH_CONNECTIONS = 24

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(url: str) -> Samples:
    text = httpx.get(url, timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _sum(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, found), value in samples.items()
        if sample == name and all(dict(found).get(k) == v for k, v in labels.items())
    )


class Client:
    """Sends requests and keeps what the gateway answered, as a client would see it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.graphql_requests = 0
        self.sql_statements = 0
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.codes: Counter[str] = Counter()

    def graphql(
        self, query: str, variables: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        # A connection per request: the kernel spreads new connections over both workers.
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30
        )
        body: dict[str, Any] = response.json()
        self.graphql_requests += 1
        self.statuses["/graphql", response.status_code] += 1
        self.sql_statements += body.get("extensions", {}).get("metrics", {}).get("sqlStatements", 0)
        self.codes.update({e["extensions"]["code"] for e in body.get("errors", [])})
        return body

    def token(self, secret: str) -> str:
        """The answer's OAuth error (`invalid_client`, `slow_down`) or GraphQL-shaped code."""
        response = httpx.post(
            f"{self.base}/auth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": secret},
            timeout=30,
        )
        self.statuses["/auth/token", response.status_code] += 1
        body = response.json()
        error = str(body.get("error") or body["errors"][0]["extensions"]["code"])
        self.codes[error] += 1
        return error


def _traffic(client: Client, world: World) -> None:
    for _ in range(FRESH_CONNECTIONS):
        assert "errors" not in client.graphql(ORGANISATION, {"oid": world.oppilaitos})
    for _ in range(3):
        body = client.graphql(LEARNER, {"oid": world.learner}, world.admin)
        assert body["data"]["learner"]["surname"], body
    both = client.graphql(BOTH, {"oid": world.oppilaitos, "l": world.learner}, world.admin)
    assert "errors" not in both, both
    document = {
        "oppija-oid": world.spare_learner,
        "opiskeluoikeus-oid": world.spare_study_right,
        "ensikertainen-hyvaksyminen": "2024-09-01",
        "osaamisen-hankkimisen-tarve": True,
    }
    created = client.graphql(IMPORT, {"d": document}, world.admin)
    assert created["data"]["importEhoksDocument"]["hoks"]["id"], created
    assert client.graphql("{ noSuchField }", {})["errors"]
    # Wrong secrets until sign-ins from here wait (HOKS_LOCKOUT_MAX_FAILURES=2), then past the
    # token rate limit (HOKS_RATE_LIMIT_TOKEN_REQUESTS=5).
    errors = [client.token("wrong") for _ in range(7)]
    assert errors == ["invalid_client"] * 2 + ["slow_down"] * 3 + ["RATE_LIMITED"] * 2, errors


async def test_metrics_sum_both_workers_on_their_own_port(
    database_url: str, tmp_path: Path, repo_root: Path
) -> None:
    world = await make_world(database_url, tmp_path)
    metrics_port = free_port()
    environment = {
        "HOKS_DATABASE_URL": database_url,
        "HOKS_METRICS_PORT": str(metrics_port),
        "HOKS_TOKEN_SIGNING_KEY_PATH": str(world.key_path),
        "HOKS_DEBUG_METRICS": "true",
        "HOKS_LOCKOUT_MAX_FAILURES": "2",
        # The wait outlasts the test however slowly the machine checks secrets.
        "HOKS_LOCKOUT_BACKOFF_S": "3600",
        "HOKS_RATE_LIMIT_TOKEN_REQUESTS": "5",
        "HOKS_RATE_LIMIT_WINDOW_S": "3600",
        "HOKS_LOG_LEVEL": "warning",
        # Every organisation query reaches the database, so that the read counts below add up.
        "HOKS_ORGANISATION_CACHE_S": "0",
    }
    client, public, samples = await asyncio.to_thread(
        _serve_and_scrape, tmp_path / "gateway.log", environment, world, metrics_port
    )

    assert public == 404, "metrics are never served on the public port"
    graphql = _sum(samples, "hoks_requests_total", route="/graphql")
    assert graphql == client.graphql_requests, (graphql, client.graphql_requests)
    assert _sum(samples, "hoks_request_duration_seconds_count", route="/graphql") == client.graphql_requests
    assert _sum(samples, "hoks_requests_total", operation="query", root_field="organisation") == (
        FRESH_CONNECTIONS
    )
    assert _sum(samples, "hoks_requests_total", operation="query", root_field="learner") == 3
    assert _sum(samples, "hoks_requests_total", operation="query", root_field="several") == 1
    assert _sum(samples, "hoks_requests_total", operation="mutation", root_field="importEhoksDocument") == 1
    assert _sum(samples, "hoks_requests_total", route="/graphql", operation="none") == 1  # refused
    for (route, status), count in client.statuses.items():
        assert _sum(samples, "hoks_requests_total", route=route, status=str(status)) == count, (route, status)

    assert _sum(samples, "hoks_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert _sum(samples, "hoks_errors_total", code="RATE_LIMITED") == client.codes["RATE_LIMITED"]
    refused = client.codes["RATE_LIMITED"]
    assert _sum(samples, "hoks_rate_limit_refusals_total", limit="token") == refused
    assert _sum(samples, "hoks_lockout_refusals_total") == client.codes["slow_down"]
    assert _sum(samples, "hoks_errors_total", code="SIGN_IN_THROTTLED") == client.codes["slow_down"]
    assert _sum(samples, "hoks_secret_checks_total") == client.codes["invalid_client"]
    assert _sum(samples, "hoks_request_sql_statements_sum", route="/graphql") == client.sql_statements

    connection = await asyncpg.connect(database_url)
    try:
        audit_rows = await connection.fetchval("SELECT count(*) FROM audit_events")
    finally:
        await connection.close()
    assert audit_rows > 0
    assert _sum(samples, "hoks_audit_rows_total") == audit_rows

    # Each worker opened its read pool (at least one connection each): both workers' gauges are
    # in the sum, as are both workers' request counts above.
    assert _sum(samples, "hoks_db_pool_connections", pool="reads:primary", state="open") >= 2
    assert _sum(samples, "hoks_db_pool_connections", pool="engine", state="open") >= 1
    assert _sum(samples, "hoks_db_reads_total", server="primary") >= FRESH_CONNECTIONS


def _serve_and_scrape(
    log: Path, environment: dict[str, str], world: World, metrics_port: int
) -> tuple[Client, int, Samples]:
    """(what the client saw, the public port's answer to /metrics, the scraped metrics)."""
    with gateway_serving(log, environment, "--workers", "2") as (base, _):
        client = Client(base)
        _traffic(client, world)
        public = httpx.get(f"{base}/metrics", timeout=10).status_code
        return client, public, _settled(f"http://127.0.0.1:{metrics_port}/metrics")


def _settled(url: str) -> Samples:
    """The metrics once the sampler (once a second per worker) has run after the traffic."""
    deadline = time.monotonic() + 20
    while True:
        samples = _scrape(url)
        if _sum(samples, "hoks_db_pool_connections", pool="reads:primary", state="open") >= 2:
            time.sleep(1.5)  # one more sampling round in every worker
            return _scrape(url)
        assert time.monotonic() < deadline, "the pools were never sampled"
        time.sleep(0.2)
