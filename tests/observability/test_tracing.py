"""OpenTelemetry traces of a running gateway, exported over OTLP/HTTP to a local receiver
(tests/observability/otlp.py) by the real SDK exporter: a server span per request carrying the
request id, a client span per SQL statement under it, and nothing personal in any of them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.observability.otlp import CLIENT, SERVER, ReceivedSpan, otlp_receiver
from tests.observability.world import ADMIN, FIRST_NAMES, LEARNER, SURNAME, World, make_world
from tests.processes import gateway_serving


def _server_span(spans: list[ReceivedSpan], request_id: str) -> ReceivedSpan | None:
    found = [s for s in spans if s.span.kind == SERVER and s.attributes.get("hoks.request_id") == request_id]
    assert len(found) <= 1, f"{len(found)} server spans for one request"
    return found[0] if found else None


def _statements(spans: list[ReceivedSpan], server: ReceivedSpan) -> list[ReceivedSpan]:
    return [
        s
        for s in spans
        if s.span.kind == CLIENT
        and s.span.trace_id == server.span.trace_id
        and s.attributes.get("db.system", s.attributes.get("db.system.name")) == "postgresql"
    ]


async def test_a_span_per_request_and_per_statement_without_personal_data(
    database_url: str, tmp_path: Path
) -> None:
    world = await make_world(database_url, tmp_path)
    answers, spans = await asyncio.to_thread(_requests_and_spans, world, database_url, tmp_path)
    for request_id, answer in answers.items():
        server = _server_span(spans, request_id)
        assert server is not None
        assert server.service == "hoks-gateway-under-test"
        statements = _statements(spans, server)
        # Every statement the request ran (extensions.metrics counts them) is a span of its own,
        # a child of the request's span; the read's audit insert is one of them, or inside the
        # statement that read (a view read: audit/folded.py).
        assert len(statements) >= answer["extensions"]["metrics"]["sqlStatements"] >= 1
        assert {s.span.parent_span_id for s in statements} == {server.span.span_id}
        assert any("audit_events" in str(s.attributes.get("db.statement", "")) for s in statements)
        assert "?" not in str(server.attributes.get("http.target", ""))

    personal = [world.learner, world.study_right, FIRST_NAMES, SURNAME, ADMIN.id, world.admin_token]
    for received in spans:
        texts = [received.span.name, *(str(v) for v in received.attributes.values())]
        leaked = [value for value in personal for text in texts if value in text]
        assert leaked == [], f"{received.span.name} carries {leaked}"


def _requests_and_spans(
    world: World, database_url: str, tmp_path: Path
) -> tuple[dict[str, dict[str, Any]], list[ReceivedSpan]]:
    """Two learner reads (POST, and GET with the OID in its query string) by id, with the spans
    the gateway exported for them."""
    with otlp_receiver() as (endpoint, receiver):
        environment = {
            "HOKS_DATABASE_URL": database_url,
            "HOKS_TOKEN_SIGNING_KEY_PATH": str(world.key_path),
            "HOKS_DEBUG_METRICS": "true",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_SERVICE_NAME": "hoks-gateway-under-test",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        with gateway_serving(tmp_path / "gateway.log", environment) as (base, _):
            posted = httpx.post(
                f"{base}/graphql",
                json={"query": LEARNER, "variables": {"oid": world.learner}},
                headers={**world.admin, "X-Request-Id": "trace-post-1"},
                timeout=30,
            )
            # A GET carries the learner's OID in its query string.
            got = httpx.get(
                f"{base}/graphql",
                params={"query": LEARNER, "variables": json.dumps({"oid": world.learner})},
                headers={**world.admin, "X-Request-Id": "trace-get-1", "Accept": "application/json"},
                timeout=30,
            )
            answers = {"trace-post-1": posted.json(), "trace-get-1": got.json()}
            for answer in answers.values():
                assert answer["data"]["learner"]["surname"] == SURNAME, answer

            def complete(spans: list[ReceivedSpan]) -> bool:
                for request_id, answer in answers.items():
                    server = _server_span(spans, request_id)
                    wanted = answer["extensions"]["metrics"]["sqlStatements"]
                    if server is None or len(_statements(spans, server)) < wanted:
                        return False
                return True

            spans = receiver.wait_for(complete)

    return answers, spans


def test_tracing_off_imports_nothing_of_opentelemetry(database_url: str) -> None:
    program = (
        "import sys\n"
        "from hoks_gateway.app import create_app\n"
        "from hoks_gateway.settings import Settings\n"
        f"create_app(Settings(database_url={database_url!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]", result.stdout
