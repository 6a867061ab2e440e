"""A plan's progress kept with its row, so that lists show it without reading the plans

`progress_planned` counts the competences to acquire that have no dates agreed; for every other
one `progress_completes_on` holds the day it counts as completed (NULL: not until its dates
change). `progress { planned scheduled completed }` on any day is then a count over the array
(hoks/document/status.py, PlanProgress). Existing rows are filled from their documents.

Revision ID: 0012
Revises: 0007
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hoks_gateway.hoks.document.status import PlanProgress

revision: str = "0012"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def upgrade() -> None:
    op.add_column("hoks", sa.Column("progress_planned", sa.Integer(), nullable=True))
    op.add_column("hoks", sa.Column("progress_completes_on", postgresql.ARRAY(sa.Date()), nullable=True))
    connection = op.get_bind()
    # The derived tables (learner_list, hoks_daily) do not read these columns: their triggers skip.
    connection.execute(sa.text("SET LOCAL hoks.bulk_load = 'on'"))
    last = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, document::text FROM hoks WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last, "batch": _BATCH},
        ).all()
        if not rows:
            break
        values = []
        for plan_id, document in rows:
            progress = PlanProgress.of_stored(json.loads(document))
            values.append({"id": plan_id, "planned": progress.planned, "days": list(progress.completes_on)})
        connection.execute(
            sa.text(
                "UPDATE hoks SET progress_planned = :planned, progress_completes_on = :days WHERE id = :id"
            ).bindparams(sa.bindparam("days", type_=postgresql.ARRAY(sa.Date()))),
            values,
        )
        last = rows[-1][0]
    connection.execute(sa.text("SET LOCAL hoks.bulk_load = 'off'"))
    op.alter_column("hoks", "progress_planned", nullable=False)
    op.alter_column("hoks", "progress_completes_on", nullable=False)


def downgrade() -> None:
    op.drop_column("hoks", "progress_completes_on")
    op.drop_column("hoks", "progress_planned")
