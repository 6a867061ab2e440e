"""Boot the gateway the way `make run` does: embedded PostgreSQL, migrate, seed once, serve,
Ctrl-C stops everything. Deliberately ignores HOKS_TEST_DATABASE_URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil

from hoks_gateway.identifiers import OPH_ROOT_OID
from tests.processes import demo_server


def processes_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in cmdline and process.pid != os.getpid():
            found.append(process)
    return found


def boot_and_stop(data_dir: Path, log: Path, stop: signal.Signals = signal.SIGINT, *options: str) -> str:
    """Run `serve --demo` until ready, check it answers, stop it with `stop`; return its output."""
    with demo_server(data_dir, log, *options, stop=stop) as (base, _):
        answer = httpx.post(
            f"{base}/graphql",
            json={
                "query": "query($oid: ID!) { organisation(oid: $oid) { type children { oid type } } }",
                "variables": {"oid": OPH_ROOT_OID},
            },
        ).json()
        root = answer["data"]["organisation"]
        assert root["type"] == "ROOT"
        assert len(root["children"]) > 0
        assert all(child["type"] == "KOULUTUSTOIMIJA" for child in root["children"])
    output = log.read_text()
    assert f"GraphiQL:  {base}/graphql" in output
    return output


def test_make_run_path_serves_seeds_once_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = boot_and_stop(data_dir, tmp_path / "first.log")
    assert "seeding demo data" in first
    assert processes_using(data_dir) == [], "the embedded PostgreSQL outlived the gateway"

    # A run that was killed (kill -9, a crash) never left the embedded server's handle list.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handles = data_dir / "pg" / ".handle_pids.json"
    handles.write_text(json.dumps([*json.loads(handles.read_text()), dead.pid]))

    second = boot_and_stop(data_dir, tmp_path / "second.log")
    assert "seeding demo data" not in second, "the demo data should be reused, not seeded again"
    assert processes_using(data_dir) == []


def test_sigterm_stops_everything(tmp_path: Path) -> None:
    """Docker, systemd and Kubernetes stop services with SIGTERM: nothing may outlive it."""
    data_dir = tmp_path / "data"
    output = boot_and_stop(data_dir, tmp_path / "one.log", signal.SIGTERM)
    assert "hoks-gateway stopped." in output
    assert processes_using(data_dir) == [], "the embedded PostgreSQL outlived SIGTERM"

    boot_and_stop(data_dir, tmp_path / "two.log", signal.SIGTERM, "--workers", "2")
    assert processes_using(data_dir) == [], "a worker or the embedded PostgreSQL outlived SIGTERM"
