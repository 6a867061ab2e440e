"""Reading HOKS plans within the caller's scope (top-level columns; the document is read by the
parts that need it)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.tables import Hoks
from hoks_gateway.hoks.document import HoksDocument, load_stored


@dataclass(frozen=True, slots=True)
class HoksRecord:
    id: int
    eid: uuid.UUID
    study_right_oid: str
    learner_oid: str
    organisation_oid: str
    first_approved_on: dt.date
    approved_at: dt.datetime | None
    updated_at: dt.datetime
    revision: int
    source: str
    deleted_at: dt.datetime | None


_COLUMNS = (
    Hoks.id,
    Hoks.eid,
    Hoks.study_right_oid,
    Hoks.learner_oid,
    Hoks.organisation_oid,
    Hoks.first_approved_on,
    Hoks.approved_at,
    Hoks.updated_at,
    Hoks.revision,
    Hoks.source,
    Hoks.deleted_at,
)


async def by_id(session: AsyncSession, ids: Sequence[int], scope: Scope) -> dict[int, HoksRecord]:
    rows = await session.execute(
        select(*_COLUMNS).where(Hoks.id.in_(ids), Hoks.deleted_at.is_(None), scope.hoks_visible())
    )
    return {row.id: HoksRecord(*row) for row in rows}


async def by_study_right(
    session: AsyncSession, study_right_oids: Sequence[str], scope: Scope
) -> dict[str, HoksRecord]:
    rows = await session.execute(
        select(*_COLUMNS).where(
            Hoks.study_right_oid.in_(study_right_oids), Hoks.deleted_at.is_(None), scope.hoks_visible()
        )
    )
    return {row.study_right_oid: HoksRecord(*row) for row in rows}


async def documents_by_id(session: AsyncSession, ids: Sequence[int], scope: Scope) -> dict[int, HoksDocument]:
    """The stored plans, parsed once per batch on the trusted path (no rules)."""
    rows = await session.execute(
        select(Hoks.id, Hoks.document).where(
            Hoks.id.in_(ids), Hoks.deleted_at.is_(None), scope.hoks_visible()
        )
    )
    return {row.id: load_stored(row.document) for row in rows}
