"""Read speed side by side with PostGraphile v5, on one database, in one run.

    bench/peer/setup.sh                                  # once: PostGraphile 5.1.5, Node 22, py-spy, wrk
    .venv/bin/python -m bench.side_by_side --rounds 3 [--floor] [--workers 2] [--profile DIR] [--record]

Seeds (or reuses) the 10k-plan database of `bench.datasets`, starts the gateway as it ships
(`hoks-gateway serve --demo`, 1 worker, rate limit off, an ADMIN token from `hoks-gateway token`)
and PostGraphile on the same database, one process each, and drives four views with the same
subjects on both (an organisation by OID, a learner with every study right and whole plan, the
plan detail of `bench.views.PLAN_DETAIL`, a 50-row staff list page of `bench.views.STAFF_LIST`)
with `wrk -t1 -c10`, alternating the sides view by view for --rounds rounds, so both see the same
machine noise. The figure that counts is gateway / PostGraphile of the median requests/s. Each
side's server CPU milliseconds per request (its process tree's user + system time over the
measurement, /proc) is printed too: a figure that moves far less with the machine's other load.

Before the timed rounds a second gateway with HOKS_DEBUG_METRICS=1 answers a few requests of each
view, for the SQL statements per request (the timed gateway runs without the metrics). A run in
which any side answered an error is marked INVALID. --floor adds the Python floor on the same
subjects: `bench.floor` (detail) and `bench.baseline_asyncpg --audit` (learner). --profile
samples the gateway with py-spy under the same load, view by view, and summarises where the CPU
went (`bench.cpu_profile`). --record writes the result block into bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import cpu, cpu_profile, postgraphile, wrk
from bench.datasets import DEFAULT_SERVER, ensure_seeded
from bench.gateway import gateway, mint_token
from bench.server import Served, free_port, serving, uvicorn_command
from bench.views import LEARNER_BY_OID, ORGANISATION, PLAN_DETAIL, STAFF_LIST

REPO = Path(__file__).resolve().parent.parent
README = REPO / "bench/README.md"
MARKER = "<!-- side-by-side runs: bench.side_by_side --record inserts each run below, newest first -->"

VIEWS = ("org", "learner", "detail", "list")
TITLES = {
    "org": "organisation by OID",
    "learner": "learner, every study right and whole plan",
    "detail": "plan detail (`PLAN_DETAIL`)",
    "list": "staff list, 50 rows (`STAFF_LIST`)",
}
GATEWAY_DOCUMENTS = {
    "org": ORGANISATION,
    "learner": LEARNER_BY_OID,
    "detail": PLAN_DETAIL,
    "list": STAFF_LIST,
}
PEER, GATEWAY, FLOOR = "PostGraphile 5.1.5", "gateway", "floor"
FLOOR_APPS = {"detail": "bench.floor:create_app", "learner": "bench.baseline_asyncpg:create_app"}
SQL_PROBE_REQUESTS = 20
WARMUP_S = 2


async def pick_subjects(url: str, seed: int) -> dict[str, list[str]]:
    """The same subjects for every side: 400 learners and 400 plans in force, the 20 largest
    oppilaitokset (by study rights) and 200 organisations, drawn with `seed`."""
    conn = await asyncpg.connect(url)
    try:
        learners = [r[0] for r in await conn.fetch("SELECT learner_oid FROM hoks WHERE deleted_at IS NULL")]
        plans = [str(r[0]) for r in await conn.fetch("SELECT id FROM hoks WHERE deleted_at IS NULL")]
        largest = await conn.fetch(
            "SELECT oppilaitos_oid FROM study_rights GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 20"
        )
        organisations = [r[0] for r in await conn.fetch("SELECT oid FROM organisations ORDER BY oid")]
    finally:
        await conn.close()
    rng = random.Random(seed)
    return {
        "org": rng.sample(organisations, min(200, len(organisations))),
        "learner": rng.sample(sorted(learners), min(400, len(learners))),
        "detail": rng.sample(sorted(plans), min(400, len(plans))),
        "list": [r[0] for r in largest],
    }


def gateway_variables(view: str, subject: str) -> dict[str, Any]:
    if view == "detail":
        return {"id": subject}
    if view == "list":
        return {"org": subject, "first": 50, "order": "SURNAME_ASC"}
    return {"oid": subject}


def peer_variables(view: str, subject: str) -> dict[str, Any]:
    return {"org": subject} if view == "list" else gateway_variables(view, subject)


class SessionCounter:
    """Connections PostgreSQL accepted on the database (`pg_stat_database.sessions`), read over one
    connection kept open for the run: a side that opens connections under steady load (pool
    churn) shows it here. Backends report the count within about a second, so it is approximate."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._conn = self._loop.run_until_complete(asyncpg.connect(url))

    def read(self) -> int:
        async def count() -> int:
            await self._conn.execute("SELECT pg_stat_clear_snapshot()")
            found: int = await self._conn.fetchval(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            )
            return found

        return self._loop.run_until_complete(count())

    def backends(self) -> dict[int, float]:
        """CPU seconds so far of the database's client backends (bench/cpu.py): read before and
        after a measurement, what PostgreSQL spent serving the side measured (one at a time)."""
        return self._loop.run_until_complete(cpu.backends_cpu_s(self._conn))

    def close(self) -> None:
        self._loop.run_until_complete(self._conn.close())
        self._loop.close()


@dataclass
class Side:
    name: str
    urls: dict[str, str]
    """GraphQL endpoint per view it serves."""
    bodies: dict[str, Path]
    token: str | None = None
    figures: dict[str, list[wrk.Figures]] = field(default_factory=dict)
    connections: dict[str, list[int]] = field(default_factory=dict)
    """Per view and round: connections opened on the database during the measurement."""
    pids: dict[str, int] = field(default_factory=dict)
    """The server process of each view (its descendants count too), for CPU per request."""
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)
    """Per view and round: the server's CPU milliseconds per request answered."""
    db_ms: dict[str, list[float]] = field(default_factory=dict)
    """Per view and round: PostgreSQL's CPU milliseconds per request answered (its backends)."""

    def median(self, view: str, attribute: str) -> float:
        return float(statistics.median(getattr(f, attribute) for f in self.figures[view]))

    def connections_per_1k(self, view: str) -> float:
        requests = sum(f.requests for f in self.figures[view])
        return 1000 * sum(self.connections[view]) / requests if requests else 0.0

    def bad(self, view: str) -> int:
        return sum(f.bad for f in self.figures.get(view, []))


def write_bodies(work: Path, side: str, subjects: dict[str, list[str]], views: list[str]) -> dict[str, Path]:
    """One JSON request body a line per view, for wrk_bodies.lua."""
    paths = {}
    for view in views:
        path = work / f"{side.split()[0].lower()}-{view}.jsonl"
        with path.open("w") as out:
            for subject in subjects[view]:
                if side == PEER:
                    body = {"query": postgraphile.DOCUMENTS[view], "variables": peer_variables(view, subject)}
                else:
                    body = {"query": GATEWAY_DOCUMENTS[view], "variables": gateway_variables(view, subject)}
                out.write(json.dumps(body) + "\n")
        paths[view] = path
    return paths


def first_errors(side: Side) -> list[str]:
    """Each view's first answer, when it is not a 200 without errors: checked before timing."""
    headers = {"Authorization": f"Bearer {side.token}"} if side.token else {}
    problems = []
    for view, url in side.urls.items():
        body = json.loads(side.bodies[view].read_text().splitlines()[0])
        answer = httpx.post(url, json=body, headers=headers, timeout=30)
        if answer.status_code != 200 or "errors" in answer.json():
            problems.append(f"{side.name} {view}: HTTP {answer.status_code} {answer.text[:300]}")
    return problems


def sql_per_request(served: Served, token: str, bodies: dict[str, Path]) -> dict[str, float]:
    """Mean `extensions.metrics.sqlStatements` over the first requests of each view."""
    counts: dict[str, float] = {}
    with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
        for view, path in bodies.items():
            seen = []
            for line in path.read_text().splitlines()[:SQL_PROBE_REQUESTS]:
                answer = http.post(f"{served.base}/graphql", json=json.loads(line)).json()
                seen.append(answer["extensions"]["metrics"]["sqlStatements"])
            counts[view] = statistics.mean(seen)
    return counts


@contextmanager
def floors(database_url: str, python_path: Path | None, work: Path, views: list[str]) -> Iterator[Side]:
    """The Python floor of each view that has one, on the given server stack."""
    fast = python_path is not None
    stack = ["--loop", "uvloop" if fast else "asyncio", "--http", "httptools" if fast else "h11"]
    env = {"BENCH_DATABASE_URL": database_url, "BENCH_AUDIT": "1"}
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    urls, pids = {}, {}
    with ExitStack() as stack_of_servers:
        for view in (v for v in views if v in FLOOR_APPS):
            port = free_port()
            command = [*uvicorn_command(FLOOR_APPS[view], port, factory=True), *stack]
            served = stack_of_servers.enter_context(
                serving(command, port, env, log=work / f"floor-{view}.log", cwd=REPO)
            )
            urls[view] = f"{served.base}/graphql"
            pids[view] = served.pid
        yield Side(FLOOR, urls, {}, pids=pids)


def uptime() -> str:
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)  # noqa: S607
    return done.stdout.strip()


def git_revision() -> str:
    def git(*args: str) -> str:
        command = ["git", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False).stdout  # noqa: S603

    dirty = any(not line.endswith("bench/README.md") for line in git("status", "--porcelain").splitlines())
    return git("rev-parse", "--short", "HEAD").strip() + (" (with uncommitted changes)" if dirty else "")


def _cell(side: Side, view: str) -> str:
    if view not in side.figures:
        return "—"
    rps, p50, p99 = (side.median(view, a) for a in ("rps", "p50_ms", "p99_ms"))
    return f"{rps:,.0f} · {p50:.1f} · {p99:.1f}"


def _ratio(side: Side, peer: Side, view: str) -> str:
    if view not in side.figures:
        return "—"
    rounds = [s.rps / p.rps for s, p in zip(side.figures[view], peer.figures[view], strict=True)]
    median = side.median(view, "rps") / peer.median(view, "rps")
    spread = f" ({min(rounds):.3f}–{max(rounds):.3f})" if len(rounds) > 1 else ""
    return f"**{median:.3f}×**{spread}"


def _cpu(side: Side, view: str, spent: str = "cpu_ms") -> str:
    rounds: dict[str, list[float]] = getattr(side, spent)
    return f"{statistics.median(rounds[view]):.2f}" if rounds.get(view) else "—"


def table(sides: list[Side], views: list[str], sql: dict[str, float]) -> list[str]:
    peer, gw = sides[0], sides[1]
    floor = sides[2] if len(sides) > 2 else None
    head = f"| view | {PEER}: req/s · p50 · p99 ms | gateway: req/s · p50 · p99 ms | gateway / {PEER} |"
    head += " server CPU ms / request: peer · gateway | PostgreSQL CPU ms / request: peer · gateway |"
    head += " SQL / request (gateway) | connections opened / 1k requests: peer · gateway |"
    rule = "|---|---|---|---|---|---|---|---|"
    if floor is not None:
        head += " Python floor: req/s · p50 · p99 ms | floor / peer |"
        rule += "---|---|"
    rows = [head, rule]
    for view in views:
        invalid = " INVALID" if any(s.bad(view) for s in sides) else ""
        row = f"| {TITLES[view]} | {_cell(peer, view)} | {_cell(gw, view)} |"
        row += f" {_ratio(gw, peer, view)}{invalid} |"
        row += f" {_cpu(peer, view)} · {_cpu(gw, view)} |"
        row += f" {_cpu(peer, view, 'db_ms')} · {_cpu(gw, view, 'db_ms')} |"
        row += f" {sql[view]:.1f} |" if view in sql else " — |"
        row += f" {peer.connections_per_1k(view):.1f} · {gw.connections_per_1k(view):.1f} |"
        if floor is not None:
            row += f" {_cell(floor, view)} | {_ratio(floor, peer, view)} |"
        rows.append(row)
    return rows


def report(args: argparse.Namespace, sides: list[Side], sql: dict[str, float], load: tuple[str, str]) -> str:
    views = [v for v in VIEWS if v in args.views]
    bad = {s.name: {v: s.bad(v) for v in views if s.bad(v)} for s in sides}
    bad = {name: found for name, found in bad.items() if found}
    stack = (
        "as it ships (uvicorn[standard]: uvloop + httptools)"
        if args.gateway_stack == "shipped"
        else "uvloop + httptools from setup.sh"
    )
    floor_stack = "uvloop + httptools" if args.floor_stack == "fast" else "asyncio + h11"
    settings = ", ".join(f"{name}={value}" for name, value in args.gateway_setting)
    lines = [
        f"#### {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · {git_revision()}",
        "",
        f"`{Path(sys.executable).name} -m bench.side_by_side {' '.join(sys.argv[1:])}`: "
        f"{args.plans:,} plans, `wrk -t1 -c10`, {args.seconds} s per measurement after a 2 s warm-up, "
        f"{args.rounds} rounds alternating; gateway {args.workers} worker(s) on {stack}"
        + (f" with {settings}" if settings else "")
        + (f", floor on {floor_stack}" if args.floor else "")
        + "; medians of the rounds, ratio range over rounds in brackets.",
        "",
        f"- `uptime` before: {load[0]}",
        f"- `uptime` after: {load[1]}",
        "",
        *table(sides, views, sql),
    ]
    if bad:
        lines += ["", f"**INVALID**: errors answered (not a 200 without errors, or socket errors): {bad}"]
    return "\n".join(lines) + "\n"


def record(block: str) -> None:
    text = README.read_text()
    if MARKER not in text:
        raise SystemExit(f"{README} has no line {MARKER!r} to record the run under")
    README.write_text(text.replace(MARKER, f"{MARKER}\n\n{block.rstrip()}", 1))


def profile(args: argparse.Namespace, served: Served, side: Side, views: list[str]) -> None:
    """py-spy on the gateway while wrk drives each view; raw stacks and summaries under --profile."""
    py_spy = postgraphile.cache_dir() / "tools/bin/py-spy"
    out_dir: Path = args.profile
    out_dir.mkdir(parents=True, exist_ok=True)
    for view in views:
        raw = out_dir / f"gateway-{view}.txt"
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(
                wrk.measure,
                side.urls[view],
                side.bodies[view],
                token=side.token,
                seconds=args.profile_seconds + 3,
                warmup_s=0,
            )
            time.sleep(1)
            cpu_profile.record(
                py_spy,
                served.pid,
                args.profile_seconds,
                raw,
                subprocesses=args.workers > 1,
                native=args.profile_native,
            )
            figures = load.result()
        with raw.open() as stacks:
            summary = cpu_profile.summarise(stacks)
        text = "\n".join(
            [f"{TITLES[view]}: {figures.rps:,.0f} req/s under py-spy, bad {figures.bad}", *summary.lines()]
        )
        (out_dir / f"gateway-{view}-summary.txt").write_text(text + "\n")
        print(f"\n{text}", flush=True)


def measure_rounds(
    sides: list[Side], views: list[str], args: argparse.Namespace, counter: SessionCounter
) -> None:
    for round_number in range(args.rounds):
        for view in views:
            # ABBA: the side that goes first changes every round.
            order = [s for s in sides if view in s.urls]
            for side in order if round_number % 2 == 0 else reversed(order):
                url, bodies = side.urls[view], side.bodies[view]
                wrk.measure(url, bodies, token=side.token, seconds=WARMUP_S, warmup_s=0)
                before = counter.read()
                cpu_before, db_before = cpu.tree_cpu_s(side.pids[view]), counter.backends()
                figures = wrk.measure(url, bodies, token=side.token, seconds=args.seconds, warmup_s=0)
                answered = max(figures.requests, 1)
                cpu_ms = 1000 * (cpu.tree_cpu_s(side.pids[view]) - cpu_before) / answered
                db_ms = 1000 * cpu.backends_spent_s(db_before, counter.backends()) / answered
                side.figures.setdefault(view, []).append(figures)
                side.cpu_ms.setdefault(view, []).append(cpu_ms)
                side.db_ms.setdefault(view, []).append(db_ms)
                opened = counter.read() - before
                side.connections.setdefault(view, []).append(opened)
                print(
                    f"round {round_number + 1} {view:8} {side.name:20} {figures.rps:9,.1f} req/s "
                    f"p50 {figures.p50_ms:7.1f} ms  p99 {figures.p99_ms:7.1f} ms  bad {figures.bad}  "
                    f"CPU {cpu_ms:6.2f} ms/request  PostgreSQL {db_ms:6.2f} ms/request  "
                    f"connections opened {opened}",
                    flush=True,
                )


def run(args: argparse.Namespace) -> str:
    cache = postgraphile.cache_dir()
    if not postgraphile.installed(cache) or not wrk.available():
        raise SystemExit(f"PostGraphile or wrk missing (looked in {cache}): run bench/peer/setup.sh first")
    views = [v for v in VIEWS if v in args.views]
    fast_stack = cache / "fast-stack"
    url = asyncio.run(ensure_seeded(args.server, args.plans, keep=args.keep_seeded))
    asyncio.run(postgraphile.expose_learner_list(url))
    subjects = asyncio.run(pick_subjects(url, args.seed))
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as tmp, ExitStack() as servers:
        work = Path(tmp)
        gw_bodies = write_bodies(work, GATEWAY, subjects, views)
        data_dir = work / "data"
        with gateway(url, data_dir, work / "gateway-metrics.log", debug_metrics=True) as probe:
            token = mint_token(data_dir)
            sql = sql_per_request(probe, token, gw_bodies)
        gw_python_path = fast_stack if args.gateway_stack == "fast" else None
        served = servers.enter_context(
            gateway(
                url,
                data_dir,
                work / "gateway.log",
                workers=args.workers,
                python_path=gw_python_path,
                settings=dict(args.gateway_setting),
            )
        )
        peer = servers.enter_context(postgraphile.postgraphile(cache, url, work / "postgraphile.log"))
        sides = [
            Side(
                PEER,
                dict.fromkeys(views, f"{peer.base}/graphql"),
                write_bodies(work, PEER, subjects, views),
                pids=dict.fromkeys(views, peer.pid),
            ),
            Side(
                GATEWAY,
                dict.fromkeys(views, f"{served.base}/graphql"),
                gw_bodies,
                token,
                pids=dict.fromkeys(views, served.pid),
            ),
        ]
        if args.floor:
            floor = servers.enter_context(
                floors(url, fast_stack if args.floor_stack == "fast" else None, work, views)
            )
            floor.bodies = gw_bodies
            sides.append(floor)
        problems = [p for side in sides for p in first_errors(side)]
        for problem in problems:
            print(f"INVALID before timing: {problem}", file=sys.stderr)
        counter = SessionCounter(url)
        try:
            load_before = uptime()
            measure_rounds(sides, views, args, counter)
            load_after = uptime()
        finally:
            counter.close()
        block = report(args, sides, sql, (load_before, load_after))
        if args.json:
            figures = {s.name: {v: [asdict(f) for f in fs] for v, fs in s.figures.items()} for s in sides}
            args.json.write_text(json.dumps({"sql_per_request": sql, "figures": figures}, indent=2))
        print(f"\n{block}", flush=True)
        if args.profile:
            profile(args, served, sides[1], views)
    return block


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.startswith("HOKS_"):
        raise argparse.ArgumentTypeError(f"{text!r}: write HOKS_NAME=VALUE (see README's settings)")
    return name, value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=10_000, help="seeded HOKS plans (default 10000)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server to seed on")
    parser.add_argument(
        "--keep-seeded",
        action="store_true",
        help="reuse a database seeded by older code, migrated to the current schema (large sizes)",
    )
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated, of {','.join(VIEWS)}")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per measurement (default 8)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the subjects (default 7)")
    parser.add_argument("--workers", type=int, default=1, help="gateway worker processes (default 1)")
    parser.add_argument(
        "--gateway-stack",
        choices=("shipped", "fast"),
        default="shipped",
        help="shipped: whatever .venv has (asyncio + h11 unless uvloop/httptools are installed); "
        "fast: uvloop + httptools from setup.sh's fast-stack on the path",
    )
    parser.add_argument(
        "--gateway-setting",
        action="append",
        default=[],
        type=_setting,
        metavar="HOKS_NAME=VALUE",
        help="a setting of the timed gateway, e.g. HOKS_DB_POOL_SIZE=30 (repeatable)",
    )
    parser.add_argument("--floor", action="store_true", help="also the Python floor (learner, detail)")
    parser.add_argument(
        "--floor-stack", choices=("shipped", "fast"), default="fast", help="fast: uvloop + httptools"
    )
    parser.add_argument("--profile", type=Path, help="directory for py-spy profiles of the gateway")
    parser.add_argument(
        "--profile-native", action="store_true", help="py-spy --native: C and Cython frames too"
    )
    parser.add_argument("--profile-seconds", type=int, default=20, help="seconds sampled per view")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--record", action="store_true", help="insert the result block into bench/README.md")
    args = parser.parse_args()
    args.views = args.views.split(",")
    unknown = set(args.views) - set(VIEWS)
    if unknown:
        parser.error(f"unknown views {sorted(unknown)}: choose from {', '.join(VIEWS)}")
    block = run(args)
    if args.record:
        record(block)
        print(f"recorded in {README}")


if __name__ == "__main__":
    main()
