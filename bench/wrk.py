"""wrk as the load of the side-by-side: fixed connections for fixed seconds, request bodies in turn.

wrk (C, one thread) sends the next request on a connection as soon as the answer is read, so the
figure is what the server can do, not what a Python client can send. `bench/wrk_bodies.lua` posts
the bodies and counts every answer that is not a 200 without `"errors"` as bad.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_bodies.lua")
_RESULT = re.compile(
    r"RESULT rps=([\d.]+) p50=([\d.]+)ms p99=([\d.]+)ms n=(\d+) bad=(\d+) socket=(\d+) bytes/req=(\d+)"
)


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int
    """Answers that were not a 200 without errors, plus socket errors and timeouts."""
    bytes_per_request: int


def available() -> bool:
    return shutil.which("wrk") is not None


def _wrk(url: str, bodies: Path, token: str | None, seconds: int, connections: int) -> str:
    env = {**os.environ, "BODIES": str(bodies), "TOKEN": token or ""}
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(SCRIPT), url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


def measure(
    url: str, bodies: Path, *, token: str | None, seconds: int, warmup_s: int = 2, connections: int = 10
) -> Figures:
    """Requests/s and latency of POSTing `bodies` (JSON, one a line) to `url`, after a warm-up."""
    if warmup_s > 0:
        _wrk(url, bodies, token, warmup_s, connections)
    out = _wrk(url, bodies, token, seconds, connections)
    found = _RESULT.search(out)
    if found is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out}")
    rps, p50, p99, n, bad, socket, size = found.groups()
    return Figures(float(rps), float(p50), float(p99), int(n), int(bad) + int(socket), int(size))
