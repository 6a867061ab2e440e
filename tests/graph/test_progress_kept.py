"""A plan's progress is kept with its row (migration 0012): written with every plan, filled in for
plans that existed before, and the same as counting the parts' statuses from the document."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import asyncpg

from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.urls import with_database
from hoks_gateway.hoks.document.status import PlanProgress
from tests.corpus import corpus_dir

BEFORE = "0007"


async def test_existing_plans_get_their_progress(server_url: str) -> None:
    name = f"hoks_test_progress_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    try:
        await asyncio.to_thread(upgrade, url, BEFORE)
        conn = await asyncpg.connect(url)
        try:
            documents = {path.name: json.loads(path.read_text()) for path in corpus_dir().glob("*.json")}
            await conn.execute(
                "INSERT INTO organisations (oid, type) VALUES ('1.2.246.562.10.00000000001', 'ROOT')"
            )
            for n, document in enumerate(documents.values()):
                learner, right = document["oppija-oid"], document["opiskeluoikeus-oid"]
                await conn.execute(
                    "INSERT INTO learners (oid, first_names, surname) VALUES ($1, 'Testi', 'Oppija')"
                    " ON CONFLICT DO NOTHING",
                    learner,
                )
                await conn.execute(
                    "INSERT INTO study_rights (oid, learner_oid, oppilaitos_oid, koulutustoimija_oid, kind,"
                    " status, started_on) VALUES ($1, $2, '1.2.246.562.10.00000000001',"
                    " '1.2.246.562.10.00000000001', 'VOCATIONAL', 'lasna', '2018-11-15')",
                    right,
                    learner,
                )
                await conn.execute(
                    "INSERT INTO hoks (id, study_right_oid, learner_oid, organisation_oid, first_approved_on,"
                    " source, document) VALUES ($1, $2, $3, '1.2.246.562.10.00000000001', '2019-01-01',"
                    " 'TRANSFER', $4::jsonb)",
                    n + 1,
                    right,
                    learner,
                    json.dumps(document),
                )
        finally:
            await conn.close()

        await asyncio.to_thread(upgrade, url)

        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch(
                "SELECT document::text AS document, progress_planned, progress_completes_on FROM hoks"
            )
        finally:
            await conn.close()
        assert len(rows) == len(documents)
        for row in rows:
            expected = PlanProgress.of_stored(json.loads(row["document"]))
            assert (row["progress_planned"], tuple(row["progress_completes_on"])) == (
                expected.planned,
                expected.completes_on,
            )
        assert any(row["progress_completes_on"] for row in rows)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
