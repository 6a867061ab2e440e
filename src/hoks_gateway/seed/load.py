"""Bulk loading into PostgreSQL: COPY for the rows, set-based SQL for what can be derived.

Everything happens in the caller's transaction, so a seed either lands whole or leaves the
database as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from hoks_gateway.db.urls import redacted
from hoks_gateway.errors import ConfigurationError
from hoks_gateway.seed.plans import HoksRow, RevisionAuthor

SEEDED_TABLES = ("organisations", "learners", "study_rights", "hoks")


async def claim_empty_database(conn: asyncpg.Connection, url: str) -> None:
    """Fail unless the seeded tables are empty, and keep them so until the transaction ends.

    A second data set on top of a first would either collide on keys half-way or mix two
    unrelated worlds; refusing up front is clearer than either.
    """
    try:
        # A concurrent seed waits here, then finds the first one's rows and refuses.
        await conn.execute("LOCK TABLE organisations, learners, study_rights, hoks IN EXCLUSIVE MODE")
    except asyncpg.UndefinedTableError as exc:
        raise ConfigurationError(
            f"the database at {redacted(url)} has no HOKS tables: run `hoks-gateway migrate` first"
        ) from exc
    found = await conn.fetchrow(
        "SELECT EXISTS (SELECT FROM organisations), EXISTS (SELECT FROM learners),"
        " EXISTS (SELECT FROM study_rights), EXISTS (SELECT FROM hoks)"
    )
    filled = [table for table, has_rows in zip(SEEDED_TABLES, found, strict=True) if has_rows]
    if filled:
        raise ConfigurationError(
            f"the database at {redacted(url)} already has data ({', '.join(filled)}): seed only into an "
            "empty database (create a new one and run `hoks-gateway migrate`, then seed)"
        )


async def tune_for_bulk_load(conn: asyncpg.Connection) -> None:
    # lz4 compresses the large documents several times faster than the default pglz, and
    # readers decompress either transparently; it lasts only for this transaction.
    available = await conn.fetchval(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = $1", "default_toast_compression"
    )
    if available:
        await conn.execute("SET LOCAL default_toast_compression = 'lz4'")
    # The triggers that keep learner_list in step (0006) would recompute it once per COPY batch;
    # `derive_tables` computes it once at the end instead.
    await conn.execute("SET LOCAL hoks.bulk_load = 'on'")
    await conn.execute(
        "CREATE TEMPORARY TABLE seed_revision_authors "
        "(hoks_id bigint PRIMARY KEY, principal_kind text, principal_id text) ON COMMIT DROP"
    )


async def copy_rows(
    conn: asyncpg.Connection, table: str, rows: Sequence[tuple[Any, ...]], columns: Sequence[str]
) -> None:
    if rows:
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))


async def copy_plans(
    conn: asyncpg.Connection, rows: Sequence[HoksRow], authors: Sequence[RevisionAuthor]
) -> None:
    """The plans, then their first revisions copied from them inside the server: sending and
    parsing every document twice would double the slowest part of the load."""
    await copy_rows(conn, "hoks", rows, HoksRow._fields)
    await copy_rows(conn, "seed_revision_authors", authors, RevisionAuthor._fields)
    await conn.execute(
        "INSERT INTO hoks_revisions (hoks_id, number, at, principal_kind, principal_id, organisation_oid,"
        " operation, source, document, changed_paths)"
        " SELECT h.id, 1, h.created_at, a.principal_kind, a.principal_id, h.organisation_oid,"
        " 'CREATE', h.source, h.document, '{}'"
        " FROM seed_revision_authors a JOIN hoks h ON h.id = a.hoks_id"
    )
    await conn.execute("TRUNCATE seed_revision_authors")


async def continue_ids_after(conn: asyncpg.Connection, last_hoks_id: int) -> None:
    """Plans were loaded with explicit ids; the next plan the gateway stores follows them."""
    if last_hoks_id:
        await conn.execute("SELECT setval(pg_get_serial_sequence('hoks', 'id'), $1)", last_hoks_id)


async def analyze(conn: asyncpg.Connection) -> None:
    # Fresh tables have no statistics until autovacuum notices them; the first queries of a
    # demo should not be planned blind.
    await conn.execute(
        "ANALYZE organisations, learners, study_rights, hoks, hoks_revisions, learner_list,"
        " learner_list_count, hoks_daily, study_right_daily"
    )


@asynccontextmanager
async def indexes_built_after(conn: asyncpg.Connection, table: str) -> AsyncIterator[None]:
    """The table's indexes (its keys too) dropped while the block fills it, then built again the
    same, in the caller's transaction. Built once from sorted rows, an index costs a fraction of
    one kept in step row by row in random order: `learner_list` has five, the size of the table
    each, several GB at a million plans, far beyond the server's buffers."""
    keys = await conn.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
        " WHERE conrelid = $1::regclass AND contype IN ('p', 'u') ORDER BY conname",
        table,
    )
    indexes = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition"
        " FROM pg_index i WHERE i.indrelid = $1::regclass"
        " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1",
        table,
    )
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['name']}")
    for key in keys:
        await conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{key["conname"]}"')
    yield
    for key in keys:
        await conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{key["conname"]}" {key["definition"]}')
    for index in indexes:
        await conn.execute(index["definition"])


async def derive_tables(conn: asyncpg.Connection) -> None:
    """The tables the triggers keep in step with every write (0006, 0007, 0013), which a bulk load skips
    (`hoks.bulk_load`, see `tune_for_bulk_load`): derived here in one statement each."""
    # Sorts and index builds in memory (this transaction only): the list table is the largest.
    await conn.execute("SET LOCAL work_mem = '256MB'")
    await conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    async with indexes_built_after(conn, "learner_list"):
        await conn.execute(
            "INSERT INTO learner_list (listed_in, learner_oid, surname, first_names, started_on,"
            " first_approved_asc, first_approved_desc)"
            " SELECT listed_in, learner_oid, surname, first_names, started_on, first_approved_asc,"
            " first_approved_desc FROM learner_list_source"
        )
    # The list's size per organisation (0013), as one delta row each.
    await conn.execute(
        "INSERT INTO learner_list_count (listed_in, shard, learners)"
        " SELECT listed_in, 0, count(*) FROM learner_list GROUP BY listed_in"
    )
    # The transfer statistics' summaries (0007): plans and study rights per provider and day.
    await conn.execute(
        "INSERT INTO hoks_daily (koulutustoimija_oid, created_on, visible_on, deleted_on, hoks_count,"
        " first_created_at, last_created_at) SELECT koulutustoimija_oid, created_on, visible_on,"
        " deleted_on, hoks_count, first_created_at, last_created_at FROM hoks_daily_source"
    )
    await conn.execute(
        "INSERT INTO study_right_daily (koulutustoimija_oid, created_on, study_right_count)"
        " SELECT koulutustoimija_oid, created_on, study_right_count FROM study_right_daily_source"
    )
    await conn.execute("SET LOCAL hoks.bulk_load = 'off'")
