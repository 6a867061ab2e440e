"""Reading the audit trail: everything for OPH administrators, and each learner's own access log.

A learner sees which kind of user of which organisation read or changed their data (or tried to:
refused attempts show as REFUSED), when and in which operation, but not who the individual
official was: that is the official's personal data, disclosed on a formal request (GDPR art. 15),
as the Finnish public services' own-data logs (e.g. Oma Opintopolku, Omakanta) do. The
organisation is the user's own, never the one whose data it was; OPH users (ADMIN, ANALYST) are
shown as Opetushallitus. A learner's own reads are left out: the log answers "who else".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from asyncpg import Record
from sqlalchemy import ColumnElement, and_, false, func, not_, select

from hoks_gateway.audit.events import Outcome
from hoks_gateway.auth.principal import PrincipalKind as Kind
from hoks_gateway.db.tables import AuditEvent as AuditEventRow
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.pagination import Connection, Keyset, connection, page_size
from hoks_gateway.hoks.ids import hoks_id
from hoks_gateway.identifiers import OPH_ROOT_OID
from hoks_gateway.organisations.types import Organisation, load_organisation

if TYPE_CHECKING:
    # auth.types serves `me.dataAccessLog` from here: importing it back must wait.
    from hoks_gateway.auth.types import PrincipalKind

LazyPrincipalKind = Annotated["PrincipalKind", strawberry.lazy("hoks_gateway.auth.types")]

# Newest first; ids grow with time, and (target, id) / (principal, id) indexes serve the filters.
_NEWEST_FIRST = Keyset("audit.ID_DESC", (AuditEventRow.id,), (int,), descending=True)
_OPH_KINDS = frozenset({Kind.ADMIN.value, Kind.ANALYST.value})


def _kind(value: str) -> PrincipalKind | None:
    from hoks_gateway.auth.types import PrincipalKind

    return PrincipalKind(value) if value in PrincipalKind.__members__ else None


@strawberry.type(description="Lokitapahtuma: one audit event (ADMIN view, with the principal's identity).")
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Event id (grows with time).")
    at: dt.datetime = strawberry.field(description="When.")
    request_id: str | None = strawberry.field(description="The request's X-Request-Id.")
    principal_kind: LazyPrincipalKind | None = strawberry.field(
        description="Who: the kind (null: anonymous)."
    )
    principal_id: str = strawberry.field(description="Who: staff/learner OID or service client id.")
    principal_organisation_oid: str | None = strawberry.field(
        description="Who: the principal's own organisation (Opetushallitus for OPH users; null for "
        "learners, and for events recorded before it was)."
    )
    organisation_oid: str | None = strawberry.field(description="The organisation whose data it was.")
    operation: str = strawberry.field(
        description="The name the client gave its GraphQL operation (or read), or the command."
    )
    operation_id: str | None = strawberry.field(
        description="What was done as the server names it: the operation's kind and the root fields "
        "it touched (`query:hoks,learner`), or `cli:<command>`; null for events recorded before it was."
    )
    outcome: str = strawberry.field(description="SUCCESS, or FAILURE when the operation was refused.")
    learner_oid: str | None = strawberry.field(description="Whose data: the learner's OID.")
    hoks_id: strawberry.ID | None = strawberry.field(description="Which plan.")


@strawberry.enum(description="Whether the attempt was let through.")
class AccessOutcome(Enum):
    ALLOWED = strawberry.enum_value("ALLOWED", description="Allowed: the data was read or changed.")
    REFUSED = strawberry.enum_value(
        "REFUSED", description="Refused: nothing was read or changed (not permitted, invalid, conflicting)."
    )


@strawberry.type(description="Tietojen käyttö: someone read or changed the learner's data, or tried to.")
class AccessEvent:
    at: dt.datetime = strawberry.field(description="When.")
    principal_kind: LazyPrincipalKind | None = strawberry.field(
        description="Which kind of user: STAFF (virkailija), SERVICE (a provider's system), ADMIN or "
        "ANALYST (Opetushallitus)."
    )
    operation: str = strawberry.field(
        description="The name the user's program gave its operation (or read): its own choice, "
        "which may say anything; operationId says what was done."
    )
    operation_id: str | None = strawberry.field(
        description="What was done as the server names it: the operation's kind and the parts of the "
        "data it asked for (`query:hoks,learner`, `mutation:updateHoks`); null for events recorded "
        "before it was."
    )
    outcome: AccessOutcome = strawberry.field(description="Whether it was allowed or refused.")
    organisation_oid: strawberry.Private[str | None]

    @strawberry.field(
        description="Which organisation's user: the user's own organisation (Opetushallitus for OPH "
        "users), not the one whose data it was; null when not known (events recorded before it was)."
    )
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_oid is None:
            return None
        return await load_organisation(info, self.organisation_oid)


@strawberry.input(description="Which audit events; every given condition must hold.")
class AuditEventFilter:
    learner_oid: strawberry.ID | None = strawberry.field(default=None, description="Whose data.")
    hoks_id: strawberry.ID | None = strawberry.field(default=None, description="Which plan.")
    principal_id: str | None = strawberry.field(default=None, description="Who.")
    organisation_oid: strawberry.ID | None = strawberry.field(default=None, description="Whose organisation.")
    operation: str | None = strawberry.field(default=None, description="Operation name.")
    at_from: dt.datetime | None = strawberry.field(default=None, description="At or after this instant.")
    at_to: dt.datetime | None = strawberry.field(default=None, description="Before this instant.")


def _conditions(f: AuditEventFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    equal: Sequence[tuple[Any, Any]] = (
        (AuditEventRow.target_learner_oid, f.learner_oid),
        (AuditEventRow.principal_id, f.principal_id),
        (AuditEventRow.organisation_oid, f.organisation_oid),
        (AuditEventRow.operation, f.operation),
    )
    found += [column == str(value) for column, value in equal if value is not None]
    if f.hoks_id is not None:
        number = hoks_id(str(f.hoks_id))
        found.append(false() if number is None else AuditEventRow.target_hoks_id == number)
    if f.at_from is not None:
        found.append(AuditEventRow.at >= f.at_from)
    if f.at_to is not None:
        found.append(AuditEventRow.at < f.at_to)
    return found


NodeT = TypeVar("NodeT")


async def _newest_first(
    info: Info,
    conditions: list[ColumnElement[bool]],
    first: int | None,
    after: str | None,
    node: Callable[[Record], NodeT],
) -> Connection[NodeT]:
    limit = page_size(first)
    query = select(*AuditEventRow.__table__.c).where(*conditions)
    condition = _NEWEST_FIRST.after(after, info.context.cursors)
    if condition is not None:
        query = query.where(condition)
    rows = await info.context.db.reads.fetch_built(query.order_by(*_NEWEST_FIRST.order_by()).limit(limit + 1))

    async def count() -> int:
        [(total,)] = await info.context.db.reads.fetch_built(
            select(func.count()).select_from(AuditEventRow).where(*conditions)
        )
        return int(total)

    return connection(
        rows,
        limit,
        after=after,
        key=lambda r: (r["id"],),
        keyset=_NEWEST_FIRST,
        cursors=info.context.cursors,
        node=node,
        count=count,
    )


def _audit_event(r: Record) -> AuditEvent:
    return AuditEvent(
        id=strawberry.ID(str(r["id"])),
        at=r["at"],
        request_id=r["request_id"],
        principal_kind=_kind(r["principal_kind"]),
        principal_id=r["principal_id"],
        principal_organisation_oid=r["principal_organisation_oid"],
        organisation_oid=r["organisation_oid"],
        operation=r["operation"],
        operation_id=r["operation_id"],
        outcome=r["outcome"],
        learner_oid=r["target_learner_oid"],
        hoks_id=None if r["target_hoks_id"] is None else strawberry.ID(str(r["target_hoks_id"])),
    )


def _access_event(r: Record) -> AccessEvent:
    return AccessEvent(
        at=r["at"],
        principal_kind=_kind(r["principal_kind"]),
        operation=r["operation"],
        operation_id=r["operation_id"],
        outcome=AccessOutcome.ALLOWED if r["outcome"] == Outcome.SUCCESS else AccessOutcome.REFUSED,
        # Never the data's organisation in the reader's stead: events recorded before the reader's
        # own was say nothing of it (OPH users' is Opetushallitus whenever).
        organisation_oid=(
            OPH_ROOT_OID if r["principal_kind"] in _OPH_KINDS else r["principal_organisation_oid"]
        ),
    )


async def audit_events(
    info: Info, filter: AuditEventFilter | None = None, first: int | None = None, after: str | None = None
) -> Connection[AuditEvent]:
    return await _newest_first(info, _conditions(filter or AuditEventFilter()), first, after, _audit_event)


async def data_access_log(
    info: Info, learner_oid: str, first: int | None, after: str | None
) -> Connection[AccessEvent]:
    own = and_(AuditEventRow.principal_kind == Kind.LEARNER.value, AuditEventRow.principal_id == learner_oid)
    conditions = [AuditEventRow.target_learner_oid == learner_oid, not_(own)]
    return await _newest_first(info, conditions, first, after, _access_event)
