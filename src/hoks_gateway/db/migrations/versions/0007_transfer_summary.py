"""Transfer statistics summary tables, maintained by triggers (issue 6, `transferStatistics`)

`transferStatistics` counted every plan and study right per request. `hoks_daily` holds the plan
counts per (koulutustoimija, day stored, day visible to the provider figures, day deleted), days in
Finnish time, with the first and latest stored instant of the group; `study_right_daily` the study
rights per (koulutustoimija, day registered). Every figure but the distinct learner count, at the
end of any day (`asOf`), is a sum over these rows: their number grows with days and providers, not
with plans.

* `visible_on` is the later of the plan's day and its study right's registration day: the
  per-provider figures count a plan only once its study right is registered too.
* `deleted_on` is `infinity` for a plan in force.

Statement-level triggers on hoks and study_rights apply the changed rows' contributions as
deltas within the writing transaction (insert, soft delete and restore, a moved `created_at`, hard
delete, a study right moved to another provider). A bulk load (`hoks.bulk_load = on`, see 0006)
skips them and derives the tables in one statement each (`seed/load.derive_tables`).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEWS = """
CREATE VIEW hoks_daily_source AS
SELECT sr.koulutustoimija_oid,
       (h.created_at AT TIME ZONE 'Europe/Helsinki')::date AS created_on,
       greatest((h.created_at AT TIME ZONE 'Europe/Helsinki')::date,
                (sr.created_at AT TIME ZONE 'Europe/Helsinki')::date) AS visible_on,
       coalesce((h.deleted_at AT TIME ZONE 'Europe/Helsinki')::date, DATE 'infinity') AS deleted_on,
       count(*)::integer AS hoks_count,
       min(h.created_at) AS first_created_at,
       max(h.created_at) AS last_created_at
FROM hoks h
JOIN study_rights sr ON sr.oid = h.study_right_oid
GROUP BY 1, 2, 3, 4

CREATE VIEW study_right_daily_source AS
SELECT koulutustoimija_oid,
       (created_at AT TIME ZONE 'Europe/Helsinki')::date AS created_on,
       count(*)::integer AS study_right_count
FROM study_rights
GROUP BY 1, 2
"""

_FUNCTIONS = """
CREATE TYPE hoks_daily_delta AS (
    koulutustoimija_oid varchar(64), created_on date, visible_on date, deleted_on date,
    created_at timestamptz, sign integer
)

CREATE FUNCTION hoks_daily_contribution(
    koulutustoimija_oid varchar, hoks_created timestamptz, right_created timestamptz,
    hoks_deleted timestamptz, sign integer
) RETURNS hoks_daily_delta LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(koulutustoimija_oid,
               (hoks_created AT TIME ZONE 'Europe/Helsinki')::date,
               greatest((hoks_created AT TIME ZONE 'Europe/Helsinki')::date,
                        (right_created AT TIME ZONE 'Europe/Helsinki')::date),
               coalesce((hoks_deleted AT TIME ZONE 'Europe/Helsinki')::date, DATE 'infinity'),
               hoks_created, sign)::hoks_daily_delta
$$

CREATE FUNCTION hoks_daily_apply(deltas hoks_daily_delta[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(deltas) = 0 THEN
        RETURN;
    END IF;
    -- Keys in order, so two writers touching the same groups lock them in the same order.
    INSERT INTO hoks_daily AS hd (koulutustoimija_oid, created_on, visible_on, deleted_on, hoks_count,
                                  first_created_at, last_created_at)
    -- A group that only loses plans keeps its bounds here (a removed plan lay within them) and
    -- has them taken again below.
    SELECT koulutustoimija_oid, created_on, visible_on, deleted_on, sum(sign),
           coalesce(min(created_at) FILTER (WHERE sign > 0), min(created_at)),
           coalesce(max(created_at) FILTER (WHERE sign > 0), max(created_at))
    FROM unnest(deltas)
    GROUP BY 1, 2, 3, 4
    HAVING sum(sign) <> 0 OR bool_or(sign > 0)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (koulutustoimija_oid, created_on, visible_on, deleted_on) DO UPDATE SET
        hoks_count = hd.hoks_count + excluded.hoks_count,
        first_created_at = least(hd.first_created_at, excluded.first_created_at),
        last_created_at = greatest(hd.last_created_at, excluded.last_created_at);
    DELETE FROM hoks_daily hd
    USING unnest(deltas) d
    WHERE (hd.koulutustoimija_oid, hd.created_on, hd.visible_on, hd.deleted_on)
          = (d.koulutustoimija_oid, d.created_on, d.visible_on, d.deleted_on)
      AND hd.hoks_count <= 0;
    -- A plan that left a group may have been its first or latest: that group's bounds are
    -- taken again from its plans (the provider's study rights by index, that day's plans).
    UPDATE hoks_daily hd SET first_created_at = s.first_created_at, last_created_at = s.last_created_at
    FROM (SELECT DISTINCT koulutustoimija_oid, created_on, visible_on, deleted_on
          FROM unnest(deltas) d
          WHERE d.sign < 0) gone,
         LATERAL (SELECT src.first_created_at, src.last_created_at
                  FROM hoks_daily_source src
                  WHERE src.koulutustoimija_oid = gone.koulutustoimija_oid
                    AND src.created_on = gone.created_on AND src.visible_on = gone.visible_on
                    AND src.deleted_on = gone.deleted_on) s
    WHERE (hd.koulutustoimija_oid, hd.created_on, hd.visible_on, hd.deleted_on)
          = (gone.koulutustoimija_oid, gone.created_on, gone.visible_on, gone.deleted_on)
      AND EXISTS (SELECT FROM unnest(deltas) d
                  WHERE d.sign < 0
                    AND (d.koulutustoimija_oid, d.created_on, d.visible_on, d.deleted_on)
                        = (gone.koulutustoimija_oid, gone.created_on, gone.visible_on, gone.deleted_on)
                    AND (d.created_at <= hd.first_created_at OR d.created_at >= hd.last_created_at));
END $$

CREATE FUNCTION study_right_daily_apply(providers varchar[], days date[], signs integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(providers) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO study_right_daily AS sd (koulutustoimija_oid, created_on, study_right_count)
    SELECT p, d, sum(s) FROM unnest(providers, days, signs) AS u(p, d, s)
    GROUP BY 1, 2
    HAVING sum(s) <> 0
    ORDER BY 1, 2
    ON CONFLICT (koulutustoimija_oid, created_on) DO UPDATE SET
        study_right_count = sd.study_right_count + excluded.study_right_count;
    DELETE FROM study_right_daily sd
    USING unnest(providers, days) AS u(p, d)
    WHERE sd.koulutustoimija_oid = u.p AND sd.created_on = u.d AND sd.study_right_count <= 0;
END $$

CREATE FUNCTION transfer_summary_hoks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM hoks_daily_apply(ARRAY(
            SELECT hoks_daily_contribution(sr.koulutustoimija_oid, n.created_at, sr.created_at,
                                           n.deleted_at, 1)
            FROM new_rows n JOIN study_rights sr ON sr.oid = n.study_right_oid));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM hoks_daily_apply(ARRAY(
            SELECT hoks_daily_contribution(sr.koulutustoimija_oid, o.created_at, sr.created_at,
                                           o.deleted_at, -1)
            FROM old_rows o JOIN study_rights sr ON sr.oid = o.study_right_oid));
    ELSE
        PERFORM hoks_daily_apply(ARRAY(
            SELECT c
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN study_rights nsr ON nsr.oid = n.study_right_oid
            JOIN study_rights osr ON osr.oid = o.study_right_oid
            CROSS JOIN LATERAL (VALUES
                (hoks_daily_contribution(osr.koulutustoimija_oid, o.created_at, osr.created_at,
                                         o.deleted_at, -1)),
                (hoks_daily_contribution(nsr.koulutustoimija_oid, n.created_at, nsr.created_at,
                                         n.deleted_at, 1))) AS v(c)
            WHERE (n.study_right_oid, n.created_at, n.deleted_at)
                  IS DISTINCT FROM (o.study_right_oid, o.created_at, o.deleted_at)));
    END IF;
    RETURN NULL;
END $$

CREATE FUNCTION transfer_summary_study_rights() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM study_right_daily_apply(
            ARRAY(SELECT koulutustoimija_oid FROM new_rows ORDER BY oid),
            ARRAY(SELECT (created_at AT TIME ZONE 'Europe/Helsinki')::date FROM new_rows ORDER BY oid),
            ARRAY(SELECT 1 FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM study_right_daily_apply(
            ARRAY(SELECT koulutustoimija_oid FROM old_rows ORDER BY oid),
            ARRAY(SELECT (created_at AT TIME ZONE 'Europe/Helsinki')::date FROM old_rows ORDER BY oid),
            ARRAY(SELECT -1 FROM old_rows));
    ELSE
        -- Changed providers or registration days: the study right counts and its plan's group.
        PERFORM study_right_daily_apply(
            coalesce(array_agg(v.p ORDER BY n.oid), '{}'), coalesce(array_agg(v.d ORDER BY n.oid), '{}'),
            coalesce(array_agg(v.s ORDER BY n.oid), '{}'))
        FROM new_rows n JOIN old_rows o ON o.oid = n.oid
        CROSS JOIN LATERAL (VALUES
            (o.koulutustoimija_oid, (o.created_at AT TIME ZONE 'Europe/Helsinki')::date, -1),
            (n.koulutustoimija_oid, (n.created_at AT TIME ZONE 'Europe/Helsinki')::date, 1)) AS v(p, d, s)
        WHERE (n.koulutustoimija_oid, (n.created_at AT TIME ZONE 'Europe/Helsinki')::date)
              IS DISTINCT FROM (o.koulutustoimija_oid, (o.created_at AT TIME ZONE 'Europe/Helsinki')::date);
        PERFORM hoks_daily_apply(ARRAY(
            SELECT c
            FROM new_rows n JOIN old_rows o ON o.oid = n.oid
            JOIN hoks h ON h.study_right_oid = n.oid
            CROSS JOIN LATERAL (VALUES
                (hoks_daily_contribution(o.koulutustoimija_oid, h.created_at, o.created_at,
                                         h.deleted_at, -1)),
                (hoks_daily_contribution(n.koulutustoimija_oid, h.created_at, n.created_at,
                                         h.deleted_at, 1))) AS v(c)
            WHERE (n.koulutustoimija_oid, n.created_at)
                  IS DISTINCT FROM (o.koulutustoimija_oid, o.created_at)));
    END IF;
    RETURN NULL;
END $$
"""

_TRIGGERS = (
    ("hoks", "INSERT", "NEW TABLE AS new_rows", "transfer_summary_hoks"),
    ("hoks", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows", "transfer_summary_hoks"),
    ("hoks", "DELETE", "OLD TABLE AS old_rows", "transfer_summary_hoks"),
    ("study_rights", "INSERT", "NEW TABLE AS new_rows", "transfer_summary_study_rights"),
    (
        "study_rights",
        "UPDATE",
        "NEW TABLE AS new_rows OLD TABLE AS old_rows",
        "transfer_summary_study_rights",
    ),
    ("study_rights", "DELETE", "OLD TABLE AS old_rows", "transfer_summary_study_rights"),
)

_DERIVE = (
    "INSERT INTO hoks_daily (koulutustoimija_oid, created_on, visible_on, deleted_on, hoks_count,"
    " first_created_at, last_created_at) SELECT koulutustoimija_oid, created_on, visible_on, deleted_on,"
    " hoks_count, first_created_at, last_created_at FROM hoks_daily_source",
    "INSERT INTO study_right_daily (koulutustoimija_oid, created_on, study_right_count)"
    " SELECT koulutustoimija_oid, created_on, study_right_count FROM study_right_daily_source",
)


def _trigger_name(table: str, event: str) -> str:
    return f"transfer_summary_on_{table}_{event.lower()}"


def upgrade() -> None:
    op.create_table(
        "hoks_daily",
        sa.Column("koulutustoimija_oid", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("visible_on", sa.Date(), nullable=False),
        sa.Column("deleted_on", sa.Date(), nullable=False),
        sa.Column("hoks_count", sa.Integer(), nullable=False),
        sa.Column("first_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "koulutustoimija_oid", "created_on", "visible_on", "deleted_on", name=op.f("pk_hoks_daily")
        ),
    )
    op.create_table(
        "study_right_daily",
        sa.Column("koulutustoimija_oid", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("study_right_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("koulutustoimija_oid", "created_on", name=op.f("pk_study_right_daily")),
    )
    # Plans in force by learner, for the one figure not in the summary (distinct learners).
    op.create_index(
        "ix_hoks_learner_oid_in_force",
        "hoks",
        ["learner_oid"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    # One statement per call (asyncpg prepares each); the statements are separated by blank lines.
    for statement in (*_VIEWS.strip().split("\n\n"), *_FUNCTIONS.strip().split("\n\n")):
        op.execute(statement)
    for table, event, referencing, function in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
            f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    for statement in _DERIVE:
        op.execute(statement)


def downgrade() -> None:
    for table, event, _, _ in reversed(_TRIGGERS):
        op.execute(f"DROP TRIGGER {_trigger_name(table, event)} ON {table}")
    op.execute("DROP FUNCTION transfer_summary_study_rights()")
    op.execute("DROP FUNCTION transfer_summary_hoks()")
    op.execute("DROP FUNCTION study_right_daily_apply(varchar[], date[], integer[])")
    op.execute("DROP FUNCTION hoks_daily_apply(hoks_daily_delta[])")
    op.execute(
        "DROP FUNCTION hoks_daily_contribution(varchar, timestamptz, timestamptz, timestamptz, integer)"
    )
    op.execute("DROP TYPE hoks_daily_delta")
    op.execute("DROP VIEW study_right_daily_source")
    op.execute("DROP VIEW hoks_daily_source")
    op.drop_index("ix_hoks_learner_oid_in_force", table_name="hoks")
    op.drop_table("study_right_daily")
    op.drop_table("hoks_daily")
