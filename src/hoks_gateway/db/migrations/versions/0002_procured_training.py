"""study_rights.delivering_organisation_oid: hankintakoulutus (procured training)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "study_rights", sa.Column("delivering_organisation_oid", sa.String(length=64), nullable=True)
    )
    op.create_index(
        op.f("ix_study_rights_delivering_organisation_oid"),
        "study_rights",
        ["delivering_organisation_oid"],
        unique=False,
    )
    op.create_foreign_key(
        op.f("fk_study_rights_delivering_organisation_oid_organisations"),
        "study_rights",
        "organisations",
        ["delivering_organisation_oid"],
        ["oid"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_study_rights_delivering_organisation_oid_organisations"), "study_rights", type_="foreignkey"
    )
    op.drop_index(op.f("ix_study_rights_delivering_organisation_oid"), table_name="study_rights")
    op.drop_column("study_rights", "delivering_organisation_oid")
