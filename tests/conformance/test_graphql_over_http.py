"""The graphql-http audit suite (GraphQL over HTTP spec) against the gateway as a real server.

The server runs with production settings except introspection: audits 28B9/2EA1/D6D5/6A70 query
`__type` and expect no errors, so they can only pass where introspection is allowed (demo mode).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.hardening.server import report, serving

HERE = Path(__file__).resolve().parent


def _installed() -> None:
    """`make test` installs the audit's npm packages; a bare `pytest` run does it here."""
    if (HERE / "node_modules" / "graphql-http" / "package.json").exists():
        return
    npm = shutil.which("npm")
    assert npm is not None, "node and npm are needed for the GraphQL-over-HTTP audit"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)


def test_graphql_http_audit_is_clean(database_url: str, tmp_path: Path, pytestconfig: pytest.Config) -> None:
    _installed()
    node = shutil.which("node")
    assert node is not None
    with serving(database_url, tmp_path / "server.log", introspection="true") as base:
        audit = subprocess.run(
            [node, str(HERE / "audit.mjs"), f"{base}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert audit.returncode == 0, audit.stderr
    lines = audit.stdout.strip().splitlines()
    summary = lines[-1]
    report(pytestconfig, f"graphql-http audit: {summary}")
    failures = [row for row in map(json.loads, lines[:-1]) if row["status"] != "ok"]
    counts = dict(part.split("=") for part in summary.removeprefix("SUMMARY ").split())
    assert counts["error"] == "0" and counts["warn"] == "0", (summary, failures)
