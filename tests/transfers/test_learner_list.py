"""`learner_list` (0006) stays what a from-scratch computation says after every kind of write:
registry upserts, createHoks, replaceHoks, deleteHoks, restoreHoks and plain SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from hoks_gateway.audit.events import Actor
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.tables import LISTED_EVERYWHERE
from hoks_gateway.learners.registry import upsert_study_rights
from tests.learner_list import assert_consistent, row_of
from tests.transfers.test_transfer_cases import CREATE, DELETE, EXAMPLE, REPLACE, RESTORE
from tests.transfers.world import CORPUS_OPPILAITOS, World, as_input, corpus_entries, document


async def test_every_kind_of_write_keeps_the_list_table_in_step(world: World) -> None:
    example = document(EXAMPLE)
    learner, study_right = example["oppija-oid"], example["opiskeluoikeus-oid"]
    found = await assert_consistent(world.db)  # registry upserts and plain INSERTs
    assert row_of(found, CORPUS_OPPILAITOS, learner)[3] is None
    assert row_of(found, world.koulutustoimija, learner)[3] is None

    body = await world.graphql(CREATE, {"input": as_input(example)}, world.service)
    assert "errors" not in body, body
    plan_id = body["data"]["createHoks"]["hoks"]["id"]
    found = await assert_consistent(world.db)
    for listed_in in (CORPUS_OPPILAITOS, world.koulutustoimija, LISTED_EVERYWHERE):
        assert row_of(found, listed_in, learner)[3] == dt.date(2023, 10, 6)

    moved = example | {"ensikertainen-hyvaksyminen": "2023-11-20"}
    body = await world.graphql(REPLACE, {"id": plan_id, "input": as_input(moved), "rev": 1}, world.service)
    assert "errors" not in body, body
    found = await assert_consistent(world.db)
    assert row_of(found, CORPUS_OPPILAITOS, learner)[3] == dt.date(2023, 11, 20)

    body = await world.graphql(DELETE, {"id": plan_id}, world.staff)
    assert "errors" not in body, body
    found = await assert_consistent(world.db)
    assert row_of(found, CORPUS_OPPILAITOS, learner)[3] is None

    body = await world.graphql(RESTORE, {"id": plan_id}, world.admin)
    assert "errors" not in body, body
    found = await assert_consistent(world.db)
    assert row_of(found, CORPUS_OPPILAITOS, learner)[3] == dt.date(2023, 11, 20)

    # The registry renames the learner, moves the start and the study right to another oppilaitos.
    [entry] = [e for e in corpus_entries(world.koulutustoimija) if e.oid == study_right]
    renamed = entry.learner.model_copy(update={"surname": "Uusinimi", "first_names": "Aino"})
    update = {
        "learner": renamed,
        "started_on": dt.date(2024, 1, 8),
        "oppilaitos_oid": world.other_oppilaitos,
        "koulutustoimija_oid": world.other_koulutustoimija,
    }
    await upsert_study_rights(world.db, Actor(Scope()), [entry.model_copy(update=update)], operation="test")
    found = await assert_consistent(world.db)
    assert row_of(found, world.other_oppilaitos, learner) == (
        "Uusinimi",
        "Aino",
        dt.date(2024, 1, 8),
        dt.date(2023, 11, 20),
    )
    assert not [
        r for r in found if r[1] == learner and r[0] == CORPUS_OPPILAITOS and r[4] == dt.date(2024, 1, 8)
    ]

    # Plain SQL too: a study right without a plan removed, a learner renamed, a plan's date moved.
    async with world.db.write() as session:
        await session.execute(
            text("DELETE FROM study_rights WHERE oid = :oid"), {"oid": world.other_study_right}
        )
        await session.execute(
            text("UPDATE learners SET surname = 'Toinen' WHERE oid = :oid"), {"oid": learner}
        )
        await session.execute(
            text("UPDATE hoks SET first_approved_on = '2020-01-02' WHERE id = :id"), {"id": int(plan_id)}
        )
    found = await assert_consistent(world.db)
    assert not [r for r in found if r[1] == world.other_learner]
    assert row_of(found, LISTED_EVERYWHERE, learner)[0] == "Toinen"
