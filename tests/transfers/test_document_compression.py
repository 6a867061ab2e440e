"""Plans and revisions store their documents compressed with lz4 where the server has it
(migration 0014), and a plan stored so reads back as it was written."""

from __future__ import annotations

import asyncpg
import orjson

from tests.corpus import load


async def test_documents_are_compressed_with_lz4_where_the_server_has_it(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        available = await conn.fetchval(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        methods = await conn.fetch(
            "SELECT attrelid::regclass::text AS tab, attcompression::text FROM pg_attribute "
            "WHERE attname = 'document' AND attrelid IN ('hoks'::regclass, 'hoks_revisions'::regclass)"
        )
        expected = "l" if available else ""
        assert {row["tab"]: row["attcompression"] for row in methods} == {
            "hoks": expected,
            "hoks_revisions": expected,
        }
        # A document stored in a column so set is compressed so, and reads back unchanged.
        document = load("anonymised-example-1.json")
        await conn.execute("CREATE TEMPORARY TABLE probe (LIKE hoks_revisions INCLUDING COMPRESSION)")
        await conn.execute(
            "INSERT INTO probe (hoks_id, number, at, principal_kind, principal_id, operation, source, "
            "document, changed_paths) VALUES (1, 1, now(), 'SERVICE', 'probe', 'CREATE', 'TRANSFER', "
            "$1::jsonb, '{}')",
            orjson.dumps(document).decode(),
        )
        method, text = await conn.fetchrow(
            "SELECT pg_column_compression(document), document::text FROM probe"
        )
        assert method == ("lz4" if available else "pglz")
        assert orjson.loads(text) == document
    finally:
        await conn.close()
