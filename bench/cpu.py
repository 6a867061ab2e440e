"""CPU seconds a server process and its descendants have used (Linux /proc), so that a
measurement can say how much CPU each request cost the server: unlike requests/s, that figure
barely moves with the rest of the machine's load."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.loadgen import Result

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its closing ')'.
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of `pid` and every living descendant (workers of a supervisor)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return sum(_own_cpu_s(member) for member in tree)


def _own_cpu_s(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


# --- what a phase of a benchmark cost the gateway and PostgreSQL ------------------------------
#
# PostgreSQL's share is its client backends serving the benchmark's database (the gateway's pools
# keep theirs); its background processes (WAL writer, checkpointer, autovacuum) are not counted,
# nor are backends that ended during the phase. docs/scaling.md reads per-core costs off these.


async def backends_cpu_s(connection: asyncpg.Connection) -> dict[int, float]:
    """CPU seconds so far of each client backend of `connection`'s database but its own."""
    rows = await connection.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    return {row["pid"]: _own_cpu_s(row["pid"]) for row in rows}


def backends_spent_s(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU seconds the backends spent between two readings of `backends_cpu_s`; a backend that
    started in between spent all of its time in it."""
    return sum(s - before.get(pid, 0.0) for pid, s in after.items())


async def _backends_cpu_s(database_url: str) -> dict[int, float]:
    connection = await asyncpg.connect(database_url)
    try:
        return await backends_cpu_s(connection)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Spent:
    gateway_s: float
    servers_s: Mapping[str, float]
    """PostgreSQL's, by server."""

    def per_request_ms(self, requests: int) -> str:
        servers = ", ".join(f"{name} {s / requests * 1000:.2f} ms" for name, s in self.servers_s.items())
        return f"CPU per request: gateway {self.gateway_s / requests * 1000:.2f} ms, {servers}"


async def measured(
    gateway_pid: int, databases: Mapping[str, str], phase: Awaitable[Result]
) -> tuple[Result, Spent]:
    """`phase` run, and the CPU it cost the gateway (`gateway_pid` and its workers) and the
    PostgreSQL backends of each of `databases` (name: URL; a primary and its replicas)."""
    gateway_before = tree_cpu_s(gateway_pid)
    before = {name: await _backends_cpu_s(url) for name, url in databases.items()}
    result = await phase
    gateway_after = tree_cpu_s(gateway_pid)
    spent = {}
    for name, url in databases.items():
        spent[name] = backends_spent_s(before[name], await _backends_cpu_s(url))
    return result, Spent(gateway_after - gateway_before, spent)
