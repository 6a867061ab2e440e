"""Transfers over the real HTTP stack, every way a provider's system writes plans, from
concurrent clients.

    .venv/bin/python -m bench.transfers --plans 2000 --concurrency 16 --batch 100
    .venv/bin/python -m bench.transfers --phases bulk --batch 100 --profile /tmp/profiles
    .venv/bin/python -m bench.transfers --src /tmp/before/src      # another checkout's gateway
    .venv/bin/python -m bench.transfers --stages                   # each Python step, in process
    .venv/bin/python -m bench.transfers --phases bulk --postgres-cost 300   # + PostgreSQL's share

Starts the gateway (uvicorn, loopback, --workers) against a scratch database on the local
PostgreSQL (--server), registers one learner and study right per plan and phase, creates a
service account and signs in through POST /auth/token, then runs the phases asked for (--phases,
in this order):

- `create`: createHoks, the typed HoksInput, one plan per request;
- `import`: importEhoksDocument, the plan as an eHOKS JSON document, one per request;
- `bulk`: importEhoksDocuments, --batch eHOKS documents per request (HOKS_IMPORT_BATCH_SIZE and
  HOKS_MAX_BODY_BYTES are raised to fit);
- `replace`: replaceHoks with expectedRevision 1 of the plans the first create phase stored,
  one work period's end date moved.

Plans are realistic: eHOKS's anonymised-example-1.json (8 vocational units, 6 work periods) with
fresh OIDs per plan. Each phase prints plans/s, p50/p99 per request (a request of `bulk` carries
--batch plans), SQL statements per plan (HOKS_DEBUG_METRICS), and the CPU each plan cost the
gateway's process tree and PostgreSQL's backends (bench/cpu.py), and checks that every plan was
stored. With --profile DIR, py-spy samples the gateway during each phase into DIR/<phase>.txt
(`--format raw`; summarise with `python -m bench.cpu_profile`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from graphql import parse as parse_graphql

from bench import postgraphile
from bench.cpu import Spent, measured
from bench.loadgen import Body, Result, run
from bench.server import free_port
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database
from hoks_gateway.hoks.document import HoksDocument, StudyRightFacts, StudyRightKind
from hoks_gateway.hoks.graphql_parts import input_variables
from hoks_gateway.identifiers import OPH_ROOT_OID, make_oid

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ehoks" / "valid"
TEMPLATE = "anonymised-example-1.json"
CLIENT_ID = "bench-sis"
SECRET = "bench-secret-" + uuid.uuid4().hex
PHASES = ("create", "import", "bulk", "replace")
CREATING = ("create", "import", "bulk")

CREATE = "mutation($i: HoksInput!) { createHoks(input: $i) { hoks { id revision } } }"
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision } } }"
BULK = (
    "mutation($d: [JSON!]!) { importEhoksDocuments(documents: $d) { stored refused "
    "results { index id revision error { code message } } } }"
)
REPLACE = (
    "mutation($id: ID!, $i: HoksInput!) { replaceHoks(id: $id, input: $i, expectedRevision: 1) "
    "{ hoks { id revision } } }"
)
_EMPTY_DOCUMENT = parse_graphql("{ __typename }")
TITLES = {
    "create": "createHoks (typed)",
    "import": "importEhoksDocument (eHOKS JSON)",
    "bulk": "importEhoksDocuments (batch {batch})",
    "replace": "replaceHoks (expectedRevision)",
}


async def _admin(server: str, statement: str) -> None:
    conn = await asyncpg.connect(with_database(server, "postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _register(url: str, plans: int, rng: random.Random) -> list[tuple[str, str]]:
    """Organisations, learners and study rights (one per plan); returns the (learner, study
    right) pairs."""
    koulutustoimija, oppilaitos = make_oid(10, rng), make_oid(10, rng)
    pairs = [(make_oid(24, rng), make_oid(15, rng)) for _ in range(plans)]
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO organisations (oid, parent_oid, ancestor_oids, type, name_fi) VALUES "
            "($1, NULL, '{}', 'ROOT', 'OPH'), ($2, $1, ARRAY[$1], 'KOULUTUSTOIMIJA', 'Bench KT'), "
            "($3, $2, ARRAY[$1, $2], 'OPPILAITOS', 'Bench OL')",
            OPH_ROOT_OID,
            koulutustoimija,
            oppilaitos,
        )
        await _add_study_rights(conn, pairs, oppilaitos, koulutustoimija)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    db = Database.connect(url, pool_size=1, max_overflow=0)
    try:
        await ServiceAccounts(db, system_clock).add(
            CLIENT_ID, {koulutustoimija: frozenset({Privilege.READ, Privilege.WRITE})}, SECRET
        )
    finally:
        await db.dispose()
    return pairs


STARTED = dt.date(2023, 8, 1)
"""When every study right of the bench started (the template's work periods lie after it)."""
STUDY_RIGHT_COLUMNS = [
    "oid",
    "learner_oid",
    "oppilaitos_oid",
    "koulutustoimija_oid",
    "kind",
    "status",
    "started_on",
]


async def _add_study_rights(
    conn: asyncpg.Connection, pairs: list[tuple[str, str]], oppilaitos: str, koulutustoimija: str
) -> None:
    """A learner and a vocational study right at `oppilaitos` for each (learner, study right)."""
    await conn.copy_records_to_table(
        "learners",
        records=[(learner, "Testi", "Oppija") for learner, _ in pairs],
        columns=["oid", "first_names", "surname"],
    )
    await conn.copy_records_to_table(
        "study_rights",
        records=[
            (right, learner, oppilaitos, koulutustoimija, "VOCATIONAL", "lasna", STARTED)
            for learner, right in pairs
        ],
        columns=STUDY_RIGHT_COLUMNS,
    )


def _facts(learner: str, right: str) -> StudyRightFacts:
    """The registry's facts of a study right _add_study_rights made, for parse_ehoks in process."""
    return StudyRightFacts(
        oid=right,
        kind=StudyRightKind.VOCATIONAL,
        status="lasna",
        started_on=STARTED,
        planned_end_on=None,
        learner_oid=learner,
        learner_tuva_oids=frozenset(),
    )


def _documents(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The template as each pair's plan, in the eHOKS form."""
    template = json.loads((CORPUS / TEMPLATE).read_text(encoding="utf-8"))
    return [template | {"oppija-oid": learner, "opiskeluoikeus-oid": right} for learner, right in pairs]


def _replaced(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with one work period's end moved."""
    changed: dict[str, Any] = json.loads(json.dumps(document))
    changed["hankittavat-ammat-tutkinnon-osat"][0]["osaamisen-hankkimistavat"][1]["loppu"] = "2024-05-20"
    return changed


async def _start_gateway(
    url: str, port: int, data_dir: Path, workers: int, batch: int, src: Path | None
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        # Another checkout's gateway (--src): its package is found before this venv's.
        **({"PYTHONPATH": str(src)} if src is not None else {}),
        "HOKS_DATABASE_URL": url,
        "HOKS_DEMO": "1",
        "HOKS_DATA_DIR": str(data_dir),
        "HOKS_DEBUG_METRICS": "1",
        "HOKS_DB_POOL_SIZE": "20",
        "HOKS_LOG_LEVEL": "warning",
        # The per-principal limit would count a bulk transfer's documents; the bench measures the
        # write path, not the limiter.
        "HOKS_RATE_LIMIT_REQUESTS": "0",
        # A batch of the template is ~9 KiB a plan; the default body limit fits 50 plans of 20 KiB.
        "HOKS_IMPORT_BATCH_SIZE": str(max(batch, 50)),
        "HOKS_MAX_BODY_BYTES": str(max(batch, 50) * 20_480 + 65_536),
    }
    command = [
        sys.executable, "-m", "uvicorn", "hoks_gateway.app:app_from_environment", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return await asyncio.create_subprocess_exec(*command, env=env)


async def _wait_ready(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if process.returncode is not None:
                raise SystemExit("the gateway exited during start-up")
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the gateway did not become ready in 30 s")


async def _token(base: str) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET},
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def _stored(url: str, pairs: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """(id, revision) of the plans of `pairs`' study rights, by study right."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT study_right_oid, id, revision FROM hoks WHERE study_right_oid = ANY($1)",
            [right for _, right in pairs],
        )
    finally:
        await conn.close()
    return {row["study_right_oid"]: (row["id"], row["revision"]) for row in rows}


@contextmanager
def _profiled(directory: Path | None, pid: int, phase: str) -> Iterator[None]:
    """py-spy samples the gateway (and its workers) into directory/phase.txt for the block."""
    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    py_spy = postgraphile.cache_dir() / "tools/bin/py-spy"
    command = [str(py_spy), "record", "--pid", str(pid), "--rate", "100", "--format", "raw"]
    command += ["--subprocesses", "--output", str(directory / f"{phase}.txt")]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        spy.wait(timeout=60)


@dataclass(frozen=True)
class Phase:
    name: str
    title: str
    requests: int
    plans_per_request: int
    body: Callable[[int], Body]
    pairs: list[tuple[str, str]]
    """The study rights whose plans the phase writes (checked afterwards)."""


def _line(phase: Phase, result: Result, spent: Spent, plans: int, stored: int) -> str:
    per = phase.plans_per_request
    sql = (
        f"{sum(result.sql_statements) / (len(result.sql_statements) * per):.2f}"
        if result.sql_statements
        else "n/a"
    )
    server = ", ".join(f"{name} {s / plans * 1000:.2f} ms" for name, s in spent.servers_s.items())
    return (
        f"{phase.title:<38} {plans / result.wall_s:8.1f} plans/s   "
        f"p50 {result.percentile(50) * 1000:7.1f} ms   p99 {result.percentile(99) * 1000:7.1f} ms"
        f"   SQL/plan {sql:>5}   CPU/plan: gateway {spent.gateway_s / plans * 1000:.2f} ms, {server}"
        f"   stored {stored}/{plans}   errors {result.errors}"
    )


async def _migrate(url: str, src: Path | None) -> None:
    """The schema of the gateway that is measured: another checkout's (--src) by its own migrations."""
    if src is None:
        await asyncio.to_thread(upgrade, url)
        return
    migrate = "import sys; from hoks_gateway.db.migrate import upgrade; upgrade(sys.argv[1])"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", migrate, url, env={**os.environ, "PYTHONPATH": str(src)}
    )
    if await process.wait() != 0:
        raise SystemExit(f"migrating with {src} failed")


def _chosen(phases: list[str]) -> list[str]:
    """The phases to run, in PHASES' order; replace needs plans, so alone it runs create first."""
    chosen = [p for p in PHASES if p in phases]
    return chosen if any(p in CREATING for p in chosen) else ["create", *chosen]


def _phases(
    chosen: list[str], plans: int, pairs: list[tuple[str, str]]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each phase with the study rights it writes plans for: a slice of its own for each
    creating phase, the first one's for replace."""
    creating = [p for p in chosen if p in CREATING]
    slices = {name: pairs[i * plans : (i + 1) * plans] for i, name in enumerate(creating)}
    return [(name, slices.get(name, slices[creating[0]])) for name in chosen]


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    name = f"hoks_bench_transfers_{os.getpid()}"
    await _admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
    await _admin(args.server, f'CREATE DATABASE "{name}"')
    url = with_database(args.server, name)
    chosen = _chosen(args.phases)
    creating = sum(1 for p in chosen if p in CREATING)
    process = None
    try:
        await _migrate(url, args.src)
        pairs = await _register(url, args.plans * creating, rng)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as data_dir:
            process = await _start_gateway(url, port, Path(data_dir), args.workers, args.batch, args.src)
            await _wait_ready(base, process)
            headers = {"Authorization": f"Bearer {await _token(base)}"}
            print(
                f"{args.plans} plans per phase, concurrency {args.concurrency}, batch {args.batch}, "
                f"{args.workers} uvicorn worker(s), {os.cpu_count()} CPUs shared with PostgreSQL and "
                f"the clients; load average {' '.join(_load())}"
            )
            for phase_name, phase_pairs in _phases(chosen, args.plans, pairs):
                phase = await _phase(phase_name, phase_pairs, url, args.batch)
                with _profiled(args.profile, process.pid, phase_name):
                    result, spent = await measured(
                        process.pid,
                        {"PostgreSQL": url},
                        run(
                            phase.title,
                            f"{base}/graphql",
                            phase.body,
                            requests=phase.requests,
                            concurrency=args.concurrency,
                            headers=headers,
                            max_seconds=args.max_seconds,
                        ),
                    )
                plans = len(result.latencies_s) * phase.plans_per_request
                written = await _stored(url, phase.pairs)
                revision = 2 if phase_name == "replace" else 1
                stored = sum(1 for _, r in written.values() if r == revision)
                print(_line(phase, result, spent, min(plans, len(phase.pairs)), stored), flush=True)
            if args.postgres_cost:
                await postgres_cost(url, args.postgres_cost, rng)
            print(f"load average {' '.join(_load())}")
    finally:
        if process is not None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
        if not args.keep:
            await _admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _load() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3]


async def _phase(name: str, pairs: list[tuple[str, str]], url: str, batch: int) -> Phase:
    documents = _documents(pairs)
    title = TITLES[name].format(batch=batch)
    if name == "create":
        typed = [input_variables(d, HoksDocument) for d in documents]
        return Phase(
            name, title, len(typed), 1, lambda i: {"query": CREATE, "variables": {"i": typed[i]}}, pairs
        )
    if name == "import":
        return Phase(
            name,
            title,
            len(documents),
            1,
            lambda i: {"query": IMPORT, "variables": {"d": documents[i]}},
            pairs,
        )
    if name == "bulk":
        batches = [documents[i : i + batch] for i in range(0, len(documents), batch)]
        return Phase(
            name, title, len(batches), batch, lambda i: {"query": BULK, "variables": {"d": batches[i]}}, pairs
        )
    written = await _stored(url, pairs)
    replaced = [input_variables(_replaced(d), HoksDocument) for d in documents]
    ids = [written[right][0] for _, right in pairs]
    return Phase(
        name,
        title,
        len(replaced),
        1,
        lambda i: {"query": REPLACE, "variables": {"id": str(ids[i]), "i": replaced[i]}},
        pairs,
    )


async def postgres_cost(url: str, plans: int, rng: random.Random) -> None:
    """PostgreSQL's CPU per plan for the write statement alone (hoks/service.py's insert of plan,
    revision and audit event), on one connection of its own, read from /proc: one plan per
    transaction as importEhoksDocument writes it, the same with the user triggers of `hoks`
    (learner list, transfer summary) disabled, and batches of 100 as importEhoksDocuments."""
    from bench.cpu import _own_cpu_s
    from hoks_gateway.db.reads import compile_read
    from hoks_gateway.hoks import service
    from hoks_gateway.hoks.document import parse_ehoks, to_storage
    from hoks_gateway.hoks.document.status import PlanProgress

    pairs = await _more_study_rights(url, plans * 3, rng)
    insert = compile_read(service._INSERT_MANY)
    template = _documents(pairs[:1])[0]
    facts = _facts(*pairs[0])
    stored = to_storage(
        parse_ehoks(template, mode="create", manual=False, study_right=facts, today=dt.date.today())
    )
    progress = PlanProgress.of_stored(stored)
    conn = await asyncpg.connect(url)
    organisation = await conn.fetchval("SELECT oppilaitos_oid FROM study_rights LIMIT 1")

    def values(batch: list[tuple[str, str]]) -> list[Any]:
        rows = [
            {
                "study_right_oid": right,
                "learner_oid": learner,
                "organisation_oid": organisation,
                "first_approved_on": stored["ensikertainen-hyvaksyminen"],
                "approved_at": None,
                "progress_planned": progress.planned,
                "progress_completes_on": [d.isoformat() if d else None for d in progress.completes_on],
                "paths": list(stored),
                "document": stored | {"oppija-oid": learner, "opiskeluoikeus-oid": right},
            }
            for learner, right in batch
        ]
        named = {
            "plans": orjson.dumps(rows).decode(),
            "now": dt.datetime.now(dt.UTC),
            "source": "TRANSFER",
            "principal_kind": "SERVICE",
            "principal_id": CLIENT_ID,
            "principal_organisation": None,
            "request_id": None,
            "operation_id": None,
            "own_organisations": orjson.dumps({organisation: organisation}).decode(),
            "audit_operation": "importEhoksDocument",
        }
        return insert.arguments(named)

    async def spent(batches: list[list[tuple[str, str]]]) -> float:
        before = _own_cpu_s(conn.get_server_pid())
        for batch in batches:
            async with conn.transaction():
                await conn.fetch(insert.sql, *values(batch))
        return (_own_cpu_s(conn.get_server_pid()) - before) / sum(len(b) for b in batches) * 1000

    try:
        single = await spent([[pair] for pair in pairs[:plans]])
        await conn.execute("ALTER TABLE hoks DISABLE TRIGGER USER")
        untriggered = await spent([[pair] for pair in pairs[plans : 2 * plans]])
        await conn.execute("ALTER TABLE hoks ENABLE TRIGGER USER")
        rest = pairs[2 * plans :]
        batched = await spent([rest[i : i + 100] for i in range(0, len(rest), 100)])
    finally:
        await conn.close()
    print(
        f"PostgreSQL CPU per plan, the write statement alone ({plans} plans each): one plan per "
        f"transaction {single:.2f} ms; without the user triggers of hoks {untriggered:.2f} ms; "
        f"100 plans per statement {batched:.2f} ms"
    )


async def _more_study_rights(url: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` more learners with a study right each, at the bench's oppilaitos."""
    pairs = [(make_oid(24, rng), make_oid(15, rng)) for _ in range(count)]
    conn = await asyncpg.connect(url)
    try:
        oppilaitos, koulutustoimija = await conn.fetchrow(
            "SELECT oppilaitos_oid, koulutustoimija_oid FROM study_rights LIMIT 1"
        )
        await _add_study_rights(conn, pairs, oppilaitos, koulutustoimija)
    finally:
        await conn.close()
    return pairs


def stages(rounds: int = 5, repeat: int = 300) -> None:
    """Each pure-Python step of a transfer of the template, in process (no server, no database):
    the best of `rounds` means over `repeat` runs, in µs of CPU. With PYTHONPATH=other/src, the
    other checkout's steps (a step it lacks is left out)."""
    import hoks_gateway
    from hoks_gateway.graphql.input_checks import problems
    from hoks_gateway.hoks import graphql_parts
    from hoks_gateway.hoks.diff import changed_paths
    from hoks_gateway.hoks.document import codec, parse_ehoks, to_storage
    from hoks_gateway.hoks.document.status import PlanProgress

    pair = (make_oid(24, random.Random(1)), make_oid(15, random.Random(2)))
    document, facts = _documents([pair])[0], _facts(*pair)
    new_id = getattr(codec, "random_module_id", uuid.uuid4)

    def parse() -> HoksDocument:
        return parse_ehoks(
            document,
            mode="create",
            manual=False,
            study_right=facts,
            today=dt.date(2026, 11, 29),
            learner_registered=True,
            new_module_id=new_id,
        )

    parsed = parse()
    stored = to_storage(parsed)
    changed = to_storage(parse())
    body = orjson.dumps({"query": IMPORT, "variables": {"d": document}})
    typed = input_variables(document, HoksDocument)
    steps: dict[str, Callable[[], object]] = {
        "request body: orjson.loads": lambda: orjson.loads(body),
        "NUL check of the variables": lambda: problems(_EMPTY_DOCUMENT, "", {"d": document}, None),
        "typed input to eHOKS (from_input)": lambda: graphql_parts.from_input(typed, HoksDocument),
        "parse_ehoks (clean, rules, module-ids, model)": parse,
        "to_storage (model_dump)": lambda: to_storage(parsed),
        "progress of the stored form": lambda: PlanProgress.of_stored(stored),
        "progress of the model": lambda: PlanProgress.of_document(parsed),
        "orjson.dumps of the stored form": lambda: orjson.dumps(stored),
        "changed_paths (replace)": lambda: changed_paths(stored, changed),
    }
    print(f"in-process CPU per call, {Path(hoks_gateway.__file__).parents[1]}:")
    for name, step in steps.items():
        for _ in range(repeat // 3):
            step()
        best = float("inf")
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(repeat):
                step()
            best = min(best, (time.process_time() - started) / repeat)
        print(f"  {name:<48} {best * 1e6:8.1f} µs")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.transfers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=2000, help="plans per phase (default 2000)")
    parser.add_argument(
        "--phases",
        type=lambda text: [p.strip() for p in text.split(",") if p.strip()],
        default=list(PHASES),
        help=f"comma-separated, of {','.join(PHASES)} (default all; replace replaces the first "
        "creating phase's plans, or runs create first)",
    )
    parser.add_argument("--batch", type=int, default=100, help="documents per bulk request (default 100)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help=f"PostgreSQL server (default {DEFAULT_SERVER})"
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="time limit per phase")
    parser.add_argument("--profile", type=Path, help="directory for py-spy profiles of each phase")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--postgres-cost",
        type=int,
        default=0,
        metavar="N",
        help="after the phases, PostgreSQL's CPU per plan for the write statement alone (N plans each)",
    )
    parser.add_argument(
        "--stages", action="store_true", help="only time each pure-Python step in process (no server)"
    )
    parser.add_argument(
        "--src",
        type=Path,
        help="serve (and migrate by) another checkout's gateway: its src directory, e.g. main's "
        "for a before-and-after in one session",
    )
    args = parser.parse_args()
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.stages:
        stages()
    else:
        asyncio.run(main(arguments))
