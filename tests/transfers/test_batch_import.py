"""importEhoksDocuments: many plans in one request, each judged and stored on its own
(docs/API.md, "Bulk transfer")."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import text

from hoks_gateway.app import create_app
from hoks_gateway.identifiers import make_oid
from hoks_gateway.settings import Settings
from tests.auth.helpers import MovableClock
from tests.transfers.world import World, document

BATCH = """
mutation($docs: [JSON!]!, $key: String) {
  importEhoksDocuments(documents: $docs, idempotencyKey: $key) {
    stored refused
    results { index id revision error { code status message violations { path message rule } } }
  }
}
"""
SINGLE = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision } } }"
EXAMPLE, OTHER, TUVA = "anonymised-example-1.json", "anonymised-example-2.json", "hoks_tuva.json"
UNKNOWN_STUDY_RIGHT = make_oid(15, random.Random(404))


async def counts(world: World) -> tuple[Any, ...]:
    """Plans, revisions, and audit events of the batch by outcome."""
    audited = "SELECT count(*) FROM audit_events WHERE operation = 'importEhoksDocuments' AND outcome = :o"
    return (
        await world.scalar("SELECT count(*) FROM hoks"),
        await world.scalar("SELECT count(*) FROM hoks_revisions"),
        await world.scalar(audited, o="SUCCESS"),
        await world.scalar(audited, o="FAILURE"),
    )


def broken() -> dict[str, Any]:
    return document(TUVA, **{"ensikertainen-hyvaksyminen": "2017-13-01", "tuntematon": 1})


async def test_a_batch_stores_every_valid_plan_and_says_why_each_other_was_refused(world: World) -> None:
    documents: list[Any] = [
        document(EXAMPLE),
        broken(),
        document(OTHER, **{"opiskeluoikeus-oid": UNKNOWN_STUDY_RIGHT}),
        document(OTHER, **{"opiskeluoikeus-oid": world.other_study_right, "oppija-oid": world.other_learner}),
        document(EXAMPLE, sahkoposti="toinen@edu.keuda.fi"),  # the same study right again
        "not a plan",
        document(OTHER),
    ]
    body = await world.graphql(BATCH, {"docs": documents}, world.service)
    assert "errors" not in body, body
    payload = body["data"]["importEhoksDocuments"]
    results = payload["results"]
    assert [r["index"] for r in results] == list(range(len(documents)))
    assert (payload["stored"], payload["refused"]) == (2, 5)
    stored = {r["index"]: r for r in results if r["error"] is None}
    assert sorted(stored) == [0, 6] and all(r["revision"] == 1 for r in stored.values())
    codes = {r["index"]: (r["error"]["code"], r["error"]["status"]) for r in results if r["error"]}
    assert codes == {
        1: ("BAD_USER_INPUT", 400),
        2: ("STUDY_RIGHT_NOT_FOUND", 400),
        3: ("STUDY_RIGHT_NOT_FOUND", 400),  # another provider's: not within the caller's reach
        4: ("HOKS_ALREADY_EXISTS", 400),
        5: ("BAD_USER_INPUT", 400),
    }
    assert {v["path"] for v in results[1]["error"]["violations"]} >= {
        "ensikertainen-hyvaksyminen",
        "tuntematon",
    }
    assert results[5]["error"]["violations"] == [
        {"path": "", "message": "The HOKS document must be a JSON object.", "rule": "type"}
    ]
    assert await counts(world) == (2, 2, 2, 5)
    # Each refusal is the one the document gets alone, violation for violation.
    for index in (1, 2, 3):
        alone = (await world.graphql(SINGLE, {"d": documents[index]}, world.service))["errors"][0]
        error = results[index]["error"]
        assert (error["code"], error["message"]) == (alone["extensions"]["code"], alone["message"])
        assert error["violations"] == alone["extensions"].get("violations", [])
    # The stored plans are what importEhoksDocument would have stored.
    plan_id = int(stored[0]["id"])
    assert (
        await world.scalar("SELECT document ->> 'sahkoposti' FROM hoks WHERE id = :id", id=plan_id)
        == (document(EXAMPLE)["sahkoposti"])
    )
    assert await world.scalar("SELECT source FROM hoks WHERE id = :id", id=plan_id) == "TRANSFER"


async def test_a_plan_the_database_refuses_leaves_the_others_stored(world: World) -> None:
    async with world.db.write() as session:
        await session.execute(
            text(
                "CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.document ->> 'sahkoposti' = 'fail-here@example.fi' THEN "
                "RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$"
            )
        )
        await session.execute(
            text(
                "CREATE TRIGGER refuse_marked BEFORE INSERT ON hoks_revisions FOR EACH ROW "
                "EXECUTE FUNCTION refuse_marked()"
            )
        )
    documents = [document(EXAMPLE), document(OTHER, sahkoposti="fail-here@example.fi"), document(TUVA)]
    body = await world.graphql(BATCH, {"docs": documents}, world.service)
    results = body["data"]["importEhoksDocuments"]["results"]
    assert [r["error"] is None for r in results] == [True, False, True]
    assert (results[1]["error"]["code"], results[1]["error"]["status"]) == ("INTERNAL", 500)
    assert "injected" not in results[1]["error"]["message"]
    assert await counts(world) == (2, 2, 2, 1)
    # Nothing half-written blocks that study right afterwards.
    again = await world.graphql(SINGLE, {"d": document(OTHER)}, world.service)
    assert "errors" not in again, again


async def test_a_retried_batch_gets_its_first_results(world: World) -> None:
    variables = {"docs": [document(EXAMPLE), broken(), document(OTHER)], "key": "night-2026-11-28"}
    first = await world.graphql(BATCH, variables, world.service)
    assert first["data"]["importEhoksDocuments"]["stored"] == 2
    written = await counts(world)
    again = await world.graphql(BATCH, variables, world.service)
    assert again == first
    assert await counts(world) == written
    replayed = await world.scalar(
        "SELECT count(*) FROM audit_events WHERE operation = 'importEhoksDocuments:replayed'"
    )
    assert replayed == 2


async def test_concurrent_batches_make_one_plan_per_study_right(world: World) -> None:
    batches = [[document(EXAMPLE), document(OTHER)], [document(OTHER), document(TUVA)]]
    bodies = await asyncio.gather(*(world.graphql(BATCH, {"docs": b}, world.service) for b in batches))
    results = [r for body in bodies for r in body["data"]["importEhoksDocuments"]["results"]]
    assert sorted((r["error"] or {}).get("code", "stored") for r in results) == [
        "HOKS_ALREADY_EXISTS",
        "stored",
        "stored",
        "stored",
    ]
    assert (await counts(world))[:3] == (3, 3, 3)


async def test_an_empty_batch_is_an_empty_answer(world: World) -> None:
    body = await world.graphql(BATCH, {"docs": []}, world.service)
    assert body["data"]["importEhoksDocuments"] == {"stored": 0, "refused": 0, "results": []}


@asynccontextmanager
async def gateway_with(world: World, database_url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with other settings and a clock that stands still (one rate-limit window)."""
    clock = MovableClock(dt.datetime.now(dt.UTC))
    app = create_app(
        Settings(database_url=database_url, data_dir=world.data_dir, demo=True, **settings), clock=clock
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield client


async def test_a_batch_larger_than_the_setting_is_refused_whole(world: World, database_url: str) -> None:
    async with gateway_with(world, database_url, import_batch_size=2) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": BATCH,
                "variables": {"docs": [document(EXAMPLE), document(OTHER), document(TUVA)]},
            },
            headers=world.service,
        )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "At most 2 documents" in error["message"]
    assert await counts(world) == (0, 0, 0, 0)


async def test_rate_limits_count_documents_not_requests(world: World, database_url: str) -> None:
    async with gateway_with(world, database_url, rate_limit_requests=5) as client:

        async def send(documents: list[Any], token: dict[str, str]) -> httpx.Response:
            return await client.post(
                "/graphql",
                json={"query": BATCH, "variables": {"docs": documents}},
                headers=token | {"Accept": "application/graphql-response+json"},
            )

        first = await send([document(EXAMPLE), document(OTHER), document(TUVA)], world.service)
        assert first.status_code == 200 and first.json()["data"]["importEhoksDocuments"]["stored"] == 3
        # 3 of 5 used: a batch of 3 more does not fit, and nothing of it is done.
        over = await send(
            [document(n) for n in ("hoksit.json", "hoks_yksi_tutkinnonosa.json", OTHER)], world.service
        )
        assert over.status_code == 429, over.text
        assert int(over.headers["Retry-After"]) >= 1
        error = over.json()["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert "3 in this batch" in error["message"]
        assert await world.scalar("SELECT count(*) FROM hoks") == 3
        # The window is spent for single requests too; another principal has a window of its own.
        assert (await send([], world.service)).status_code == 429
        assert (await send([document("hoksit.json")], world.staff)).status_code == 200
