"""Study-right registry fields the eHOKS rules read; module-ids on the parts of stored plans

* `study_rights.telma`: the study right has a TELMA suoritus (Koski suoritustyyppi telma or
  telmakoulutuksenosa). eHOKS exempts its work periods from osa-aikaisuustieto
  (docs/reference/ehoks-backend.md §1.5 rule 1); false for every study right registered before.
* `study_rights.kind` takes every Koski opiskeluoikeuden tyyppi (hoks/document/study_right.py),
  so that a plan for, say, a lukiokoulutus study right is refused for its kind, as eHOKS does,
  rather than for a study right unknown.
* Every part of a stored plan that eHOKS identifies by a `module-id` (the tutkinnon osat and
  their osa-alueet, osaamisen hankkimistavat, osaamisen osoittamiset) gets one, as the gateway
  now gives them on every create and replace (§1.8). The plan's current revision gets the same
  ones, so that it still equals the plan; earlier revisions stay as they were written.

Revision ID: 0008
Revises: 0012 (landed before it, on 0007)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The names as of this migration (hoks/document/study_right.py may grow; a later migration
# then widens the constraint again).
_KINDS = (
    "VOCATIONAL",
    "TUVA",
    "GENERAL_UPPER_SECONDARY",
    "LUVA",
    "IB",
    "DIA",
    "EB",
    "MATRICULATION_EXAMINATION",
    "PRE_PRIMARY",
    "BASIC_EDUCATION",
    "PREPARATORY_FOR_BASIC_EDUCATION",
    "ADDITIONAL_BASIC_EDUCATION",
    "ADULT_BASIC_EDUCATION",
    "ALAND_BASIC_EDUCATION",
    "BASIC_EDUCATION_IN_THE_ARTS",
    "EUROPEAN_SCHOOL_OF_HELSINKI",
    "INTERNATIONAL_SCHOOL",
    "LIBERAL_ADULT_EDUCATION",
    "NON_REGULATED_EDUCATION",
    "HIGHER_EDUCATION",
    "LANGUAGE_EXAMINATION",
)

# Which arrays of which kind of object hold parts with a module-id, and what those parts are:
# a plan's tutkinnon osat; a common unit's osa-alueet; a unit to acquire's (or its osa-alue's)
# osaamisen hankkimistavat and osaamisen osoittamiset; a previously acquired unit's (or its
# osa-alue's) tarkentavat tiedot näyttö. The osa-alueet of a demonstration are codes, not parts.
_MODULE_IDS = """
CREATE FUNCTION pg_temp.with_module_ids(part jsonb, kind text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN kind IN ('plan') THEN part
                ELSE jsonb_build_object('module-id', gen_random_uuid()) || part END
        || coalesce((
            SELECT jsonb_object_agg(a.key, (
                SELECT coalesce(jsonb_agg(pg_temp.with_module_ids(e.item, a.holds) ORDER BY e.n), '[]')
                FROM jsonb_array_elements(part -> a.key) WITH ORDINALITY AS e(item, n)))
            FROM (VALUES
                ('plan', 'hankittavat-ammat-tutkinnon-osat', 'acquiring'),
                ('plan', 'hankittavat-paikalliset-tutkinnon-osat', 'acquiring'),
                ('plan', 'hankittavat-yhteiset-tutkinnon-osat', 'common'),
                ('plan', 'aiemmin-hankitut-ammat-tutkinnon-osat', 'previous'),
                ('plan', 'aiemmin-hankitut-paikalliset-tutkinnon-osat', 'previous'),
                ('plan', 'aiemmin-hankitut-yhteiset-tutkinnon-osat', 'previous-common'),
                ('common', 'osa-alueet', 'acquiring'),
                ('previous-common', 'osa-alueet', 'previous'),
                ('previous-common', 'tarkentavat-tiedot-naytto', 'leaf'),
                ('acquiring', 'osaamisen-hankkimistavat', 'leaf'),
                ('acquiring', 'osaamisen-osoittaminen', 'leaf'),
                ('previous', 'tarkentavat-tiedot-naytto', 'leaf')
            ) AS a(parent, key, holds)
            WHERE a.parent = kind AND jsonb_typeof(part -> a.key) = 'array'), '{}');
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "study_rights", sa.Column("telma", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.drop_constraint(op.f("ck_study_rights_kind"), "study_rights", type_="check")
    op.alter_column("study_rights", "kind", type_=sa.String(length=40), existing_nullable=False)
    op.create_check_constraint(
        op.f("ck_study_rights_kind"), "study_rights", f"kind IN ({', '.join(repr(k) for k in _KINDS)})"
    )
    op.execute(_MODULE_IDS)
    # Only documents change: the summaries the triggers keep (0006, 0007) do not read them.
    op.execute("SET LOCAL hoks.bulk_load = 'on'")
    op.execute("UPDATE hoks SET document = pg_temp.with_module_ids(document, 'plan')")
    op.execute(
        "UPDATE hoks_revisions r SET document = h.document FROM hoks h "
        "WHERE r.hoks_id = h.id AND r.number = h.revision"
    )
    op.execute("SET LOCAL hoks.bulk_load = 'off'")
    op.execute("DROP FUNCTION pg_temp.with_module_ids(jsonb, text)")


def downgrade() -> None:
    # The module-ids stay: a plan with them is as valid as one without.
    op.execute("DELETE FROM study_rights WHERE kind NOT IN ('VOCATIONAL', 'TUVA')")
    op.drop_constraint(op.f("ck_study_rights_kind"), "study_rights", type_="check")
    op.alter_column("study_rights", "kind", type_=sa.String(length=16), existing_nullable=False)
    op.create_check_constraint(op.f("ck_study_rights_kind"), "study_rights", "kind IN ('VOCATIONAL', 'TUVA')")
    op.drop_column("study_rights", "telma")
