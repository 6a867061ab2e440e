"""`hoks-gateway health`: the container healthcheck asks the gateway on HOKS_PORT, as a subprocess
the way Docker runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.processes import free_port, gateway_serving


def _health(port: int, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env |= {"HOKS_PORT": str(port), "HOKS_HOST": "0.0.0.0"}  # noqa: S104 (as the image sets it)
    command = [sys.executable, "-m", "hoks_gateway.cli", "health", *options]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _check(database_url: str, log: Path) -> list[subprocess.CompletedProcess[str]]:
    with gateway_serving(log, {"HOKS_DATABASE_URL": database_url}) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        answers = [_health(port), _health(port, "--ready")]
    return [*answers, _health(free_port())]


async def test_health_asks_the_gateway_on_its_configured_port(database_url: str, tmp_path: Path) -> None:
    up, ready, nobody = await asyncio.to_thread(_check, database_url, tmp_path / "gateway.log")
    assert up.returncode == 0 and "/healthz: 200" in up.stdout, up
    assert ready.returncode == 0 and "/readyz: 200" in ready.stdout, ready
    assert nobody.returncode == 1 and "hoks-gateway:" in nobody.stderr, nobody
