"""A small closed-loop HTTP load generator for the benchmarks: N concurrent clients, each
sending its next request as soon as the previous one is answered, for a fixed number of requests.
Loopback only; bounded in count and time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Body = dict[str, Any]
MakeBody = Callable[[int], Body]
MakeHeaders = Callable[[int], dict[str, str]]


@dataclass
class Result:
    name: str
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    sql_statements: list[int] = field(default_factory=list)
    wall_s: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_s)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def line(self, unit: str = "req") -> str:
        count = len(self.latencies_s)
        sql = f"{statistics.mean(self.sql_statements):.1f}" if self.sql_statements else "n/a"
        return (
            f"{self.name:<34} {count / self.wall_s:8.1f} {unit}/s   p50 {self.percentile(50) * 1000:7.2f} ms"
            f"   p99 {self.percentile(99) * 1000:7.2f} ms   SQL/req {sql:>5}   errors {self.errors}"
        )


async def run(
    name: str,
    url: str,
    make_body: MakeBody,
    *,
    requests: int,
    concurrency: int,
    headers: dict[str, str] | MakeHeaders | None = None,
    max_seconds: float = 120.0,
) -> Result:
    """`headers` may vary per request (e.g. each learner's own token)."""
    result = Result(name)
    counter = iter(range(requests))
    deadline = time.perf_counter() + max_seconds

    async def client(http: httpx.AsyncClient) -> None:
        for i in counter:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            sent = headers(i) if callable(headers) else headers
            response = await http.post(url, json=make_body(i), headers=sent)
            result.latencies_s.append(time.perf_counter() - started)
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                result.errors += 1
            metrics = (body.get("extensions") or {}).get("metrics")
            if metrics:
                result.sql_statements.append(metrics["sqlStatements"])

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result
