"""Reading organisations. Organisation data is public: no scope applies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def by_oid(session: AsyncSession, oids: Sequence[str]) -> dict[str, OrganisationRecord]:
    rows = await session.execute(select(*_COLUMNS).where(Organisation.oid.in_(oids)))
    return {row.oid: OrganisationRecord(*row) for row in rows}


async def children_of(
    session: AsyncSession, parent_oids: Sequence[str]
) -> dict[str, list[OrganisationRecord]]:
    rows = await session.execute(
        select(*_COLUMNS).where(Organisation.parent_oid.in_(parent_oids)).order_by(Organisation.oid)
    )
    records = [OrganisationRecord(*row) for row in rows]
    return group_by(records, lambda r: r.parent_oid or "")
