"""Audit events say who truthfully: the principal's own organisation and the server's operation id

The learner's access log named the organisation whose data was read (the plan's school) as the
reader's, and the operation was the name the client chose (`query restoreHoks` recorded a read as
restoreHoks). `principal_organisation_oid` is the caller's own organisation and `operation_id`
the server's identifier of the operation (`query:hoks,learner`), beside the client's name.
Earlier events keep NULL in both: what they would say is not known.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns without a default: PostgreSQL adds them without rewriting the table.
    organisation = sa.Column("principal_organisation_oid", sa.String(length=64), nullable=True)
    op.add_column("audit_events", organisation)
    op.add_column("audit_events", sa.Column("operation_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_events", "operation_id")
    op.drop_column("audit_events", "principal_organisation_oid")
