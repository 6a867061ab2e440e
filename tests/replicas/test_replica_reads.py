"""Reads over real streaming replicas (docs/operations.md, "Read replicas").

Where a read was served is told by what it answers: a replica whose replay is paused still has
what the primary has since changed, so a name changed on the primary alone (by plain SQL, not
through the gateway) comes back old from the replica and new from the primary. Replica read
counts (`hoks_db_reads_total` by server) show where reads went when both servers hold the same.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.db.freshness import READ_AFTER, parse_lsn
from hoks_gateway.db.sessions import Database
from hoks_gateway.identifiers import make_oid
from tests.client import bearer, gateway_app, graphql
from tests.factories import Factory
from tests.faults.frozen import frozen
from tests.faults.plans import READ, UPDATE, Plan, code_of, import_plans
from tests.faults.torn import Seen, first_revisions, read_until, write_revisions
from tests.replicas.cluster import Cluster, Standby, until, value

LEARNER = "query($oid: ID!) { learner(oid: $oid) { surname } }"
WRITER = Principal(PrincipalKind.ADMIN, make_oid(24, random.Random(1)))
OTHER = Principal(PrincipalKind.ADMIN, make_oid(24, random.Random(2)))
# Large enough that a paused replica stays fit for the whole test: what it answers is then old.
PATIENT_MS = 600_000


@asynccontextmanager
async def replicated(
    cluster: Cluster, tmp_path: Path, *standbys: Standby, max_lag_ms: int = PATIENT_MS, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """The gateway over the cluster's primary and `standbys` (its first replica if none given),
    once every replica serves."""
    replicas = [s.url for s in standbys or cluster.standbys[:1]]
    async with gateway_app(
        cluster.primary_url,
        data_dir=tmp_path,
        demo=True,
        database_replica_urls=replicas,
        replica_max_lag_ms=max_lag_ms,
        **settings,
    ) as (client, app):
        for number in range(1, len(replicas) + 1):
            await until_replica(client, f"replica-{number}", "ok")
        yield client, app


async def replica_status(client: httpx.AsyncClient, replica: str = "replica-1") -> str:
    response = await client.get("/readyz")
    status: str = response.json()["replicas"][replica]["status"]
    return status


async def until_replica(client: httpx.AsyncClient, replica: str, status: str) -> None:
    async def reached() -> bool:
        return await replica_status(client, replica) == status

    await until(f"{replica} is {status}", reached)


def replica_reads(app: Starlette, replica: str = "replica-1") -> int:
    db: Database = app.state.db
    return next(server.reads for server in db.reads.servers() if server.name == replica)


async def until_served_by_replica(app: Starlette, read: Callable[[], Awaitable[None]]) -> None:
    """Repeats `read()` (which checks its answer) until replica-1 has served one."""
    served = replica_reads(app)

    async def on_replica() -> bool:
        await read()
        return replica_reads(app) > served

    await until("a read is served by the replica again", on_replica)


def failovers(app: Starlette, replica: str = "replica-1") -> int:
    db: Database = app.state.db
    return next(server.failovers for server in db.reads.servers() if server.name == replica)


async def learner(cluster: Cluster, seed: int, surname: str) -> str:
    """A new learner, once every replica has them too. (Their surname tells where a read was
    served; organisations would not, as each worker keeps those it has read for a while.)"""
    db = Database.connect(cluster.primary_url, pool_size=1, max_overflow=0)
    try:
        oid = await Factory(db, random.Random(seed)).learner(surname=surname)
    finally:
        await db.dispose()
    for standby in cluster.standbys:
        await standby.caught_up()
    return oid


async def rename(cluster: Cluster, oid: str, surname: str) -> None:
    """On the primary alone, as nothing of the gateway would."""
    await value(cluster.primary_url, "UPDATE learners SET surname = $2 WHERE oid = $1", oid, surname)


async def name_of(client: httpx.AsyncClient, oid: str, headers: dict[str, str]) -> str:
    body = await graphql(client, LEARNER, {"oid": oid}, headers)
    assert "errors" not in body, body
    surname: str = body["data"]["learner"]["surname"]
    return surname


async def plan_for(cluster: Cluster, client: httpx.AsyncClient, seed: int, headers: dict[str, str]) -> Plan:
    db = Database.connect(cluster.primary_url, pool_size=1, max_overflow=0)
    try:
        factory = Factory(db, random.Random(seed))
        toimija, oppilaitos = await factory.provider(f"Provider {seed}")
        learner = await factory.learner()
        right = await factory.study_right(learner, toimija, oppilaitos)
    finally:
        await db.dispose()
    [plan] = await import_plans(client, headers, [(learner, right)])
    return plan


async def email_of(client: httpx.AsyncClient, plan: Plan, headers: dict[str, str]) -> str:
    body = await graphql(client, READ, {"id": str(plan.id)}, headers)
    assert code_of(body) is None, body
    email: str = body["data"]["hoks"]["ehoksDocument"]["sahkoposti"]
    return email


async def test_reads_are_served_by_the_replica(cluster: Cluster, tmp_path: Path) -> None:
    oid = await learner(cluster, 101, "Replica Oy")
    reader = bearer(tmp_path, OTHER)
    replica = cluster.standbys[0]
    async with replicated(cluster, tmp_path) as (client, app):
        assert await name_of(client, oid, reader) == "Replica Oy"
        await replica.pause_replay()
        try:
            await rename(cluster, oid, "Changed on the primary")
            # The primary has the new name; the replica, not replaying, only the old one.
            assert await name_of(client, oid, reader) == "Replica Oy"
        finally:
            await replica.resume_replay()
        await replica.caught_up()
        assert await name_of(client, oid, reader) == "Changed on the primary"
        assert replica_reads(app) >= 3


async def test_a_principals_write_is_in_its_next_read_and_where_its_position_is_sent(
    cluster: Cluster, tmp_path: Path
) -> None:
    writer, other = bearer(tmp_path, WRITER), bearer(tmp_path, OTHER)
    replica = cluster.standbys[0]
    async with (
        replicated(cluster, tmp_path) as (client, app),
        # Another gateway (or another worker of this one) on the same servers.
        replicated(cluster, tmp_path) as (elsewhere, _),
    ):
        plan = await plan_for(cluster, client, 102, writer)
        await replica.caught_up()
        before = await email_of(client, plan, other)
        await replica.pause_replay()
        try:
            variables = {"id": str(plan.id), "patch": {"email": "uusi@example.fi"}, "rev": 1}
            response = await client.post(
                "/graphql", json={"query": UPDATE, "variables": variables}, headers=writer
            )
            assert code_of(response.json()) is None, response.json()
            position = response.headers[READ_AFTER]
            assert parse_lsn(position) is not None, position
            # The writer's next request reads its write; the replica has not replayed it.
            assert await email_of(client, plan, writer) == "uusi@example.fi"
            assert await email_of(client, plan, other) == before
            # Anyone who brings the position along (the writer's client, another of its
            # services) reads at least that fresh.
            assert await email_of(client, plan, {**other, READ_AFTER: position}) == "uusi@example.fi"
            # Another gateway does not know of the write: only the position sent back makes its
            # reads fresh enough (docs/operations.md, "Read replicas").
            assert await email_of(elsewhere, plan, writer) == before
            assert await email_of(elsewhere, plan, {**writer, READ_AFTER: position}) == "uusi@example.fi"
        finally:
            await replica.resume_replay()
        await replica.caught_up()
        # Once the replica has replayed the write, it serves the writer again.

        async def writers_read() -> None:
            assert await email_of(client, plan, writer) == "uusi@example.fi"

        await until_served_by_replica(app, writers_read)


async def test_a_stopped_replica_is_skipped_without_errors_and_serves_again_once_back(
    cluster: Cluster, tmp_path: Path
) -> None:
    oid = await learner(cluster, 103, "Failover Oy")
    reader = bearer(tmp_path, OTHER)
    replica = cluster.standbys[0]
    async with replicated(cluster, tmp_path, db_connect_timeout_s=2) as (client, app):
        stopped = asyncio.Event()

        async def keep_reading() -> list[str]:
            names = [await name_of(client, oid, reader)]
            while not stopped.is_set():
                names.append(await name_of(client, oid, reader))
            return names

        # Readers on the replica's connections while it shuts down (`pg_ctl stop -m fast`): the
        # reads it breaks off, and those that meet its dead connections before a check has
        # noticed, are answered by the primary.
        readers = [asyncio.create_task(keep_reading()) for _ in range(4)]
        await asyncio.sleep(0.2)
        await asyncio.to_thread(replica.stop)
        await until_replica(client, "replica-1", "down")
        stopped.set()
        names = [name for answers in await asyncio.gather(*readers) for name in answers]
        assert set(names) == {"Failover Oy"}
        assert failovers(app) >= 1, "no read met the stopping replica"
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["database"] == "ok", ready.json()
        skipped = replica_reads(app)
        assert await name_of(client, oid, reader) == "Failover Oy"
        assert replica_reads(app) == skipped

        replica.start()
        await until_replica(client, "replica-1", "ok")
        await replica.pause_replay()
        try:
            await rename(cluster, oid, "Changed while it was away")
            assert await name_of(client, oid, reader) == "Failover Oy"
        finally:
            await replica.resume_replay()


async def test_a_lagging_replica_is_skipped_until_it_has_caught_up(cluster: Cluster, tmp_path: Path) -> None:
    oid = await learner(cluster, 104, "Viive Oy")
    reader = bearer(tmp_path, OTHER)
    replica = cluster.standbys[0]
    async with replicated(cluster, tmp_path, max_lag_ms=300) as (client, app):
        await replica.pause_replay()
        try:
            await rename(cluster, oid, "Changed while it lagged")
            await until_replica(client, "replica-1", "lagging")
            lag = (await client.get("/readyz")).json()["replicas"]["replica-1"]["lag_ms"]
            assert lag > 300
            # Past the allowed lag the primary serves: the replica would still say the old name.
            skipped = replica_reads(app)
            assert await name_of(client, oid, reader) == "Changed while it lagged"
            assert replica_reads(app) == skipped
        finally:
            await replica.resume_replay()
        await until_replica(client, "replica-1", "ok")

        async def read() -> None:
            assert await name_of(client, oid, reader) == "Changed while it lagged"

        await until_served_by_replica(app, read)


async def test_a_frozen_replica_costs_its_readers_a_command_timeout_not_an_error(
    cluster: Cluster, tmp_path: Path
) -> None:
    oid = await learner(cluster, 105, "Jäätynyt Oy")
    reader = bearer(tmp_path, OTHER)
    replica = cluster.standbys[0]
    settings = {"db_connect_timeout_s": 2, "db_statement_timeout_ms": 1000, "db_command_timeout_s": 2}
    async with replicated(cluster, tmp_path, **settings) as (client, app):
        assert await name_of(client, oid, reader) == "Jäätynyt Oy"
        with frozen(replica.data):
            names = await asyncio.wait_for(
                asyncio.gather(*(name_of(client, oid, reader) for _ in range(8))), timeout=60
            )
            assert names == ["Jäätynyt Oy"] * 8
            assert failovers(app) >= 1, "no read met the frozen replica"
            await until_replica(client, "replica-1", "down")
        await until_replica(client, "replica-1", "ok")
        assert await name_of(client, oid, reader) == "Jäätynyt Oy"


async def test_a_request_reads_one_server_so_plans_are_never_torn_across_replicas(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Two replicas at different positions: one follows the writes, the other has stopped
    replaying. A request whose statements went to both would read a plan's record at one
    revision and its content or history at another (tests/faults/test_torn_reads.py)."""
    writer, reader = bearer(tmp_path, WRITER), bearer(tmp_path, OTHER)
    behind = cluster.standbys[1]
    async with replicated(cluster, tmp_path, *cluster.standbys) as (client, app):
        plans = [await plan_for(cluster, client, seed, writer) for seed in range(110, 114)]
        await first_revisions(client, plans, writer)
        for standby in cluster.standbys:
            await standby.caught_up()
        await behind.pause_replay()
        seen = Seen()
        done = asyncio.Event()
        try:

            async def write_all() -> None:
                await asyncio.gather(*(write_revisions(client, plan, writer, writes=15) for plan in plans))
                done.set()

            await asyncio.gather(
                write_all(), *(read_until(client, plans, reader, done, seen) for _ in range(4))
            )
        finally:
            await behind.resume_replay()
        served = {name: replica_reads(app, name) for name in ("replica-1", "replica-2")}
    assert seen.torn == [], f"{len(seen.torn)} of {seen.reads} reads were torn: {seen.torn[:5]}"
    # Both replicas served, and the readers saw the plans at their stalled and later revisions.
    assert min(served.values()) > 0, served
    assert {revision for _, revision in seen.revisions} >= {2, 17}, sorted(seen.revisions)


async def test_a_position_the_gateway_never_sent_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    async with replicated(cluster, tmp_path) as (client, _):
        body = await graphql(client, "{ __typename }", headers={READ_AFTER: "yesterday"})
    assert code_of(body) == "BAD_USER_INPUT", body
    assert READ_AFTER in body["errors"][0]["message"]
