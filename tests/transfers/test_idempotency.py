"""Idempotent retries: a mutation sent again with its idempotency key gets its first outcome
(docs/API.md, "Idempotent retries"; src/hoks_gateway/idempotency/)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from graphql import GraphQLString
from sqlalchemy import text

from hoks_gateway.graphql.schema import schema
from hoks_gateway.idempotency.claims import sweep
from hoks_gateway.idempotency.extension import request_hash
from hoks_gateway.identifiers import make_oid
from tests.client import gateway
from tests.transfers.world import CORPUS_OPPILAITOS, SERVICE_A, World, as_input, document

EXAMPLE = "anonymised-example-1.json"
OTHER = "anonymised-example-2.json"
IMPORT = """
mutation($d: JSON!, $key: String) {
  importEhoksDocument(document: $d, idempotencyKey: $key) { hoks { id revision updatedAt email } }
}
"""
CREATE = "mutation($i: HoksInput!) { createHoks(input: $i) { hoks { id revision } } }"
UPDATE = """
mutation($id: ID!, $p: HoksPatchInput!, $key: String) {
  updateHoks(id: $id, patch: $p, idempotencyKey: $key) { hoks { id revision email } }
}
"""
REPLACE = """
mutation($id: ID!, $i: HoksInput!, $key: String) {
  replaceHoks(id: $id, input: $i, expectedRevision: 1, idempotencyKey: $key) {
    hoks { id revision email revisions { totalCount } }
  }
}
"""


async def counts(world: World) -> tuple[Any, ...]:
    """Plans, revisions, and audit events of writes (replays are reads, counted apart)."""
    return (
        await world.scalar("SELECT count(*) FROM hoks"),
        await world.scalar("SELECT count(*) FROM hoks_revisions"),
        await world.scalar(
            # (`test`: the world's registry sync)
            "SELECT count(*) FROM audit_events WHERE operation <> 'test' AND operation NOT LIKE :replay",
            replay="%:replayed",
        ),
    )


def code(body: dict[str, Any]) -> tuple[str, int]:
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions["status"]


async def test_a_retry_gets_the_first_outcome_and_writes_nothing(world: World) -> None:
    variables = {"d": document(EXAMPLE), "key": "transfer-2026-11-28-0001"}
    first = await world.graphql(IMPORT, variables, world.service)
    assert "errors" not in first, first
    written = await counts(world)
    assert written == (1, 1, 1)

    again = await world.graphql(IMPORT, variables, world.service)
    assert again == first
    assert await counts(world) == written
    # The answer is a read of the plan: audited as one, never as a second write.
    replays = await world.scalar(
        "SELECT count(*) FROM audit_events WHERE operation = 'importEhoksDocument:replayed' "
        "AND target_hoks_id = :id AND principal_id = :who",
        id=int(first["data"]["importEhoksDocument"]["hoks"]["id"]),
        who=SERVICE_A,
    )
    assert replays == 1
    # Without the key the same request is a new write, refused as such.
    assert code(await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)) == (
        "HOKS_ALREADY_EXISTS",
        400,
    )


async def test_the_header_carries_the_key_too(world: World) -> None:
    headers = world.service | {"Idempotency-Key": '"6f1c2a9e-6b0e-4a55-9d43-8d1f3b1c0c7e"'}
    variables = {"i": as_input(document(EXAMPLE))}
    first = await world.graphql(CREATE, variables, headers)
    assert "errors" not in first, first
    # The IETF draft's quoted form and the bare form name the same key.
    bare = world.service | {"Idempotency-Key": "6f1c2a9e-6b0e-4a55-9d43-8d1f3b1c0c7e"}
    assert await world.graphql(CREATE, variables, bare) == first
    assert await counts(world) == (1, 1, 1)


async def test_the_same_key_for_another_request_is_refused(world: World) -> None:
    key = "sis-batch-17"
    first = await world.graphql(IMPORT, {"d": document(EXAMPLE), "key": key}, world.service)
    assert "errors" not in first, first
    written = await counts(world)
    changed = document(EXAMPLE, sahkoposti="toinen@edu.keuda.fi")
    refused = await world.graphql(IMPORT, {"d": changed, "key": key}, world.service)
    assert code(refused) == ("IDEMPOTENCY_KEY_REUSED", 422)
    assert "new key" in refused["errors"][0]["message"]
    # Another mutation under the same key is another request as well.
    plan_id = first["data"]["importEhoksDocument"]["hoks"]["id"]
    patch = await world.graphql(
        UPDATE, {"id": plan_id, "p": {"email": "x@edu.fi"}, "key": key}, world.service
    )
    assert code(patch) == ("IDEMPOTENCY_KEY_REUSED", 422)
    assert await world.scalar("SELECT document ->> 'sahkoposti' FROM hoks") != "toinen@edu.keuda.fi"
    assert (await counts(world))[:2] == written[:2]
    refusals = await world.scalar(
        "SELECT count(*) FROM audit_events WHERE outcome = 'FAILURE' AND principal_id = :who", who=SERVICE_A
    )
    assert refusals == 2


async def test_keys_are_each_principals_own(world: World) -> None:
    key = "0001"
    mine = await world.graphql(IMPORT, {"d": document(EXAMPLE), "key": key}, world.service)
    assert "errors" not in mine, mine
    # Staff of the same provider, the same key, another plan: a request of their own.
    theirs = await world.graphql(IMPORT, {"d": document(OTHER), "key": key}, world.staff)
    assert "errors" not in theirs, theirs
    assert (
        theirs["data"]["importEhoksDocument"]["hoks"]["id"]
        != mine["data"]["importEhoksDocument"]["hoks"]["id"]
    )
    assert await world.scalar("SELECT count(*) FROM idempotency_keys WHERE key = :k", k=key) == 2


async def test_a_refused_write_keeps_no_key(world: World) -> None:
    key = "retry-after-fix"
    broken = document(EXAMPLE, **{"ensikertainen-hyvaksyminen": "ei päivä"})
    assert code(await world.graphql(IMPORT, {"d": broken, "key": key}, world.service))[0] == "BAD_USER_INPUT"
    assert await world.scalar("SELECT count(*) FROM idempotency_keys") == 0
    # The caller fixes the document and sends it with the same key: it is judged, and stored.
    fixed = await world.graphql(IMPORT, {"d": document(EXAMPLE), "key": key}, world.service)
    assert "errors" not in fixed, fixed
    assert await counts(world) == (1, 1, 2)  # the refusal's audit event and the write's


async def test_a_retried_replace_makes_one_revision_and_answers_it_as_it_was(world: World) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    variables = {"id": plan_id, "i": as_input(document(EXAMPLE, sahkoposti="b@edu.fi")), "key": "put-1"}
    first = await world.graphql(REPLACE, variables, world.service)
    assert first["data"]["replaceHoks"]["hoks"] == {
        "id": plan_id,
        "revision": 2,
        "email": "b@edu.fi",
        "revisions": {"totalCount": 2},
    }
    # The plan moves on before the retry arrives: the retry still gets revision 2 as it stood.
    later = await world.graphql(UPDATE, {"id": plan_id, "p": {"email": "c@edu.fi"}}, world.service)
    assert later["data"]["updateHoks"]["hoks"]["revision"] == 3
    again = await world.graphql(REPLACE, variables, world.service)
    assert again == first
    assert await world.scalar("SELECT count(*) FROM hoks_revisions") == 3
    assert await world.scalar("SELECT document ->> 'sahkoposti' FROM hoks") == "c@edu.fi"


async def test_a_retry_while_the_first_is_running_waits_for_its_outcome(world: World) -> None:
    # The first request's transaction holds its key while it sleeps in its plan insert.
    async with world.db.write() as session:
        await session.execute(
            text(
                "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "PERFORM pg_sleep(0.5); RETURN NEW; END $$"
            )
        )
        await session.execute(
            text(
                "CREATE TRIGGER slow_insert BEFORE INSERT ON hoks FOR EACH ROW EXECUTE FUNCTION slow_insert()"
            )
        )
    variables = {"d": document(EXAMPLE), "key": "double-click"}
    bodies = await asyncio.gather(*(world.graphql(IMPORT, variables, world.service) for _ in range(3)))
    assert all("errors" not in body for body in bodies), bodies
    assert bodies[0] == bodies[1] == bodies[2]
    assert await counts(world) == (1, 1, 1)


async def test_a_wait_longer_than_the_statement_timeout_is_retryable(world: World, database_url: str) -> None:
    key = "held-elsewhere"
    holder = await asyncpg.connect(database_url)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute(
            "INSERT INTO idempotency_keys VALUES ('SERVICE', $1, $2, 'Mutation.importEhoksDocument', "
            "'x', NULL, now(), now() + interval '1 day')",
            SERVICE_A,
            key,
        )
        async with gateway(
            database_url, data_dir=world.data_dir, demo=True, db_statement_timeout_ms=300
        ) as client:
            response = await client.post(
                "/graphql",
                json={"query": IMPORT, "variables": {"d": document(EXAMPLE), "key": key}},
                headers=world.service,
            )
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "1"
            assert code(response.json()) == ("IDEMPOTENCY_KEY_IN_FLIGHT", 503)
            assert await world.scalar("SELECT count(*) FROM hoks") == 0
            await transaction.rollback()
            # The holder gave the key up without a write: the retry is the write.
            retried = await client.post(
                "/graphql",
                json={"query": IMPORT, "variables": {"d": document(EXAMPLE), "key": key}},
                headers=world.service,
            )
            assert "errors" not in retried.json(), retried.text
    finally:
        await holder.close()
    assert await counts(world) == (1, 1, 1)


async def test_keys_expire_after_their_time_and_are_swept(world: World) -> None:
    variables = {"d": document(EXAMPLE), "key": "nightly-1"}
    first = await world.graphql(IMPORT, variables, world.service)
    assert "errors" not in first, first
    created_at, expires_at = (
        await world.scalar("SELECT created_at FROM idempotency_keys"),
        await world.scalar("SELECT expires_at FROM idempotency_keys"),
    )
    assert expires_at - created_at == dt.timedelta(hours=24)
    assert await sweep(world.db, expires_at - dt.timedelta(seconds=1)) == 0
    assert await world.graphql(IMPORT, variables, world.service) == first

    # Past its time, a key not yet swept is as good as gone: the same request is judged again.
    async with world.db.write() as session:
        await session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'"))
    assert code(await world.graphql(IMPORT, variables, world.service)) == ("HOKS_ALREADY_EXISTS", 400)
    assert await sweep(world.db, dt.datetime.now(dt.UTC)) == 1
    assert await world.scalar("SELECT count(*) FROM idempotency_keys") == 0


async def test_a_bad_key_or_two_keys_say_what_to_send(world: World) -> None:
    spaced = await world.graphql(IMPORT, {"d": document(EXAMPLE), "key": "has space"}, world.service)
    assert code(spaced) == ("BAD_USER_INPUT", 400) and "visible ASCII" in spaced["errors"][0]["message"]
    two = await world.graphql(
        IMPORT, {"d": document(EXAMPLE), "key": "a"}, world.service | {"Idempotency-Key": "b"}
    )
    assert code(two) == ("BAD_USER_INPUT", 400) and "differ" in two["errors"][0]["message"]
    several = """
    mutation($a: JSON!, $b: JSON!) {
      a: importEhoksDocument(document: $a) { hoks { id } }
      b: importEhoksDocument(document: $b) { hoks { id } }
    }
    """
    both = await world.graphql(
        several, {"a": document(EXAMPLE), "b": document(OTHER)}, world.service | {"Idempotency-Key": "k"}
    )
    assert code(both) == ("BAD_USER_INPUT", 400) and "idempotencyKey" in both["errors"][0]["message"]
    assert await counts(world) == (0, 0, 0)  # refused as malformed arguments are, before any write


def test_the_request_hash_covers_the_mutation_and_every_argument() -> None:
    base = request_hash("Mutation.createHoks", {"input": {"a": 1, "b": [1, 2]}})
    assert base == request_hash("Mutation.createHoks", {"input": {"b": [1, 2], "a": 1}})
    assert base != request_hash("Mutation.replaceHoks", {"input": {"a": 1, "b": [1, 2]}})
    assert base != request_hash("Mutation.createHoks", {"input": {"a": 1, "b": [2, 1]}})


# --- every mutation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A mutation called with a key: what to send, as whom, after what setup."""

    query: str
    variables: Callable[[World], Awaitable[dict[str, Any]]]
    headers: Callable[[World], dict[str, str]]


async def _created(world: World) -> str:
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id: str = body["data"]["importEhoksDocument"]["hoks"]["id"]
    return plan_id


async def _deleted(world: World) -> str:
    plan_id = await _created(world)
    body = await world.graphql(
        "mutation($id: ID!) { deleteHoks(id: $id) { hoks { id } } }", {"id": plan_id}, world.staff
    )
    assert "errors" not in body, body
    return plan_id


async def _study_right(world: World) -> dict[str, Any]:
    rng = random.Random(13)
    return {
        "input": [
            {
                "oid": make_oid(15, rng),
                "learner": {"oid": make_oid(24, rng), "firstNames": "Uusi", "surname": "Opiskelija"},
                "oppilaitosOid": CORPUS_OPPILAITOS,
                "koulutustoimijaOid": world.koulutustoimija,
                "kind": "VOCATIONAL",
                "status": "lasna",
                "startedOn": "2026-08-01",
            }
        ]
    }


async def _nothing(world: World) -> dict[str, Any]:
    return {}


async def _document(world: World) -> dict[str, Any]:
    return {"d": document(EXAMPLE)}


async def _documents(world: World) -> dict[str, Any]:
    return {
        "docs": [document(EXAMPLE), document(EXAMPLE, **{"ensikertainen-hyvaksyminen": "x"}), document(OTHER)]
    }


async def _input(world: World) -> dict[str, Any]:
    return {"i": as_input(document(EXAMPLE))}


async def _patch(world: World) -> dict[str, Any]:
    return {"id": await _created(world), "p": {"email": "uusi@edu.fi"}}


async def _replace(world: World) -> dict[str, Any]:
    return {"id": await _created(world), "i": as_input(document(EXAMPLE, sahkoposti="u@edu.fi"))}


async def _ehoks_patch(world: World) -> dict[str, Any]:
    return {"id": await _created(world), "d": {"sahkoposti": "uusi@edu.fi"}}


async def _ehoks_replace(world: World) -> dict[str, Any]:
    return {"id": await _created(world), "d": document(EXAMPLE, sahkoposti="u@edu.fi")}


async def _plan(world: World) -> dict[str, Any]:
    return {"id": await _created(world)}


async def _deleted_plan(world: World) -> dict[str, Any]:
    return {"id": await _deleted(world)}


PLAN = "{ hoks { id revision updatedAt } }"
MUTATIONS = {
    "unlockServiceAccount": Case(
        f'mutation {{ unlockServiceAccount(clientId: "{SERVICE_A}") {{ clientId failedAttempts }} }}',
        _nothing,
        lambda world: world.admin,
    ),
    "upsertStudyRights": Case(
        "mutation($input: [StudyRightInput!]!) { upsertStudyRights(input: $input) { created updated } }",
        _study_right,
        lambda world: world.admin,
    ),
    "createHoks": Case(
        f"mutation($i: HoksInput!) {{ createHoks(input: $i) {PLAN} }}", _input, lambda w: w.service
    ),
    "importEhoksDocument": Case(
        f"mutation($d: JSON!) {{ importEhoksDocument(document: $d) {PLAN} }}", _document, lambda w: w.service
    ),
    "importEhoksDocuments": Case(
        "mutation($docs: [JSON!]!) { importEhoksDocuments(documents: $docs) "
        "{ stored refused results { id revision error { code } } } }",
        _documents,
        lambda w: w.service,
    ),
    "updateHoks": Case(
        f"mutation($id: ID!, $p: HoksPatchInput!) {{ updateHoks(id: $id, patch: $p) {PLAN} }}",
        _patch,
        lambda w: w.service,
    ),
    "replaceHoks": Case(
        f"mutation($id: ID!, $i: HoksInput!) {{ replaceHoks(id: $id, input: $i) {PLAN} }}",
        _replace,
        lambda w: w.service,
    ),
    "patchEhoksDocument": Case(
        f"mutation($id: ID!, $d: JSON!) {{ patchEhoksDocument(id: $id, document: $d) {PLAN} }}",
        _ehoks_patch,
        lambda w: w.service,
    ),
    "replaceEhoksDocument": Case(
        f"mutation($id: ID!, $d: JSON!) {{ replaceEhoksDocument(id: $id, document: $d) {PLAN} }}",
        _ehoks_replace,
        lambda w: w.service,
    ),
    "deleteHoks": Case(f"mutation($id: ID!) {{ deleteHoks(id: $id) {PLAN} }}", _plan, lambda w: w.staff),
    "restoreHoks": Case(
        f"mutation($id: ID!) {{ restoreHoks(id: $id) {PLAN} }}", _deleted_plan, lambda w: w.admin
    ),
}


async def _state(world: World) -> tuple[Any, ...]:
    """What any second write would change."""
    return (
        *(await counts(world)),
        await world.scalar("SELECT max(updated_at) FROM study_rights"),
        await world.scalar("SELECT count(*) FROM sign_in_throttle"),
    )


def test_every_mutation_takes_a_key() -> None:
    fields = schema._schema.mutation_type.fields  # type: ignore[union-attr]
    assert set(fields) == set(MUTATIONS), "a new mutation needs its case in MUTATIONS"
    assert all(field.args["idempotencyKey"].type is GraphQLString for field in fields.values())


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_every_mutation_answers_a_retry_with_its_first_outcome(world: World, name: str) -> None:
    case = MUTATIONS[name]
    variables = await case.variables(world)
    headers = case.headers(world) | {"Idempotency-Key": f"{name}-1"}
    first = await world.graphql(case.query, variables, headers)
    assert "errors" not in first, first
    assert await world.scalar("SELECT count(*) FROM idempotency_keys WHERE key = :k", k=f"{name}-1") == 1
    # Something a second unlock would undo (wrong secrets counted for the account from an
    # address): the retry must not run it again.
    async with world.db.write() as session:
        await session.execute(
            text(
                "INSERT INTO sign_in_throttle (client_key, address, failures, last_failure_at) "
                "VALUES (encode(sha256(convert_to(:c, 'UTF8')), 'hex'), '203.0.113.66', 2, now())"
            ),
            {"c": SERVICE_A},
        )
    before = await _state(world)
    again = await world.graphql(case.query, variables, headers)
    assert again == first
    assert await _state(world) == before
