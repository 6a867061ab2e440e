"""The gateway as a real server on a free loopback port, for the tests that need a socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import free_port, wait_until_answering

BOOT_TIMEOUT_S = 60


@contextmanager
def serving(database_url: str, log: Path, **settings: str) -> Iterator[str]:
    """uvicorn with the app factory, HOKS_* from `settings`; yields the base URL, stops by PID."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env |= {"HOKS_DATABASE_URL": database_url, **{f"HOKS_{k.upper()}": v for k, v in settings.items()}}
    command = [sys.executable, "-m", "uvicorn", "hoks_gateway.app:app_from_environment", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(server, f"{base}/healthz", log, BOOT_TIMEOUT_S)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def report(config: pytest.Config, line: str) -> None:
    """Print past pytest's capture, so CI logs show the figure without `-s`."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if capture is None or reporter is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)
