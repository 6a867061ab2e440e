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
from tests.processes import free_port, wait_until_answering

BOOT_TIMEOUT_S = 180


def processes_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in cmdline and process.pid != os.getpid():
            found.append(process)
    return found


def boot_and_stop(data_dir: Path, log: Path) -> str:
    """Run `serve --demo` until ready, check it answers, stop it with SIGINT; return its stderr."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env["HOKS_DATA_DIR"] = str(data_dir)
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "hoks_gateway.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=stderr,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(server, f"{base}/readyz", log, BOOT_TIMEOUT_S)
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
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
    output = log.read_text()
    assert f"GraphiQL:  http://127.0.0.1:{port}/graphql" in output
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
