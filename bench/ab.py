"""Two builds of the gateway side by side: server CPU per request and requests/s, alternating.

    git worktree add /tmp/before main                      # the build to compare with
    .venv/bin/python -m bench.ab --a-source /tmp/before/src --rounds 3 --views org,learner
    .venv/bin/python -m bench.ab --a-setting HOKS_DIRECT_POST=0 --rounds 3 --views org

Side A runs this checkout's interpreter and dependencies with `--a-source` in front of the path
(another checkout's `src`, so its `hoks_gateway` is imported instead of this one's) and its
`--a-setting`s; side B runs this checkout with its `--b-setting`s. Both serve the database,
subjects and documents of `bench.side_by_side` (the gateway's side), one worker each, measured
with `wrk -t1 -c10` view by view, the side that goes first alternating between rounds. On this
shared machine requests/s drift with the other load by ±30 % or more between minutes; the server
CPU per request (bench/cpu.py) is the figure to compare, B / A per view, medians of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import wrk
from bench.datasets import DEFAULT_SERVER, ensure_seeded
from bench.gateway import gateway, mint_token
from bench.side_by_side import (
    TITLES,
    VIEWS,
    SessionCounter,
    Side,
    first_errors,
    measure_rounds,
    pick_subjects,
    write_bodies,
)
from bench.side_by_side import _setting as setting


def run(args: argparse.Namespace) -> None:
    if not wrk.available():
        raise SystemExit("wrk is missing: run bench/peer/setup.sh first")
    views = [v for v in VIEWS if v in args.views]
    url = asyncio.run(ensure_seeded(args.server, args.plans, keep=True))
    subjects = asyncio.run(pick_subjects(url, args.seed))
    with tempfile.TemporaryDirectory(prefix="ab-") as tmp, ExitStack() as servers:
        work = Path(tmp)
        bodies = write_bodies(work, "gateway", subjects, views)
        data_dir = work / "data"
        sides = []
        for name, source, settings in (
            ("A", args.a_source, args.a_setting),
            ("B", None, args.b_setting),
        ):
            served = servers.enter_context(
                gateway(url, data_dir, work / f"{name}.log", python_path=source, settings=dict(settings))
            )
            sides.append(
                Side(
                    name,
                    dict.fromkeys(views, f"{served.base}/graphql"),
                    bodies,
                    pids=dict.fromkeys(views, served.pid),
                )
            )
        token = mint_token(data_dir)
        for side in sides:
            side.token = token
        problems = [p for side in sides for p in first_errors(side)]
        if problems:
            raise SystemExit("\n".join(problems))
        counter = SessionCounter(url)
        try:
            measure_rounds(sides, views, args, counter)
        finally:
            counter.close()
    a, b = sides
    print(f"\nA: {args.a_source or 'this checkout'} {args.a_setting}; B: this checkout {args.b_setting}")
    print("| view | CPU ms/request A · B (B / A) | PostgreSQL CPU ms/request A · B | req/s A · B (B / A) |")
    print("|---|---|---|---|")
    for view in views:
        cpu_a, cpu_b = (statistics.median(s.cpu_ms[view]) for s in sides)
        db_a, db_b = (statistics.median(s.db_ms[view]) for s in sides)
        rps_a, rps_b = a.median(view, "rps"), b.median(view, "rps")
        print(
            f"| {TITLES[view]} | {cpu_a:.3f} · {cpu_b:.3f} ({cpu_b / cpu_a:.2f}) | {db_a:.3f} · {db_b:.3f} "
            f"| {rps_a:,.0f} · {rps_b:,.0f} ({rps_b / rps_a:.2f}) |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--a-source", type=Path, help="another checkout's src directory, for side A")
    parser.add_argument("--a-setting", type=setting, action="append", default=[], help="HOKS_NAME=VALUE")
    parser.add_argument("--b-setting", type=setting, action="append", default=[], help="HOKS_NAME=VALUE")
    parser.add_argument("--plans", type=int, default=10_000, help="seeded HOKS plans (default 10000)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server to seed on")
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated, of {','.join(VIEWS)}")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per measurement (default 8)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the subjects (default 7)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
