"""A plan write keeps the list's first approvals and the transfer summary with statements
planned once per connection (docs/performance.md, "What a plan write costs PostgreSQL")

A single-plan write cost PostgreSQL ~1.3 ms of backend CPU in the two statement-level triggers of
`hoks` (0006, 0007), more than the write itself. By pg_stat_user_functions and auto_explain, most
of it in `learner_list_refresh`: its statements take the learners as an array parameter, so
PL/pgSQL plans them afresh on every call (the join and grouping of `learner_list_source`, an
upsert, a delete), and that upsert and delete fire the three statement-level count triggers of
`learner_list` (0013) whether or not a row changed; then `hoks_daily_apply`, the same way with
three statements, one of them over `hoks_daily_source`.

* One function, `hoks_kept_tables`, on `hoks`, whose statements read the transition tables
  themselves: no parameters, so each is planned once per connection.
* A plan never changes who is listed where (membership follows study rights and organisations),
  so a plan write only updates the first-approval keys of its learners' rows, and only those
  that differ: a new plan lowers them where it is earlier, a removed or changed one has them
  taken again from `learner_list_source` for its learners. Writers of one learner still take
  turns on the learner's row, as in `learner_list_refresh`.
* New plans are added to the transfer summary by one upsert from the transition table, in the
  same function. A plan's removal or change still goes through `transfer_summary_hoks` (0007),
  whose update and delete triggers stay.
* The count of `learner_list` (0013) changes only with an insert or a delete of a row, or an
  update that moves one to another `listed_in` (plain SQL): the update trigger is now per row
  and fires only for such a move, so updating sort keys (here, and a learner's rename) costs it
  nothing.

Study right, learner and organisation writes keep their triggers of 0006 and 0007. A bulk load
(`hoks.bulk_load = on`) still skips all of these.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The learners whose first approval a statement of each kind may have moved: those of plans in
# force that came or went, or whose study right, day of first approval or deletion changed.
_LEARNERS = {
    "INSERT": "SELECT sr.learner_oid FROM new_rows n JOIN study_rights sr ON sr.oid = n.study_right_oid"
    " WHERE n.deleted_at IS NULL",
    "DELETE": "SELECT sr.learner_oid FROM old_rows o JOIN study_rights sr ON sr.oid = o.study_right_oid"
    " WHERE o.deleted_at IS NULL",
    "UPDATE": "SELECT sr.learner_oid FROM new_rows n JOIN old_rows o ON o.id = n.id"
    " JOIN study_rights sr ON sr.oid IN (n.study_right_oid, o.study_right_oid)"
    " WHERE (n.study_right_oid, n.first_approved_on, n.deleted_at IS NULL)"
    " IS DISTINCT FROM (o.study_right_oid, o.first_approved_on, o.deleted_at IS NULL)",
}

# Writers of one learner take turns on the learner's row (as in learner_list_refresh, 0006), so
# each computes from committed plans; in key order, so two statements cannot deadlock on them.
_LOCK = "PERFORM 1 FROM learners WHERE oid IN ({learners}) ORDER BY oid FOR NO KEY UPDATE;"

# A removed or changed plan may have been a learner's earliest: the keys are taken again from
# `learner_list_source`, per learner. `OFFSET 0` keeps the lateral subquery apart, so the
# learner's key reaches into the view's grouping (index scans of that learner's rows); flattened,
# the view would be grouped whole.
_RECOMPUTED = """
        UPDATE learner_list ll
        SET first_approved_asc = f.first_approved_asc, first_approved_desc = f.first_approved_desc
        FROM (SELECT DISTINCT learner_oid FROM ({learners}) AS l) a
        CROSS JOIN LATERAL (
            SELECT s.listed_in, s.first_approved_asc, s.first_approved_desc
            FROM learner_list_source s
            WHERE s.learner_oid = a.learner_oid
            OFFSET 0
        ) f
        WHERE ll.learner_oid = a.learner_oid AND ll.listed_in = f.listed_in
          AND (ll.first_approved_asc, ll.first_approved_desc)
              IS DISTINCT FROM (f.first_approved_asc, f.first_approved_desc);"""

# A new plan in force can only make its learner's first approval earlier, under the organisations
# its study right is listed under (the lineage of learner_list_source): the earliest new day per
# row, where it is earlier than the row's. Cheaper than taking them again (no view to group), and
# new plans are most plan writes.
_LOWERED = """
        UPDATE learner_list ll
        SET first_approved_asc = added.first_approved, first_approved_desc = added.first_approved
        FROM (SELECT sr.learner_oid, lineage.oid AS listed_in, min(n.first_approved_on) AS first_approved
              FROM new_rows n
              JOIN study_rights sr ON sr.oid = n.study_right_oid
              JOIN organisations o ON o.oid = sr.oppilaitos_oid
              CROSS JOIN LATERAL unnest(o.ancestor_oids || ARRAY[o.oid, '*']::varchar(64)[]) AS lineage(oid)
              WHERE n.deleted_at IS NULL
              GROUP BY 1, 2) added
        WHERE ll.learner_oid = added.learner_oid AND ll.listed_in = added.listed_in
          AND ll.first_approved_asc > added.first_approved;"""


def _first_approved(event: str, update: str) -> str:
    """The statements that keep the first approvals of the learners `event` may have moved."""
    learners = _LEARNERS[event]
    return (_LOCK.format(learners=learners) + update.format(learners=learners)).strip()


_KEPT_TABLES = f"""
CREATE FUNCTION hoks_kept_tables() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF learner_list_bulk_load() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        {_first_approved("INSERT", _LOWERED)}
        -- Keys in order, so two writers touching the same groups lock them in the same order.
        INSERT INTO hoks_daily AS hd (koulutustoimija_oid, created_on, visible_on, deleted_on,
                                      hoks_count, first_created_at, last_created_at)
        SELECT (d).koulutustoimija_oid, (d).created_on, (d).visible_on, (d).deleted_on, count(*),
               min((d).created_at), max((d).created_at)
        FROM (SELECT hoks_daily_contribution(sr.koulutustoimija_oid, n.created_at, sr.created_at,
                                             n.deleted_at, 1) AS d
              FROM new_rows n JOIN study_rights sr ON sr.oid = n.study_right_oid) c
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (koulutustoimija_oid, created_on, visible_on, deleted_on) DO UPDATE SET
            hoks_count = hd.hoks_count + excluded.hoks_count,
            first_created_at = least(hd.first_created_at, excluded.first_created_at),
            last_created_at = greatest(hd.last_created_at, excluded.last_created_at);
    ELSIF TG_OP = 'DELETE' THEN
        {_first_approved("DELETE", _RECOMPUTED)}
    ELSE
        {_first_approved("UPDATE", _RECOMPUTED)}
    END IF;
    RETURN NULL;
END $$
"""  # noqa: S608 - only this module's constants are joined

_COUNT_MOVED = """
CREATE FUNCTION learner_list_count_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT learner_list_bulk_load() THEN
        PERFORM learner_list_count_add(ARRAY[OLD.listed_in, NEW.listed_in], ARRAY[-1, 1]);
    END IF;
    RETURN NULL;
END $$
"""

_EVENTS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
# The triggers of 0006 and 0007 this replaces: (name prefix, function, events). Their functions
# stay for the downgrade; 0007's update and delete triggers stay as they were.
_REPLACED = (
    ("learner_list", "learner_list_hoks", ("INSERT", "UPDATE", "DELETE")),
    ("transfer_summary", "transfer_summary_hoks", ("INSERT",)),
)


def _statement_trigger(name: str, event: str, referencing: str, function: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON hoks REFERENCING {referencing}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def upgrade() -> None:
    for prefix, _, events in _REPLACED:
        for event in events:
            op.execute(f"DROP TRIGGER {prefix}_on_hoks_{event.lower()} ON hoks")
    op.execute(_KEPT_TABLES)
    for event, referencing in _EVENTS.items():
        op.execute(
            _statement_trigger(f"kept_tables_on_hoks_{event.lower()}", event, referencing, "hoks_kept_tables")
        )
    op.execute("DROP TRIGGER learner_list_count_on_update ON learner_list")
    op.execute(_COUNT_MOVED)
    op.execute(
        "CREATE TRIGGER learner_list_count_on_update AFTER UPDATE ON learner_list FOR EACH ROW"
        " WHEN (OLD.listed_in IS DISTINCT FROM NEW.listed_in) EXECUTE FUNCTION learner_list_count_moved()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER learner_list_count_on_update ON learner_list")
    op.execute("DROP FUNCTION learner_list_count_moved()")
    op.execute(
        "CREATE TRIGGER learner_list_count_on_update AFTER UPDATE ON learner_list REFERENCING NEW TABLE"
        " AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION learner_list_count_rows()"
    )
    for event in reversed(_EVENTS):
        op.execute(f"DROP TRIGGER kept_tables_on_hoks_{event.lower()} ON hoks")
    op.execute("DROP FUNCTION hoks_kept_tables()")
    for prefix, function, events in _REPLACED:
        for event in events:
            op.execute(
                _statement_trigger(f"{prefix}_on_hoks_{event.lower()}", event, _EVENTS[event], function)
            )
