"""A write that committed while its client's connection died: the retry gets the first outcome.

The gateway runs as a real uvicorn process. The client is a raw socket: it sends a transfer with
an idempotency key, waits until the server has committed it (the key's row is visible), then resets
the connection without reading a byte of the answer, as a client whose network failed would. It
then sends the same request again on a new connection (docs/API.md, "Idempotent retries").
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.hardening.server import serving
from tests.transfers.world import World, as_input, document

EXAMPLE = "anonymised-example-1.json"
KEY = "lost-answer-1"
IMPORT = """
mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision eid } } }
"""
REPLACE = """
mutation($id: ID!, $d: HoksInput!) { replaceHoks(id: $id, input: $d) { hoks { id revision } } }
"""


def _send(base: str, body: bytes, headers: dict[str, str]) -> socket.socket:
    """Send one HTTP request on a fresh connection and return the socket, its answer unread."""
    address = urlsplit(base)
    assert address.hostname is not None and address.port is not None
    connection = socket.create_connection((address.hostname, address.port))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    connection.sendall(
        (
            f"POST /graphql HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n"
        ).encode()
        + body
    )
    return connection


def _reset(connection: socket.socket) -> None:
    """Close with RST (linger 0): whatever the server sent is thrown away unread."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


async def _committed(world: World, key: str) -> None:
    for _ in range(500):
        if await world.scalar("SELECT count(*) FROM idempotency_keys WHERE key = :k", k=key):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the first request never committed")


async def counts(world: World) -> tuple[Any, ...]:
    return (
        await world.scalar("SELECT count(*) FROM hoks"),
        await world.scalar("SELECT count(*) FROM hoks_revisions"),
        await world.scalar(
            "SELECT count(*) FROM audit_events "
            "WHERE operation = 'importEhoksDocument' AND outcome = 'SUCCESS'"
        ),
    )


async def test_a_transfer_whose_answer_was_lost_is_retried_into_the_same_plan(
    world: World, database_url: str, tmp_path: Path
) -> None:
    request = {"query": IMPORT, "variables": {"d": document(EXAMPLE)}}
    headers = world.service | {"Idempotency-Key": KEY}
    log = tmp_path / "gateway.log"
    with serving(database_url, log, demo="1", data_dir=str(world.data_dir), log_level="warning") as base:
        connection = _send(base, json.dumps(request).encode(), headers)
        try:
            await _committed(world, KEY)
        finally:
            _reset(connection)
        assert await counts(world) == (1, 1, 1)
        stored = await world.scalar("SELECT id FROM hoks")

        async with httpx.AsyncClient(base_url=base) as client:
            retried = await client.post("/graphql", json=request, headers=headers)
            assert retried.status_code == 200, retried.text
            plan = retried.json()["data"]["importEhoksDocument"]["hoks"]
            assert (int(plan["id"]), plan["revision"]) == (stored, 1)
            assert plan["eid"] == str(await world.scalar("SELECT eid FROM hoks"))
            # Without the key, the same transfer is refused: the plan exists once.
            again = await client.post("/graphql", json=request, headers=world.service)
            assert again.json()["errors"][0]["extensions"]["code"] == "HOKS_ALREADY_EXISTS"
    assert await counts(world) == (1, 1, 1)
    assert "Traceback" not in log.read_text()


async def test_a_replace_whose_answer_was_lost_makes_one_revision(
    world: World, database_url: str, tmp_path: Path
) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    request = {
        "query": REPLACE,
        "variables": {"id": plan_id, "d": as_input(document(EXAMPLE, sahkoposti="uusi@edu.fi"))},
    }
    headers = world.service | {"Idempotency-Key": KEY}
    with serving(database_url, tmp_path / "gateway.log", demo="1", data_dir=str(world.data_dir)) as base:
        connection = _send(base, json.dumps(request).encode(), headers)
        try:
            await _committed(world, KEY)
        finally:
            _reset(connection)
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(2):
                retried = await client.post("/graphql", json=request, headers=headers)
                assert retried.json()["data"]["replaceHoks"]["hoks"] == {"id": plan_id, "revision": 2}
    assert await world.scalar("SELECT revision FROM hoks") == 2
    assert await world.scalar("SELECT count(*) FROM hoks_revisions") == 2
