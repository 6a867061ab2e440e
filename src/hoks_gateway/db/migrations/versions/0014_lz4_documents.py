"""Plan documents and revisions compressed with lz4, where the server has it

Every write stores the whole document twice (the plan and its revision), each some 10 KiB of
JSONB that PostgreSQL compresses into TOAST. lz4 compresses such a document in about half the
CPU of the default pglz (bench/transfers.py --postgres-cost; bench/README.md, "Transfers"), and
decompresses faster for every read; the rows are ~10 % larger. Only new values are compressed
so; PostgreSQL reads either kind. A server built without lz4 keeps pglz (the seed's bulk load
decides the same way, seed/load.py).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOCUMENTS = ("hoks", "hoks_revisions")
_LZ4_AVAILABLE = sa.text(
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def upgrade() -> None:
    if op.get_bind().execute(_LZ4_AVAILABLE).scalar():
        for table in _DOCUMENTS:
            # A catalog change: no existing row is rewritten.
            op.execute(f"ALTER TABLE {table} ALTER COLUMN document SET COMPRESSION lz4")


def downgrade() -> None:
    for table in _DOCUMENTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN document SET COMPRESSION default")
