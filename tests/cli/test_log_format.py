"""`serve` logs in one format from every process, text or JSON (HOKS_LOG_FORMAT): uvicorn's lines,
the gateway's own and the access log alike, with one worker or several.

A spawned worker configured no logging of its own, so its lines came out in another format than a
single process's.
"""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import gateway_serving

LEARNER_OID = "1.2.246.562.24.44651722625"
# logs.TEXT: "%(asctime)s %(levelname)s %(name)s: %(message)s"
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")
CONNECTIONS = 32  # all on one of two workers by chance: 2 ** -31 with the kernel's hash


def _serve_and_ask(database_url: str, log: Path, log_format: str, workers: int) -> str:
    environment = {"HOKS_DATABASE_URL": database_url, "HOKS_LOG_FORMAT": log_format}
    with gateway_serving(log, environment, "--workers", str(workers), stop=signal.SIGTERM) as (base, _):
        # A new connection each: the kernel spreads them over the workers' sockets.
        for _ in range(CONNECTIONS):
            assert httpx.get(f"{base}/healthz").status_code == 200
        variables = json.dumps({"oid": LEARNER_OID})
        asked = httpx.get(f"{base}/graphql", params={"query": "{ __typename }", "variables": variables})
        assert asked.status_code == 200
    return log.read_text()


def _access(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "hoks_gateway.access"]


@pytest.mark.parametrize("workers", [1, 2])
def test_json_lines_from_every_worker(database_url: str, tmp_path: Path, workers: int) -> None:
    output = _serve_and_ask(database_url, tmp_path / "serve.log", "json", workers)
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all(isinstance(line, dict) for line in lines)
    assert all({"time", "level", "logger", "pid", "message"} <= set(line) for line in lines), lines
    # uvicorn's own lines are in the format too, from every worker.
    started = {line["pid"] for line in lines if line["message"].startswith("Started server process")}
    assert len(started) == workers, lines
    access = _access(lines)
    health = [line for line in access if line["path"] == "/healthz"]
    assert len(health) == CONNECTIONS
    assert len({line["pid"] for line in health}) == workers
    [asked] = [line for line in access if line["path"] == "/graphql"]
    assert (asked["path"], asked["status"], asked["principal_kind"], asked["operation"]) == (
        "/graphql",
        200,
        "ANONYMOUS",
        "query:__typename",
    )
    assert re.fullmatch(r"[0-9a-f]{32}", asked["request_id"]) and asked["duration_ms"] > 0
    assert LEARNER_OID not in output


def test_text_lines_from_every_worker_as_from_one_process(database_url: str, tmp_path: Path) -> None:
    output = _serve_and_ask(database_url, tmp_path / "serve.log", "text", 2)
    # What `serve` tells the person at the terminal stands between the log lines, as it is.
    told = {"", "Press Ctrl-C to stop.", "hoks-gateway stopped."}
    banner = ("  ", "hoks-gateway ")
    lines = [line for line in output.splitlines() if line not in told and not line.startswith(banner)]
    assert lines and [line for line in lines if not TEXT_LINE.match(line)] == []
    assert sum("hoks_gateway.access" in line and '"GET /healthz"' in line for line in lines) == CONNECTIONS
    assert sum("Started server process" in line for line in lines) == 2
    assert LEARNER_OID not in output
