"""What metrics and tracing cost a request: the gateway's own CPU time per request.

    .venv/bin/python -m bench.observability --rounds 5 --requests 400

Starts three gateways side by side on the 10k-plan bench database (`hoks-gateway serve --demo`,
one worker each, rate limit off): as it ships (no metrics port, no OTLP endpoint), with
Prometheus metrics on (HOKS_METRICS_PORT), and with tracing on as well (OTEL_EXPORTER_OTLP_ENDPOINT
pointing at a local OTLP receiver, every request sampled); with `--before`, a fourth from another
checkout (the code before metrics and tracing existed: what "off" costs). Each round sends the
same requests to each of them in turn (the order rotating) with 4 concurrent clients, and reads
the server process's CPU time before and after: CPU per request is what the gateway itself
spent, which the machine's noise (other engineers' tests on the same two cores) disturbs far
less than requests per second. Medians over rounds, and the ratio to "off" within each round.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from bench import loadgen
from bench.datasets import DEFAULT_SERVER, ensure_seeded
from bench.gateway import CLI, gateway, mint_token
from bench.server import Served, free_port
from bench.views import ORGANISATION, PLAN_DETAIL
from tests.observability.otlp import otlp_receiver

CONCURRENCY = 4


@dataclass
class Config:
    name: str
    settings: dict[str, str]
    cli: Path = CLI
    served: Served | None = None
    token: str = ""
    cpu_us: dict[str, list[float]] = field(default_factory=dict)
    per_second: dict[str, list[float]] = field(default_factory=dict)


async def _subjects(url: str) -> dict[str, list[Any]]:
    conn = await asyncpg.connect(url)
    try:
        organisations = [r[0] for r in await conn.fetch("SELECT oid FROM organisations ORDER BY oid")]
        plans = [r[0] for r in await conn.fetch("SELECT id FROM hoks WHERE deleted_at IS NULL ORDER BY id")]
    finally:
        await conn.close()
    rng = random.Random(7)
    return {"organisation": rng.sample(organisations, 200), "detail": rng.sample(plans, 200)}


def _cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _measure(config: Config, view: str, subjects: list[Any], requests: int) -> None:
    assert config.served is not None
    query, name = (ORGANISATION, "oid") if view == "organisation" else (PLAN_DETAIL, "id")
    before = _cpu_s(config.served.pid)
    result = asyncio.run(
        loadgen.run(
            f"{config.name} {view}",
            f"{config.served.base}/graphql",
            lambda i: {"query": query, "variables": {name: str(subjects[i % len(subjects)])}},
            requests=requests,
            concurrency=CONCURRENCY,
            headers={"Authorization": f"Bearer {config.token}"},
        )
    )
    spent = _cpu_s(config.served.pid) - before
    if result.errors:
        raise SystemExit(f"{config.name}: {result.errors} errors on {view}; not a valid measurement")
    config.cpu_us.setdefault(view, []).append(spent / len(result.latencies_s) * 1e6)
    config.per_second.setdefault(view, []).append(len(result.latencies_s) / result.wall_s)


@contextmanager
def _running(configs: list[Config], url: str, work: Path) -> Iterator[None]:
    with ExitStack() as stack:
        for config in configs:
            data_dir = work / config.name
            log = work / f"{config.name}.log"
            config.served = stack.enter_context(
                gateway(url, data_dir, log, settings=config.settings, cli=config.cli)
            )
            config.token = mint_token(data_dir)
        yield


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400, help="requests per view, round and gateway")
    parser.add_argument(
        "--before",
        type=Path,
        help="`hoks-gateway` of another checkout (e.g. main's .venv/bin/hoks-gateway), measured as `before`",
    )
    args = parser.parse_args()

    url = asyncio.run(ensure_seeded(args.server, args.plans))
    subjects = asyncio.run(_subjects(url))
    with tempfile.TemporaryDirectory() as work, otlp_receiver() as (endpoint, receiver):
        configs = [
            Config("off", {}),
            Config("metrics", {"HOKS_METRICS_PORT": str(free_port())}),
            Config(
                "metrics+tracing",
                {
                    "HOKS_METRICS_PORT": str(free_port()),
                    "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
                    "OTEL_SERVICE_NAME": "hoks-gateway-bench",
                },
            ),
        ]
        if args.before is not None:
            configs.append(Config("before", {}, args.before))
        with _running(configs, url, Path(work)):
            for view in subjects:
                _measure(configs[0], view, subjects[view], 50)  # warm every gateway's caches
                for config in configs[1:]:
                    _measure(config, view, subjects[view], 50)
            for config in configs:
                config.cpu_us.clear()
                config.per_second.clear()
            for round_ in range(args.rounds):
                for view in subjects:
                    order = configs[round_ % len(configs) :] + configs[: round_ % len(configs)]
                    for config in order:
                        _measure(config, view, subjects[view], args.requests)
        spans = len(receiver.spans)
    _report(configs, args, spans)


def _report(configs: list[Config], args: argparse.Namespace, spans: int) -> None:
    off = configs[0]
    print(
        f"\n{args.plans:,} plans, {args.rounds} rounds of {args.requests} requests per view and gateway, "
        f"{CONCURRENCY} clients; gateway CPU per request (median of rounds) and its ratio to `off` "
        f"within a round (median, range); {spans:,} spans received"
    )
    print("| view | " + " | ".join(c.name for c in configs) + " |")
    print("|---|" + "---|" * len(configs))
    for view in off.cpu_us:
        cells = []
        for config in configs:
            median = statistics.median(config.cpu_us[view])
            ratios = [mine / base for mine, base in zip(config.cpu_us[view], off.cpu_us[view], strict=True)]
            per_second = statistics.median(config.per_second[view])
            cells.append(
                f"{median:,.0f} µs ({per_second:,.0f} req/s)"
                if config is off
                else f"{median:,.0f} µs ({per_second:,.0f} req/s), ×{statistics.median(ratios):.3f} "
                f"({min(ratios):.3f}–{max(ratios):.3f})"
            )
        print(f"| {view} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
