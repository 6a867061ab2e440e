"""`seed_database` against a real, freshly migrated database: counts, identifiers, the tree, who
has plans, agreement between rows and documents, determinism, and refusing a second seed."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from hoks_gateway.db.urls import with_database
from hoks_gateway.errors import ConfigurationError
from hoks_gateway.identifiers import (
    OPH_ROOT_OID,
    is_learner_oid,
    is_organisation_oid,
    is_study_right_oid,
)
from hoks_gateway.seed import corpus_registry
from hoks_gateway.seed.dataset import Dataset
from hoks_gateway.seed.progress import Progress
from hoks_gateway.seed.run import SeedOptions, SeedSummary, database_is_empty, resolve, seed_database

SMALL = SeedOptions(hoks=40, providers=6, providers_started=3, seed=7)


async def _fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def _admin(server_url: str, statement: str) -> None:
    conn = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
async def other_database_url(server_url: str, template_database: str) -> AsyncIterator[str]:
    """A second fresh, migrated database, for comparing two seeds."""
    name = f"hoks_test_seed_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield with_database(server_url, name)
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def seeded(database_url: str) -> SeedSummary:
    return await seed_database(database_url, SMALL)


async def test_small_seed_has_the_requested_counts(database_url: str, seeded: SeedSummary) -> None:
    counts = (
        await _fetch(
            database_url,
            "SELECT (SELECT count(*) FROM organisations WHERE type = 'KOULUTUSTOIMIJA') AS providers,"
            " (SELECT count(*) FROM organisations WHERE type = 'OPPILAITOS') AS institutions,"
            " (SELECT count(*) FROM organisations WHERE type = 'TOIMIPISTE') AS sites,"
            " (SELECT count(*) FROM learners) AS learners,"
            " (SELECT count(*) FROM study_rights) AS study_rights,"
            " (SELECT count(*) FROM hoks) AS hoks,"
            " (SELECT count(*) FROM hoks_revisions) AS revisions",
        )
    )[0]
    assert counts["providers"] == seeded.koulutustoimijat == 6
    assert counts["hoks"] == seeded.hoks == 40
    assert counts["revisions"] == 40
    assert counts["institutions"] == seeded.oppilaitokset >= 6
    assert counts["sites"] == seeded.toimipisteet
    assert counts["learners"] == seeded.learners
    assert counts["study_rights"] == seeded.study_rights > counts["hoks"]
    assert seeded.providers_started == 3
    assert "40 HOKS plans from 3 of 6 providers" in str(seeded)


async def test_every_identifier_is_valid(database_url: str, seeded: SeedSummary) -> None:
    organisations = await _fetch(database_url, "SELECT oid FROM organisations")
    assert all(is_organisation_oid(r["oid"]) for r in organisations)
    learners = await _fetch(database_url, "SELECT oid FROM learners")
    assert all(is_learner_oid(r["oid"]) for r in learners)
    study_rights = await _fetch(database_url, "SELECT oid, learner_oid FROM study_rights")
    assert all(is_study_right_oid(r["oid"]) and is_learner_oid(r["learner_oid"]) for r in study_rights)
    staff = await _fetch(
        database_url, "SELECT principal_id FROM hoks_revisions WHERE principal_kind = 'STAFF'"
    )
    assert all(is_learner_oid(r["principal_id"]) for r in staff)


async def test_ancestor_oids_follow_the_parent_chain(database_url: str, seeded: SeedSummary) -> None:
    rows = await _fetch(database_url, "SELECT oid, parent_oid, ancestor_oids, type FROM organisations")
    by_oid = {r["oid"]: r for r in rows}
    depth = {"ROOT": 0, "KOULUTUSTOIMIJA": 1, "OPPILAITOS": 2, "TOIMIPISTE": 3}
    for row in rows:
        chain: list[str] = []
        parent = row["parent_oid"]
        while parent is not None:
            chain.insert(0, parent)
            parent = by_oid[parent]["parent_oid"]
        assert list(row["ancestor_oids"]) == chain, row["oid"]
        assert len(chain) == depth[row["type"]]
        if chain:
            assert chain[0] == OPH_ROOT_OID
            assert depth[by_oid[chain[-1]]["type"]] == len(chain) - 1
    root = by_oid[OPH_ROOT_OID]
    assert root["type"] == "ROOT"


async def test_study_rights_agree_with_the_tree(database_url: str, seeded: SeedSummary) -> None:
    mismatched = await _fetch(
        database_url,
        "SELECT s.oid FROM study_rights s JOIN organisations o ON o.oid = s.oppilaitos_oid"
        " WHERE o.type <> 'OPPILAITOS' OR o.parent_oid <> s.koulutustoimija_oid"
        " OR (s.ended_on IS NOT NULL AND s.ended_on < s.started_on)"
        " OR (s.ended_on IS NULL) <> (s.status NOT IN ('valmistunut', 'eronnut', 'katsotaaneronneeksi'))",
    )
    assert mismatched == []


async def test_only_started_providers_have_plans(database_url: str, seeded: SeedSummary) -> None:
    providers = Dataset(resolve(SMALL)).organisations.providers
    started = {p.oid for p in providers[:3]}
    waiting = {p.oid for p in providers[3:]}
    with_plans = await _fetch(
        database_url,
        "SELECT DISTINCT s.koulutustoimija_oid FROM hoks h JOIN study_rights s ON s.oid = h.study_right_oid",
    )
    assert {r["koulutustoimija_oid"] for r in with_plans} == started
    with_study_rights = await _fetch(database_url, "SELECT DISTINCT koulutustoimija_oid FROM study_rights")
    assert waiting <= {r["koulutustoimija_oid"] for r in with_study_rights}


async def test_rows_agree_with_their_documents(database_url: str, seeded: SeedSummary) -> None:
    rows = await _fetch(
        database_url,
        "SELECT h.*, s.oppilaitos_oid, s.learner_oid AS sr_learner, r.number, r.operation, r.at,"
        " r.principal_kind, r.source AS r_source, r.organisation_oid AS r_organisation,"
        " r.document AS r_document"
        " FROM hoks h JOIN study_rights s ON s.oid = h.study_right_oid"
        " JOIN hoks_revisions r ON r.hoks_id = h.id",
    )
    assert len(rows) == 40
    for row in rows:
        document = json.loads(row["document"])
        assert document["opiskeluoikeus-oid"] == row["study_right_oid"]
        assert document["oppija-oid"] == row["learner_oid"] == row["sr_learner"]
        assert document["ensikertainen-hyvaksyminen"] == row["first_approved_on"].isoformat()
        approved = dt.datetime.fromisoformat(document["hyvaksytty"].replace("Z", "+00:00"))
        assert approved == row["approved_at"]
        assert row["organisation_oid"] == row["oppilaitos_oid"] == row["r_organisation"]
        assert row["revision"] == 1 and row["deleted_at"] is None
        assert row["created_at"] == row["updated_at"] == row["at"] >= row["approved_at"]
        assert (row["number"], row["operation"], row["r_source"]) == (1, "CREATE", row["source"])
        assert row["principal_kind"] == ("SERVICE" if row["source"] == "TRANSFER" else "STAFF")
        assert json.loads(row["r_document"]) == document
    next_id = await _fetch(database_url, "SELECT nextval(pg_get_serial_sequence('hoks', 'id')) AS id")
    assert next_id[0]["id"] == 41


async def test_stored_documents_are_the_generated_ones(database_url: str, seeded: SeedSummary) -> None:
    """The jsonb column, loaded by binary COPY from text, holds exactly what was generated."""
    dataset = Dataset(resolve(SMALL))
    for _ in dataset.registry():
        pass
    generated = {row.id: json.loads(row.document) for rows, _ in dataset.plans() for row in rows}
    stored = await _fetch(database_url, "SELECT id, document FROM hoks")
    assert {r["id"]: json.loads(r["document"]) for r in stored} == generated


async def test_corpus_learners_and_study_rights_are_registered_without_plans(
    database_url: str, seeded: SeedSummary
) -> None:
    rows = await _fetch(
        database_url,
        "SELECT s.oid, s.learner_oid, s.kind, s.status, s.started_on, s.oppilaitos_oid,"
        " s.koulutustoimija_oid, o.parent_oid, o.name_fi, l.first_names, l.calling_name, l.surname,"
        " EXISTS (SELECT FROM hoks h WHERE h.study_right_oid = s.oid) AS has_plan"
        " FROM study_rights s JOIN learners l ON l.oid = s.learner_oid"
        " JOIN organisations o ON o.oid = s.oppilaitos_oid WHERE s.oid = ANY($1::text[])",
        list(corpus_registry.STUDY_RIGHTS),
    )
    assert {r["oid"]: r["learner_oid"] for r in rows} == corpus_registry.STUDY_RIGHTS
    for row in rows:
        assert row["status"] == "lasna"
        assert row["started_on"] == dt.date(2018, 11, 15)
        assert row["oppilaitos_oid"] == "1.2.246.562.10.12424158689"
        assert row["koulutustoimija_oid"] == row["parent_oid"]
        assert row["name_fi"]
        assert row["kind"] == ("TUVA" if row["oid"].startswith("1.2.246.562.15.76811942") else "VOCATIONAL")
        assert row["first_names"] and row["surname"]
        assert row["calling_name"] in row["first_names"].split()
        assert not row["has_plan"]


async def test_a_second_seed_is_refused_and_changes_nothing(database_url: str, seeded: SeedSummary) -> None:
    assert not await database_is_empty(database_url)
    with pytest.raises(ConfigurationError, match="already has data") as raised:
        await seed_database(database_url, SeedOptions(hoks=5, providers=2, seed=8))
    assert "\n" not in str(raised.value)
    count = await _fetch(database_url, "SELECT count(*) AS n FROM organisations")
    assert count[0]["n"] == seeded.koulutustoimijat + seeded.oppilaitokset + seeded.toimipisteet + 1


async def test_an_empty_database_is_empty(database_url: str) -> None:
    assert await database_is_empty(database_url)


async def test_an_unmigrated_database_is_refused_clearly(server_url: str) -> None:
    name = f"hoks_test_seed_bare_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        with pytest.raises(ConfigurationError, match="hoks-gateway migrate"):
            await seed_database(with_database(server_url, name), SMALL)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


TABLES = {
    "organisations": "oid",
    "learners": "oid",
    "study_rights": "oid",
    "hoks": "id",
    "hoks_revisions": "hoks_id, number",
}


async def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    # Table and key names come from the constant above.
    return {
        table: [tuple(r) for r in await _fetch(url, f"SELECT * FROM {table} ORDER BY {key}")]
        for table, key in TABLES.items()
    }


async def test_the_same_seed_gives_identical_databases(database_url: str, other_database_url: str) -> None:
    first = await seed_database(database_url, SMALL)
    second = await seed_database(other_database_url, SMALL)
    assert first == second
    one, other = await _dump(database_url), await _dump(other_database_url)
    assert all(one[table] for table in TABLES)
    assert one == other


async def test_another_seed_gives_other_data(database_url: str, other_database_url: str) -> None:
    await seed_database(database_url, SMALL)
    await seed_database(other_database_url, SeedOptions(hoks=40, providers=6, providers_started=3, seed=8))
    one, other = await _dump(database_url), await _dump(other_database_url)
    assert one["learners"] != other["learners"]
    assert one["hoks"] != other["hoks"]


async def test_seeding_reports_progress_on_stderr_when_asked(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_database(database_url, SeedOptions(hoks=3, providers=2, seed=3), progress=True)
    err = capsys.readouterr().err
    assert "\rlearners, study rights" in err and "\rHOKS plans" in err and "100.0%" in err


def test_progress_is_drawn_in_place() -> None:
    stream = io.StringIO()
    progress = Progress(enabled=True, stream=stream)
    with progress.phase("HOKS plans", 10) as phase:
        phase.advance(4)
        phase.advance(6)
    assert stream.getvalue().startswith("\rHOKS plans")
    assert "100.0%" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    with Progress(enabled=False, stream=quiet).phase("x", 1) as phase:
        phase.advance(1)
    assert quiet.getvalue() == ""


def test_options_are_checked() -> None:
    assert resolve(SeedOptions()).hoks == 300
    assert resolve(SeedOptions()).providers_started == 161
    with pytest.raises(ConfigurationError, match="--providers-started"):
        resolve(SeedOptions(providers=5, providers_started=6))
    with pytest.raises(ConfigurationError, match="--hoks"):
        resolve(SeedOptions(hoks=10, providers_started=0))
    with pytest.raises(ConfigurationError, match="--hoks"):
        resolve(SeedOptions(hoks=-1))
