"""Transfers and revisions (issue 5): no schema change

The tables of 0001 already carry everything: hoks (one row per study right, UNIQUE, which is
also the duplicate check) and hoks_revisions (the approval history reads the two approval fields
out of each revision's document, so it needs no columns of its own).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
