"""Student list table: one row per (organisation, learner), maintained by triggers (issue 6)

The staff student list filters on study rights and sorts on learners, so without this table
PostgreSQL joins and sorts a whole oppilaitos before `LIMIT 51`. `learner_list` holds, for every
organisation a learner is listed under (the oppilaitos of one of their study rights, each
organisation above it, and `*` for the whole registry), the sort keys taken over the study rights
at or below that organisation: names, the latest start, the earliest first approval of a plan in
force. One composite index per order makes a page an index range scan.

Triggers on study_rights, hoks, learners and organisations keep the rows in step within the
writing transaction, whoever writes (the HOKS write pipeline, the registry sync, plain SQL). A
bulk load sets `hoks.bulk_load = on` for its transaction, skips them and derives the table in
one statement afterwards (`seed/load.derive_tables`).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The primary key leads with the learner: the triggers refresh a learner's rows by it.
_INDEXES = (
    ("listed_in", "surname", "first_names", "learner_oid"),
    ("listed_in", "started_on", "learner_oid"),
    ("listed_in", "first_approved_asc", "learner_oid"),
    ("listed_in", "first_approved_desc", "learner_oid"),
)

# What learner_list holds, computed from scratch (the refresh narrows it to some learners; the
# planner pushes `learner_oid = ANY(...)` into the grouping).
_SOURCE = """
CREATE VIEW learner_list_source AS
SELECT lineage.oid::varchar(64) AS listed_in,
       sr.learner_oid,
       l.surname,
       l.first_names,
       max(sr.started_on) AS started_on,
       coalesce(min(h.first_approved_on), DATE '9999-12-31') AS first_approved_asc,
       coalesce(min(h.first_approved_on), DATE '0001-01-01') AS first_approved_desc
FROM study_rights sr
JOIN learners l ON l.oid = sr.learner_oid
JOIN organisations o ON o.oid = sr.oppilaitos_oid
CROSS JOIN LATERAL unnest(o.ancestor_oids || ARRAY[o.oid, '*']::varchar(64)[]) AS lineage(oid)
LEFT JOIN hoks h ON h.study_right_oid = sr.oid AND h.deleted_at IS NULL
GROUP BY lineage.oid, sr.learner_oid, l.surname, l.first_names
"""

_FUNCTIONS = """
CREATE FUNCTION learner_list_refresh(oids varchar[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    changed varchar[] := ARRAY(SELECT DISTINCT o FROM unnest(oids) AS o WHERE o IS NOT NULL ORDER BY o);
BEGIN
    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
    -- Concurrent writes for one learner take turns, so each recomputes from committed rows
    -- (NO KEY UPDATE does not block the foreign-key checks of other inserts).
    PERFORM 1 FROM learners WHERE oid = ANY(changed) ORDER BY oid FOR NO KEY UPDATE;
    -- One statement: the learners' rows computed once, upserted, and the others removed (a
    -- separate NOT EXISTS over the view would be planned as an anti-join over the whole view).
    WITH fresh AS (
        SELECT * FROM learner_list_source WHERE learner_oid = ANY(changed)
    ), upserted AS (
        INSERT INTO learner_list (listed_in, learner_oid, surname, first_names, started_on,
                                  first_approved_asc, first_approved_desc)
        SELECT listed_in, learner_oid, surname, first_names, started_on, first_approved_asc,
               first_approved_desc
        FROM fresh
        ON CONFLICT (learner_oid, listed_in) DO UPDATE SET
            surname = excluded.surname, first_names = excluded.first_names,
            started_on = excluded.started_on, first_approved_asc = excluded.first_approved_asc,
            first_approved_desc = excluded.first_approved_desc
        WHERE (learner_list.surname, learner_list.first_names, learner_list.started_on,
               learner_list.first_approved_asc, learner_list.first_approved_desc)
              IS DISTINCT FROM (excluded.surname, excluded.first_names, excluded.started_on,
                                excluded.first_approved_asc, excluded.first_approved_desc)
    )
    DELETE FROM learner_list ll
    WHERE ll.learner_oid = ANY(changed)
      AND NOT EXISTS (SELECT FROM fresh f
                      WHERE f.learner_oid = ll.learner_oid AND f.listed_in = ll.listed_in);
END $$;

CREATE FUNCTION learner_list_bulk_load() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('hoks.bulk_load', true), '') = 'on'
$$;

CREATE FUNCTION learner_list_study_rights() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM learner_list_refresh(ARRAY(SELECT learner_oid FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM learner_list_refresh(ARRAY(SELECT learner_oid FROM old_rows));
    ELSE
        PERFORM learner_list_refresh(ARRAY(
            SELECT unnest(ARRAY[n.learner_oid, o.learner_oid])
            FROM new_rows n JOIN old_rows o ON o.oid = n.oid
            WHERE (n.learner_oid, n.oppilaitos_oid, n.started_on)
                  IS DISTINCT FROM (o.learner_oid, o.oppilaitos_oid, o.started_on)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION learner_list_hoks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM learner_list_refresh(ARRAY(
            SELECT sr.learner_oid FROM new_rows n JOIN study_rights sr ON sr.oid = n.study_right_oid));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM learner_list_refresh(ARRAY(
            SELECT sr.learner_oid FROM old_rows o JOIN study_rights sr ON sr.oid = o.study_right_oid));
    ELSE
        PERFORM learner_list_refresh(ARRAY(
            SELECT sr.learner_oid
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN study_rights sr ON sr.oid IN (n.study_right_oid, o.study_right_oid)
            WHERE (n.study_right_oid, n.first_approved_on, n.deleted_at IS NULL)
                  IS DISTINCT FROM (o.study_right_oid, o.first_approved_on, o.deleted_at IS NULL)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION learner_list_learners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    UPDATE learner_list ll SET surname = n.surname, first_names = n.first_names
    FROM new_rows n JOIN old_rows o ON o.oid = n.oid
    WHERE ll.learner_oid = n.oid
      AND (n.surname, n.first_names) IS DISTINCT FROM (o.surname, o.first_names);
    RETURN NULL;
END $$;

CREATE FUNCTION learner_list_organisations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    PERFORM learner_list_refresh(ARRAY(
        SELECT sr.learner_oid
        FROM new_rows n JOIN old_rows o ON o.oid = n.oid
        JOIN study_rights sr ON sr.oppilaitos_oid = n.oid
        WHERE n.ancestor_oids IS DISTINCT FROM o.ancestor_oids));
    RETURN NULL;
END $$;
"""

_TRIGGERS = (
    ("study_rights", "INSERT", "NEW TABLE AS new_rows", "learner_list_study_rights"),
    ("study_rights", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows", "learner_list_study_rights"),
    ("study_rights", "DELETE", "OLD TABLE AS old_rows", "learner_list_study_rights"),
    ("hoks", "INSERT", "NEW TABLE AS new_rows", "learner_list_hoks"),
    ("hoks", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows", "learner_list_hoks"),
    ("hoks", "DELETE", "OLD TABLE AS old_rows", "learner_list_hoks"),
    ("learners", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows", "learner_list_learners"),
    ("organisations", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows", "learner_list_organisations"),
)


def _trigger_name(table: str, event: str) -> str:
    return f"learner_list_on_{table}_{event.lower()}"


def upgrade() -> None:
    op.create_table(
        "learner_list",
        sa.Column("listed_in", sa.String(length=64), nullable=False),
        sa.Column("learner_oid", sa.String(length=64), nullable=False),
        sa.Column("surname", sa.Text(), nullable=False),
        sa.Column("first_names", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("first_approved_asc", sa.Date(), nullable=False),
        sa.Column("first_approved_desc", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("learner_oid", "listed_in", name=op.f("pk_learner_list")),
    )
    for columns in _INDEXES:
        op.create_index(f"ix_learner_list_{'_'.join(columns)}", "learner_list", list(columns))
    op.execute(_SOURCE)
    # One statement per call (asyncpg prepares each); the functions are separated by blank lines.
    for function in _FUNCTIONS.strip().split("\n\n"):
        op.execute(function)
    for table, event, referencing, function in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
            f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(
        "INSERT INTO learner_list SELECT listed_in, learner_oid, surname, first_names, started_on,"
        " first_approved_asc, first_approved_desc FROM learner_list_source"
    )


def downgrade() -> None:
    for table, event, _, _ in reversed(_TRIGGERS):
        op.execute(f"DROP TRIGGER {_trigger_name(table, event)} ON {table}")
    for function in (
        "learner_list_organisations",
        "learner_list_learners",
        "learner_list_hoks",
        "learner_list_study_rights",
    ):
        op.execute(f"DROP FUNCTION {function}()")
    op.execute("DROP FUNCTION learner_list_bulk_load()")
    op.execute("DROP FUNCTION learner_list_refresh(varchar[])")
    op.execute("DROP VIEW learner_list_source")
    for columns in reversed(_INDEXES):
        op.drop_index(f"ix_learner_list_{'_'.join(columns)}", table_name="learner_list")
    op.drop_table("learner_list")
