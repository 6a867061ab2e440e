"""Read graph: indexes for the keyset-paged lists and the access log (issue 6)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("learners", ("surname", "first_names", "oid")),
    ("hoks", ("updated_at", "id")),
    ("hoks", ("first_approved_on", "id")),
    ("audit_events", ("target_learner_oid", "id")),
    ("audit_events", ("principal_id", "id")),
)


def _name(table: str, columns: Sequence[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    for table, columns in _INDEXES:
        op.create_index(_name(table, columns), table, list(columns))


def downgrade() -> None:
    for table, columns in reversed(_INDEXES):
        op.drop_index(_name(table, columns), table_name=table)
