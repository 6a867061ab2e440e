"""`learner_list` (0006) against a from-scratch computation of what it should hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from hoks_gateway.db.sessions import Database

# Written independently of the migration's view: "at or below" as organisations/access.at_or_below
# says it (the organisation itself or one of its ancestors), as a join over the organisations.
FROM_SCRATCH = """
WITH lineage AS (
    SELECT o.oid AS oppilaitos_oid, g.oid AS listed_in
    FROM organisations o JOIN organisations g ON g.oid = o.oid OR g.oid = ANY(o.ancestor_oids)
    UNION ALL
    SELECT oid, '*' FROM organisations
)
SELECT li.listed_in, sr.learner_oid, l.surname, l.first_names, max(sr.started_on),
       min(h.first_approved_on) FILTER (WHERE h.deleted_at IS NULL)
FROM study_rights sr
JOIN lineage li ON li.oppilaitos_oid = sr.oppilaitos_oid
JOIN learners l ON l.oid = sr.learner_oid
LEFT JOIN hoks h ON h.study_right_oid = sr.oid
GROUP BY 1, 2, 3, 4
"""

STORED = """
SELECT listed_in, learner_oid, surname, first_names, started_on,
       CASE WHEN first_approved_asc = DATE '9999-12-31' THEN NULL ELSE first_approved_asc END,
       CASE WHEN first_approved_desc = DATE '0001-01-01' THEN NULL ELSE first_approved_desc END
FROM learner_list
"""

Row = tuple[Any, ...]


async def rows(db: Database) -> tuple[set[Row], set[Row]]:
    """(what learner_list holds, what it should hold)."""
    async with db.read() as session:
        stored = set()
        for (
            listed_in,
            learner,
            surname,
            first_names,
            started,
            approved_asc,
            approved_desc,
        ) in await session.execute(text(STORED)):
            assert approved_asc == approved_desc, (listed_in, learner)
            stored.add((listed_in, learner, surname, first_names, started, approved_asc))
        expected = {tuple(r) for r in await session.execute(text(FROM_SCRATCH))}
    return stored, expected


# The kept sizes (0013) beside count(*) of the rows they stand for, per listed_in; an
# organisation whose learners all left keeps its delta rows summing to 0.
COUNTS = """
SELECT listed_in, kept, counted
FROM (SELECT listed_in, sum(learners) AS kept FROM learner_list_count GROUP BY 1) k
FULL JOIN (SELECT listed_in, count(*) AS counted FROM learner_list GROUP BY 1) c USING (listed_in)
WHERE coalesce(kept, 0) <> coalesce(counted, 0)
"""


async def assert_counts_consistent(db: Database) -> None:
    async with db.read() as session:
        assert (await session.execute(text(COUNTS))).all() == [], "kept counts differ from count(*)"


async def assert_consistent(db: Database) -> set[Row]:
    stored, expected = await rows(db)
    assert stored - expected == set(), "stale or extra rows"
    assert expected - stored == set(), "missing rows"
    await assert_counts_consistent(db)
    return stored


def row_of(found: set[Row], listed_in: str, learner: str) -> tuple[str, str, dt.date, dt.date | None]:
    [row] = [r for r in found if r[0] == listed_in and r[1] == learner]
    return row[2], row[3], row[4], row[5]
