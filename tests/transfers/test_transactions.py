"""Each write is one transaction, and writes to one plan never interleave.

Failures are injected inside PostgreSQL (a trigger that raises for a marker value), so the code
under test runs unchanged up to the moment the database refuses.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tests.transfers.world import World, as_input, document

EXAMPLE = "anonymised-example-1.json"
MARKER = "fail-here@example.fi"
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }"
UPDATE = "mutation($id: ID!, $p: HoksPatchInput!) { updateHoks(id: $id, patch: $p) { hoks { revision } } }"
REPLACE = """
mutation($id: ID!, $i: HoksInput!, $rev: Int) {
  replaceHoks(id: $id, input: $i, expectedRevision: $rev) { hoks { revision } }
}
"""


async def execute(world: World, *statements: str) -> None:
    async with world.db.write() as session:
        for statement in statements:
            await session.execute(text(statement))


async def counts(world: World) -> tuple[Any, ...]:
    return (
        await world.scalar("SELECT count(*) FROM hoks"),
        await world.scalar("SELECT count(*) FROM hoks_revisions"),
        await world.scalar(
            "SELECT count(*) FROM audit_events WHERE operation LIKE '%Hoks%' OR operation LIKE '%Ehoks%'"
        ),
    )


async def test_a_failure_after_the_plan_row_leaves_nothing_behind(world: World) -> None:
    await execute(
        world,
        "CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.document ->> 'sahkoposti' = '{MARKER}' THEN RAISE EXCEPTION 'injected failure'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse_marked BEFORE INSERT ON hoks_revisions FOR EACH ROW "
        "EXECUTE FUNCTION refuse_marked()",
    )
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE, sahkoposti=MARKER)}, world.service)
    assert body["errors"][0]["extensions"]["status"] == 500
    assert await counts(world) == (0, 0, 0)
    # The same study right is still free: nothing half-written blocks it.
    assert "errors" not in await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)


async def test_a_failing_audit_write_undoes_the_replace(world: World) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    before = await world.scalar("SELECT document::text FROM hoks WHERE id = :id", id=int(plan_id))
    await execute(
        world,
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.operation = 'replaceHoks' THEN RAISE EXCEPTION 'injected failure'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW "
        "EXECUTE FUNCTION refuse_audit()",
    )
    changed = as_input(document(EXAMPLE, sahkoposti="toinen@edu.keuda.fi"))
    body = await world.graphql(REPLACE, {"id": plan_id, "i": changed}, world.service)
    assert body["errors"][0]["extensions"]["status"] == 500
    assert await world.scalar("SELECT document::text FROM hoks WHERE id = :id", id=int(plan_id)) == before
    assert await world.scalar("SELECT revision FROM hoks WHERE id = :id", id=int(plan_id)) == 1
    assert await world.scalar("SELECT count(*) FROM hoks_revisions") == 1


async def slow_updates(world: World) -> None:
    # Widens the window between reading a plan and writing it, so the two writers overlap.
    await execute(
        world,
        "CREATE FUNCTION slow_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_sleep(0.3); RETURN NEW; END $$",
        "CREATE TRIGGER slow_update BEFORE UPDATE ON hoks FOR EACH ROW EXECUTE FUNCTION slow_update()",
    )


async def test_two_replaces_of_the_same_revision_one_wins(world: World) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    await slow_updates(world)
    bodies = await asyncio.gather(
        *(
            world.graphql(
                REPLACE,
                {"id": plan_id, "i": as_input(document(EXAMPLE, sahkoposti=f"{n}@edu.fi")), "rev": 1},
                world.service,
            )
            for n in ("a", "b")
        )
    )
    outcomes = sorted("errors" not in b for b in bodies)
    assert outcomes == [False, True]
    [loser] = [b for b in bodies if "errors" in b]
    assert (loser["errors"][0]["extensions"]["code"], loser["errors"][0]["extensions"]["status"]) == (
        "REVISION_CONFLICT",
        409,
    )
    assert await world.scalar("SELECT revision FROM hoks WHERE id = :id", id=int(plan_id)) == 2
    assert await world.scalar("SELECT count(*) FROM hoks_revisions") == 2


async def test_concurrent_patches_do_not_lose_each_other(world: World) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    await slow_updates(world)
    patches = [{"email": "uusi@edu.fi"}, {"phone": "040 1234567"}]
    bodies = await asyncio.gather(
        *(world.graphql(UPDATE, {"id": plan_id, "p": p}, world.service) for p in patches)
    )
    assert all("errors" not in b for b in bodies), bodies
    stored = await world.scalar("SELECT document FROM hoks WHERE id = :id", id=int(plan_id))
    assert (stored["sahkoposti"], stored["puhelinnumero"]) == ("uusi@edu.fi", "040 1234567")
    assert await world.scalar("SELECT revision FROM hoks WHERE id = :id", id=int(plan_id)) == 3
