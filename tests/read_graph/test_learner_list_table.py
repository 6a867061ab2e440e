"""The student list read from `learner_list` (0006) on a seeded data set: the table as the bulk
load derives it, the same pages as the list computed from the study rights, and a first page
that PostgreSQL answers with an index range scan (no sort of the organisation)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.explain import explain, nodes
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.cursors import Cursors, CursorSeal
from hoks_gateway.hoks.repository import by_study_right
from hoks_gateway.learners.repository import listed_study_rights
from hoks_gateway.learners.search import LearnerOrder, LearnerSearch
from hoks_gateway.seed.run import SeedOptions, seed_database
from tests.learner_list import assert_consistent

STAFF = "1.2.246.562.24.92634157188"
CURSORS = CursorSeal.of_this_process()


@dataclass(frozen=True, slots=True)
class Computed(LearnerSearch):
    """The list computed from the study rights, as before 0006."""

    @property
    def listed_in(self) -> str | None:
        return None


@dataclass(frozen=True)
class Seeded:
    db: Database
    oppilaitos: str
    koulutustoimija: str


@pytest.fixture
async def seeded(db: Database, database_url: str) -> Seeded:
    # Big enough for the planner to weigh an index scan against a sort (≈ 600 learners in the
    # largest oppilaitos), small enough to seed in a few seconds; the loader ANALYZEs.
    await seed_database(database_url, SeedOptions(hoks=4000, providers=20, seed=11))
    async with db.read() as session:
        oppilaitos, koulutustoimija = (
            await session.execute(
                text(
                    "SELECT oppilaitos_oid, min(koulutustoimija_oid) FROM study_rights"
                    " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
                )
            )
        ).one()
    return Seeded(db, oppilaitos, koulutustoimija)


def staff_of(organisation: str, below: set[str]) -> Scope:
    principal = Principal(PrincipalKind.STAFF, STAFF, {organisation: frozenset({Privilege.READ})})
    return Scope(principal, {Privilege.READ: frozenset(below | {organisation})})


async def subtree(db: Database, oid: str) -> set[str]:
    async with db.read() as session:
        found = await session.execute(
            text("SELECT oid FROM organisations WHERE ancestor_oids @> ARRAY[:oid]::varchar[]"), {"oid": oid}
        )
        return set(found.scalars())


async def pages(db: Database, search: LearnerSearch, count: int) -> list[tuple[str, tuple[object, ...]]]:
    seen: list[tuple[str, tuple[object, ...]]] = []
    after = None
    keyset = search.keyset()
    cursors = Cursors(CURSORS, search.scope.kind)
    for _ in range(count):
        rows = await search.page(db.reads, 50, after, cursors)
        seen += [(r.learner.oid, r.key) for r in rows[:50]]
        if len(rows) <= 50:
            break
        after = keyset.encode(rows[49].key, cursors)
    return seen


async def test_the_bulk_load_derives_the_table(seeded: Seeded) -> None:
    found = await assert_consistent(seeded.db)
    assert len({r[1] for r in found if r[0] == seeded.oppilaitos}) > 300


async def test_pages_and_counts_are_those_computed_from_the_study_rights(seeded: Seeded) -> None:
    admin = Scope(Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789"))
    cases = [
        (staff_of(seeded.oppilaitos, set()), seeded.oppilaitos),
        (
            staff_of(seeded.koulutustoimija, await subtree(seeded.db, seeded.koulutustoimija)),
            seeded.koulutustoimija,
        ),
        (admin, None),
    ]
    planned = 0
    for scope, organisation in cases:
        for order in LearnerOrder:
            for words in ((), ("a",)):
                table = LearnerSearch(scope, organisation, words, order)
                computed = Computed(scope, organisation, words, order)
                assert (table.listed_in is not None) == (not words)
                assert await pages(seeded.db, table, 3) == await pages(seeded.db, computed, 3), (order, words)
                counted = await computed.count(seeded.db.reads)
                assert await table.count(seeded.db.reads) == counted
                cursors = Cursors(CURSORS, scope.kind)
                listed = await table.counted_page(seeded.db.reads, 50, None, cursors, plans=True)
                assert listed.total == (None if words else counted), (order, words)
                if listed.study_rights is not None:
                    # The study rights read with the page are those the list read apart before.
                    oids = [r.learner.oid for r in listed.rows]
                    apart = await listed_study_rights(
                        seeded.db.reads, oids, scope, table.shape, table.listed_study_right, table.parameters
                    )
                    assert listed.study_rights == {oid: apart.get(oid, []) for oid in oids}, order
                    # And their plans those the plan loader reads.
                    rights = [r.oid for found in listed.study_rights.values() for r in found]
                    plans = await by_study_right(seeded.db.reads, rights, scope)
                    assert listed.plans == {oid: plans.get(oid) for oid in rights}, order
                    planned += len(plans)
    assert planned > 100, "the pages should show plans"


async def test_a_first_page_is_an_index_range_scan(seeded: Seeded) -> None:
    scope = staff_of(seeded.oppilaitos, set())
    indexes = {
        LearnerOrder.SURNAME_ASC: "ix_learner_list_listed_in_surname_first_names_learner_oid",
        LearnerOrder.SURNAME_DESC: "ix_learner_list_listed_in_surname_first_names_learner_oid",
        LearnerOrder.STARTED_ASC: "ix_learner_list_listed_in_started_on_learner_oid",
        LearnerOrder.STARTED_DESC: "ix_learner_list_listed_in_started_on_learner_oid",
        LearnerOrder.FIRST_APPROVED_ASC: "ix_learner_list_listed_in_first_approved_asc_learner_oid",
        LearnerOrder.FIRST_APPROVED_DESC: "ix_learner_list_listed_in_first_approved_desc_learner_oid",
    }
    async with seeded.db.read() as session:
        conn = await session.connection()
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        for order, index in indexes.items():
            search = LearnerSearch(scope, seeded.oppilaitos, (), order)
            cursors = Cursors(CURSORS, scope.kind)
            first = await search.page(seeded.db.reads, 50, None, cursors)
            second = search.keyset().encode(first[49].key, cursors)
            for after in (None, second):
                plan = await explain(raw, search.page_query(50, after, cursors))
                found = nodes(plan["Plan"])
                # The kept count's few rows (0013) may be read whole here: the table is tiny.
                scanned = [n for n in found if n.get("Relation Name") != "learner_list_count"]
                assert not [
                    n for n in scanned if n["Node Type"] in ("Sort", "Incremental Sort", "Seq Scan")
                ], (
                    order,
                    plan,
                )
                scans = [n for n in found if n.get("Relation Name") == "learner_list"]
                assert [(n["Node Type"], n["Index Name"]) for n in scans] in (
                    [("Index Scan", index)],
                    [("Index Only Scan", index)],
                ), (order, plan)
                # The statement that runs: that page, its learners' study rights by index.
                plan = await explain(raw, search.listed_page_query(50, after, cursors))
                found = nodes(plan["Plan"])
                scans = [n for n in found if n.get("Relation Name") in ("learner_list", "study_rights")]
                assert {n["Relation Name"]: n["Node Type"] for n in scans} == {
                    "learner_list": scans[0]["Node Type"],
                    "study_rights": "Index Scan",
                } and "Seq Scan" not in {n["Node Type"] for n in scans}, (order, plan)
