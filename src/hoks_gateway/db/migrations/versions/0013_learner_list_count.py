"""The student list's size per organisation, kept by triggers (docs/performance.md, "The list's count")

`totalCount` of an unsearched staff list was `count(*)` over the organisation's `learner_list`
rows: 173,250 rows for the largest oppilaitos of a million plans. `learner_list_count` holds the
same figure as a sum of a few rows per `listed_in`, whatever the organisation's size.

Every change of `learner_list` membership (a learner listed under an organisation, or no longer)
is an insert or a delete of a `learner_list` row, whoever causes it (a study right registered or
moved, an organisation moved, plain SQL): statement-level triggers on `learner_list` itself add
the inserted rows and subtract the deleted ones per `listed_in`, in the same transaction, so the
sum is exactly `count(*)` in every snapshot.

The delta goes to the row of (`listed_in`, shard), the shard being the writing backend's process
id modulo 64: a learner added to an oppilaitos also adds to its koulutustoimija and to `*`, and one
row per organisation would make every concurrent write that lists a learner wait for the others'
commits on `*`. Writers on different connections mostly touch different rows; a shard's figure is
only a delta (it can be negative), the sum over the shards is the count. A bulk load
(`hoks.bulk_load = on`, see 0006) skips the triggers and derives the table
(`seed/load.derive_tables`).

Revision ID: 0013
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = """
CREATE FUNCTION learner_list_count_add(deltas varchar[], signs integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(deltas) = 0 THEN
        RETURN;
    END IF;
    -- Keys in order, so two writers on one shard lock its rows in the same order.
    INSERT INTO learner_list_count AS c (listed_in, shard, learners)
    SELECT d, pg_backend_pid() % 64, sum(s) FROM unnest(deltas, signs) AS u(d, s)
    GROUP BY 1
    HAVING sum(s) <> 0
    ORDER BY 1
    ON CONFLICT (listed_in, shard) DO UPDATE SET learners = c.learners + excluded.learners;
END $$;

CREATE FUNCTION learner_list_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM learner_list_count_add(ARRAY(SELECT listed_in FROM new_rows),
                                       ARRAY(SELECT 1 FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM learner_list_count_add(ARRAY(SELECT listed_in FROM old_rows),
                                       ARRAY(SELECT -1 FROM old_rows));
    ELSE
        -- The triggers of 0006 never move a row to another organisation; plain SQL might.
        PERFORM learner_list_count_add(coalesce(array_agg(v.d), '{}'), coalesce(array_agg(v.s), '{}'))
        FROM (SELECT listed_in AS d, 1 AS s FROM new_rows
              UNION ALL
              SELECT listed_in, -1 FROM old_rows) v;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION learner_list_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM learner_list_count;
    RETURN NULL;
END $$;
"""

_TRIGGERS = (
    ("INSERT", "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT", "learner_list_count_rows"),
    (
        "UPDATE",
        "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT",
        "learner_list_count_rows",
    ),
    ("DELETE", "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT", "learner_list_count_rows"),
    ("TRUNCATE", "FOR EACH STATEMENT", "learner_list_count_truncate"),
)

DERIVE = (
    "INSERT INTO learner_list_count (listed_in, shard, learners)"
    " SELECT listed_in, 0, count(*) FROM learner_list GROUP BY listed_in"
)


def _trigger_name(event: str) -> str:
    return f"learner_list_count_on_{event.lower()}"


def upgrade() -> None:
    op.create_table(
        "learner_list_count",
        sa.Column("listed_in", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("listed_in", "shard", name=op.f("pk_learner_list_count")),
    )
    # One statement per call (asyncpg prepares each); the functions are separated by blank lines.
    for function in _FUNCTIONS.strip().split("\n\n"):
        op.execute(function)
    for event, how, function in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_trigger_name(event)} AFTER {event} ON learner_list {how}"
            f" EXECUTE FUNCTION {function}()"
        )
    # Triggers first: a write committed meanwhile waits for the table lock of this transaction.
    op.execute("LOCK TABLE learner_list IN SHARE MODE")
    op.execute(DERIVE)


def downgrade() -> None:
    for event, _, _ in reversed(_TRIGGERS):
        op.execute(f"DROP TRIGGER {_trigger_name(event)} ON learner_list")
    op.execute("DROP FUNCTION learner_list_count_truncate()")
    op.execute("DROP FUNCTION learner_list_count_rows()")
    op.execute("DROP FUNCTION learner_list_count_add(varchar[], integer[])")
    op.drop_table("learner_list_count")
