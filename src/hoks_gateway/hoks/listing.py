"""`hokses(filter, orderBy, first, after)`: plans for providers' systems and analysts, filtered by
organisation, dates, status, kind and source, in keyset pages within the caller's scope."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Select, func, select

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.tables import Hoks as HoksTable
from hoks_gateway.db.tables import StudyRight
from hoks_gateway.errors import Forbidden
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.pagination import Connection, Keyset, connection, page_size
from hoks_gateway.hoks.enums import HoksSource
from hoks_gateway.hoks.repository import HOKS_COLUMNS, HoksRecord
from hoks_gateway.hoks.types import Hoks
from hoks_gateway.learners.types import StudyRightKind
from hoks_gateway.organisations.access import at_or_below, require_readable


@strawberry.enum(description="Which plans to list by deletion state.")
class HoksStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Plans in use (not deleted).")
    DELETED = strawberry.enum_value("DELETED", description="Soft-deleted plans (ADMIN only).")
    ALL = strawberry.enum_value("ALL", description="Both (ADMIN only).")


@strawberry.enum(
    description="Järjestys of a plan list (ties broken by HOKS id). Without one: ID_ASC, for analysts "
    "FIRST_APPROVED_ASC (they may not order by id)."
)
class HoksOrder(Enum):
    ID_ASC = "ID_ASC"
    ID_DESC = "ID_DESC"
    UPDATED_ASC = strawberry.enum_value(
        "UPDATED_ASC", description="Oldest change first: for incremental sync, page on from the last cursor."
    )
    UPDATED_DESC = "UPDATED_DESC"
    FIRST_APPROVED_ASC = "FIRST_APPROVED_ASC"
    FIRST_APPROVED_DESC = "FIRST_APPROVED_DESC"


@strawberry.input(description="Which plans to list; every given condition must hold.")
class HoksFilter:
    organisation_oid: strawberry.ID | None = strawberry.field(
        default=None, description="Organisaatio: plans of this oppilaitos or of any below this organisation."
    )
    first_approved_from: dt.date | None = strawberry.field(
        default=None, description="Ensikertainen hyväksyminen on or after this day."
    )
    first_approved_to: dt.date | None = strawberry.field(
        default=None, description="Ensikertainen hyväksyminen on or before this day."
    )
    updated_from: dt.datetime | None = strawberry.field(
        default=None, description="Stored change (updatedAt) at or after this instant."
    )
    updated_to: dt.datetime | None = strawberry.field(
        default=None, description="Stored change (updatedAt) at or before this instant."
    )
    status: HoksStatus = strawberry.field(default=HoksStatus.ACTIVE, description="Deletion state.")
    kind: StudyRightKind | None = strawberry.field(
        default=None,
        description="Opiskeluoikeuden tyyppi of the plan's study right (VOCATIONAL or TUVA: a plan has "
        "no other).",
    )
    source: HoksSource | None = strawberry.field(default=None, description="Siirto or manuaalisyöttö.")


def _keyset(order: HoksOrder) -> Keyset:
    descending = order.value.endswith("_DESC")
    name = f"hokses.{order.value}"
    if order.value.startswith("UPDATED"):
        return Keyset(
            name, (HoksTable.updated_at, HoksTable.id), (dt.datetime.fromisoformat, int), descending
        )
    if order.value.startswith("FIRST_APPROVED"):
        return Keyset(
            name, (HoksTable.first_approved_on, HoksTable.id), (dt.date.fromisoformat, int), descending
        )
    return Keyset(name, (HoksTable.id,), (int,), descending)


def _sort_values(record: HoksRecord, order: HoksOrder) -> tuple[Any, ...]:
    if order.value.startswith("UPDATED"):
        return (record.updated_at, record.id)
    if order.value.startswith("FIRST_APPROVED"):
        return (record.first_approved_on, record.id)
    return (record.id,)


def _conditions(scope: Scope, f: HoksFilter) -> list[ColumnElement[bool]]:
    found = [scope.hoks_visible()]
    if f.status is HoksStatus.ACTIVE:
        found.append(HoksTable.deleted_at.is_(None))
    elif f.status is HoksStatus.DELETED:
        found.append(HoksTable.deleted_at.is_not(None))
    if f.organisation_oid is not None:
        found.append(at_or_below(HoksTable.organisation_oid, str(f.organisation_oid)))
    if f.first_approved_from is not None:
        found.append(HoksTable.first_approved_on >= f.first_approved_from)
    if f.first_approved_to is not None:
        found.append(HoksTable.first_approved_on <= f.first_approved_to)
    if f.updated_from is not None:
        found.append(HoksTable.updated_at >= f.updated_from)
    if f.updated_to is not None:
        found.append(HoksTable.updated_at <= f.updated_to)
    if f.source is not None:
        found.append(HoksTable.source == f.source.value)
    if f.kind is not None:
        found.append(
            HoksTable.study_right_oid.in_(select(StudyRight.oid).where(StudyRight.kind == f.kind.value))
        )
    return found


async def hokses(
    info: Info,
    filter: HoksFilter | None = None,
    order_by: HoksOrder | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Hoks]:
    context = info.context
    scope = context.authz
    f = filter or HoksFilter()
    if f.status is not HoksStatus.ACTIVE and not (scope.everything and not scope.pseudonymised):
        raise Forbidden("Only OPH administrators list deleted plans.")
    order_by = order_by or (HoksOrder.FIRST_APPROVED_ASC if scope.pseudonymised else HoksOrder.ID_ASC)
    if scope.pseudonymised and order_by in (HoksOrder.ID_ASC, HoksOrder.ID_DESC):
        # Plan ids grow one by one: a plan's place in that order would tell its id.
        raise Forbidden(
            "Analysts see plans by pseudonym, so the list cannot be ordered by plan id: order by "
            "FIRST_APPROVED_* or UPDATED_*."
        )
    if f.organisation_oid is not None:
        await require_readable(info, str(f.organisation_oid))
    limit = page_size(first)
    keyset = _keyset(order_by)
    conditions = _conditions(scope, f)
    query: Select[Any] = select(*HOKS_COLUMNS).where(*conditions)
    condition = keyset.after(after, context.cursors)
    if condition is not None:
        query = query.where(condition)
    rows = await context.db.reads.fetch_built(query.order_by(*keyset.order_by()).limit(limit + 1))
    records = [HoksRecord(*row) for row in rows]

    async def count() -> int:
        [(total,)] = await context.db.reads.fetch_built(
            select(func.count()).select_from(HoksTable).where(*conditions)
        )
        return int(total)

    for record in records[:limit]:
        context.audit.hoks(record.id, record.learner_oid, record.organisation_oid)
        if record.deleted_at is None:
            context.loaders.hoks.prime(record.id, record)
    return connection(
        records,
        limit,
        after=after,
        key=lambda r: _sort_values(r, order_by),
        keyset=keyset,
        cursors=context.cursors,
        node=lambda record: Hoks.from_record(record, scope),
        count=count,
    )
