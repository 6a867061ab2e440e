"""All eight corpus documents through the database and back (corpus README): the four service
transfers as sent, the four manual-only ones as staff entry (identifiers filled in)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from hoks_gateway.hoks.document.status import PlanProgress
from tests.hoks_document.test_document_corpus import _drop_identifiers, identifiers, in_content
from tests.transfers.world import ALL, MANUAL_ONLY, TRANSFERABLE, World, as_input, document

IMPORT = """
mutation($d: JSON!) {
  importEhoksDocument(document: $d) { hoks { id source revision ehoksDocument } }
}
"""
READ = "query($id: ID!) { hoks(id: $id) { source ehoksDocument } }"
SERVER_FILLED = ("id", "eid", "manuaalisyotto")


def without_server_filled(exported: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in exported.items() if k not in SERVER_FILLED}


async def import_and_read(world: World, name: str, headers: dict[str, str]) -> dict[str, Any]:
    created = await world.graphql(IMPORT, {"d": document(name)}, headers)
    assert "errors" not in created, created
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    read = await world.graphql(READ, {"id": plan_id}, headers)
    assert "errors" not in read, read
    result: dict[str, Any] = read["data"]["hoks"]
    return result


@pytest.mark.parametrize("name", TRANSFERABLE)
async def test_service_transfers_come_back_equal(world: World, name: str) -> None:
    plan = await import_and_read(world, name, world.service)
    assert plan["source"] == "TRANSFER"
    exported = plan["ehoksDocument"]
    assert exported["manuaalisyotto"] is False
    assert in_content(without_server_filled(exported)) == in_content(document(name))


@pytest.mark.parametrize("name", ALL)
async def test_staff_entries_come_back_equal_with_identifiers_filled_in(world: World, name: str) -> None:
    plan = await import_and_read(world, name, world.staff)
    assert plan["source"] == "MANUAL"
    exported = without_server_filled(plan["ehoksDocument"])
    sent = document(name)
    generated = {p: v for p, v in identifiers(exported).items() if p not in identifiers(sent)}
    assert bool(generated) == (name in MANUAL_ONLY)
    assert in_content(_drop_identifiers(exported, generated)) == in_content(sent)


@pytest.mark.parametrize("name", MANUAL_ONLY)
async def test_documents_without_identifiers_are_refused_as_transfers(world: World, name: str) -> None:
    body = await world.graphql(IMPORT, {"d": document(name)}, world.service)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert {v["rule"] for v in error["extensions"]["violations"]} == {"workplace-period-identifier-required"}
    assert await world.scalar("SELECT count(*) FROM hoks") == 0


REPLACE = """
mutation($id: ID!, $i: HoksInput!) { replaceHoks(id: $id, input: $i) { hoks { revision } } }
"""


async def _kept(world: World, plan_id: str) -> tuple[int, tuple[Any, ...], Any]:
    async with world.db.read() as session:
        row = (
            await session.execute(
                text("SELECT progress_planned, progress_completes_on, document FROM hoks WHERE id = :id"),
                {"id": int(plan_id)},
            )
        ).one()
    return row.progress_planned, tuple(row.progress_completes_on), row.document


async def test_every_write_keeps_the_plans_progress_with_it(world: World) -> None:
    """Create, replace and delete keep progress_planned/progress_completes_on equal to what the
    stored document gives (hoks/document/status.py PlanProgress)."""
    created = await world.graphql(IMPORT, {"d": document("hoksit.json")}, world.staff)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    planned, days, stored = await _kept(world, plan_id)
    expected = PlanProgress.of_stored(stored)
    assert (planned, days) == (expected.planned, expected.completes_on)
    assert len(days) > 1

    fewer = document("hoksit.json")
    fewer["hankittavat-ammat-tutkinnon-osat"] = fewer["hankittavat-ammat-tutkinnon-osat"][:1]
    replaced = await world.graphql(REPLACE, {"id": plan_id, "i": as_input(fewer)}, world.staff)
    assert "errors" not in replaced, replaced
    planned, after, stored = await _kept(world, plan_id)
    expected = PlanProgress.of_stored(stored)
    assert (planned, after) == (expected.planned, expected.completes_on)
    assert len(after) < len(days)
