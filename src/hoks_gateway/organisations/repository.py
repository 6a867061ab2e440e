"""Reading organisations. Organisation data is public: no scope applies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import Organisation
from hoks_gateway.graphql.loaders import group_by


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    oid: str
    parent_oid: str | None
    type: str
    name_fi: str | None
    name_sv: str | None
    name_en: str | None


_COLUMNS = (
    Organisation.oid,
    Organisation.parent_oid,
    Organisation.type,
    Organisation.name_fi,
    Organisation.name_sv,
    Organisation.name_en,
)


_OIDS = bindparam("oids", type_=ARRAY(String(64)))


async def by_oid(reads: Reads, oids: Sequence[str]) -> dict[str, OrganisationRecord]:
    rows = await reads.fetch(
        "organisations.by_oid",
        lambda: select(*_COLUMNS).where(Organisation.oid == any_(_OIDS)),
        oids=list(oids),
    )
    return {row["oid"]: OrganisationRecord(*row) for row in rows}


async def children_of(reads: Reads, parent_oids: Sequence[str]) -> dict[str, list[OrganisationRecord]]:
    rows = await reads.fetch(
        "organisations.children_of",
        lambda: select(*_COLUMNS).where(Organisation.parent_oid == any_(_OIDS)).order_by(Organisation.oid),
        oids=list(parent_oids),
    )
    records = [OrganisationRecord(*row) for row in rows]
    return group_by(records, lambda r: r.parent_oid or "")
