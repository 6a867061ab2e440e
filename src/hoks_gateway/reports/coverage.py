"""`transferCoverage(organisationOid)`: of the organisation's study rights that must have their
HOKS in the service (reports/obligation.py), how many have one, and which do not."""

from __future__ import annotations

import strawberry
from sqlalchemy import ColumnElement, and_, exists, func, not_, select

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import Hoks, StudyRight
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.pagination import Connection, Keyset, connection, page_size
from hoks_gateway.learners.repository import STUDY_RIGHT_COLUMNS, StudyRightRecord
from hoks_gateway.learners.types import StudyRight as StudyRightType
from hoks_gateway.organisations.access import at_or_below, require_readable
from hoks_gateway.organisations.types import Organisation, load_organisation
from hoks_gateway.reports.obligation import transfer_required

_BY_OID = Keyset("coverage.missing.STUDY_RIGHT_OID", (StudyRight.oid,), (str,))


def _has_plan() -> ColumnElement[bool]:
    return exists().where(Hoks.study_right_oid == StudyRight.oid, Hoks.deleted_at.is_(None))


@strawberry.type(
    description="Siirtokattavuus: the organisation's study rights whose HOKS must be in the service "
    "(transferRequired) and whether it is."
)
class CoverageReport:
    study_right_count: int = strawberry.field(description="Study rights at or below the organisation.")
    required_count: int = strawberry.field(
        description="Of those, the ones whose HOKS must be in the service."
    )
    covered_count: int = strawberry.field(description="Of the required, the ones that have a plan in force.")
    organisation_oid: strawberry.Private[str]
    scope: strawberry.Private[Scope]

    @strawberry.field(description="Required study rights still without a plan.")
    def missing_count(self) -> int:
        return self.required_count - self.covered_count

    @strawberry.field(description="covered / required (1.0 when nothing is required).")
    def coverage(self) -> float:
        return self.covered_count / self.required_count if self.required_count else 1.0

    @strawberry.field(description="Organisaatio.")
    async def organisation(self, info: Info) -> Organisation | None:
        return await load_organisation(info, self.organisation_oid)

    @strawberry.field(description="The required study rights without a plan, by OID.")
    async def missing(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[StudyRightType]:
        limit = page_size(first)
        conditions = self._missing()
        query = select(*STUDY_RIGHT_COLUMNS).where(*conditions)
        context = info.context
        condition = _BY_OID.after(after, context.cursors)
        if condition is not None:
            query = query.where(condition)
        rows = await context.db.reads.fetch_built(query.order_by(*_BY_OID.order_by()).limit(limit + 1))
        records = [StudyRightRecord(**row) for row in rows]
        for record in records[:limit]:
            context.audit.learner(record.learner_oid, record.oppilaitos_oid)

        async def count() -> int:
            return self.required_count - self.covered_count

        return connection(
            records,
            limit,
            after=after,
            key=lambda r: (r.oid,),
            keyset=_BY_OID,
            cursors=context.cursors,
            node=lambda record: StudyRightType.from_record(record, context.authz),
            count=count,
        )

    def _missing(self) -> list[ColumnElement[bool]]:
        return [
            _in_report(self.scope, self.organisation_oid),
            transfer_required(),
            not_(_has_plan()),
        ]


def _in_report(scope: Scope, organisation_oid: str) -> ColumnElement[bool]:
    return and_(at_or_below(StudyRight.oppilaitos_oid, organisation_oid), scope.study_right_visible())


async def _counts(reads: Reads, scope: Scope, organisation_oid: str) -> tuple[int, int, int]:
    required = transfer_required()
    query = select(
        func.count(),
        func.count().filter(required),
        func.count().filter(and_(required, _has_plan())),
    ).where(_in_report(scope, organisation_oid))
    [(total, required_count, covered)] = await reads.fetch_built(query)
    return total, required_count, covered


async def transfer_coverage(info: Info, organisation_oid: strawberry.ID) -> CoverageReport:
    oid = str(organisation_oid)
    await require_readable(info, oid)
    total, required, covered = await _counts(info.context.db.reads, info.context.authz, oid)
    return CoverageReport(
        study_right_count=total,
        required_count=required,
        covered_count=covered,
        organisation_oid=oid,
        scope=info.context.authz,
    )
