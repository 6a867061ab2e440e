"""`transferStatistics`: how far the transfer of plans has come, in total, per provider, per month.

The rollout was reported as "78,000 plans, 82 of 161 providers": plans in the service, and
koulutustoimijat that have transferred at least one plan out of all of them. A provider is the
koulutustoimija of the plan's study right. Counts are of plans in force (not deleted), by the
day the gateway stored them; `asOf` gives the figures as they stood at the end of that day.

Every figure but `learnerCount` is a sum over the per-day summaries `hoks_daily` and
`study_right_daily` (0007, kept by triggers), so its cost follows the number of providers and days,
not plans. `learnerCount` (distinct learners) cannot be summed from counts: it is one count over
the partial index of plans in force by learner (`asOf` null) or over the plans (`asOf` given).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import strawberry
from sqlalchemy import ColumnElement, and_, distinct, func, literal_column, or_, select, true

from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import Hoks, HoksDaily, Organisation, StudyRightDaily
from hoks_gateway.graphql.context import Info
from hoks_gateway.organisations.types import Organisation as OrganisationType
from hoks_gateway.organisations.types import load_organisation

FINLAND = ZoneInfo("Europe/Helsinki")
IN_FORCE: ColumnElement[dt.date] = literal_column("DATE 'infinity'")
"""`hoks_daily.deleted_on` of plans not deleted."""


@dataclass(frozen=True, slots=True)
class Period:
    as_of: dt.date | None

    @property
    def end(self) -> dt.datetime | None:
        """The first instant after `as_of` in Finland."""
        if self.as_of is None:
            return None
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time(), tzinfo=FINLAND)

    def plan_in_force(self) -> ColumnElement[bool]:
        end = self.end
        if end is None:
            return Hoks.deleted_at.is_(None)
        return and_(Hoks.created_at < end, or_(Hoks.deleted_at.is_(None), Hoks.deleted_at >= end))

    def summary_in_force(self) -> ColumnElement[bool]:
        """`hoks_daily` rows of plans in force at the end of `as_of` (days are Finnish days)."""
        if self.as_of is None:
            return HoksDaily.deleted_on == IN_FORCE
        return and_(HoksDaily.created_on <= self.as_of, HoksDaily.deleted_on > self.as_of)

    def summary_visible(self) -> ColumnElement[bool]:
        """...and whose study right was registered by then too (the per-provider figures)."""
        if self.as_of is None:
            return self.summary_in_force()
        return and_(self.summary_in_force(), HoksDaily.visible_on <= self.as_of)

    def study_right_registered(self) -> ColumnElement[bool]:
        return true() if self.as_of is None else StudyRightDaily.created_on <= self.as_of


def _providers() -> ColumnElement[bool]:
    return Organisation.type == "KOULUTUSTOIMIJA"


@strawberry.type(description="Siirrot koulutustoimijoittain: one provider's transfers.")
class ProviderTransfers:
    hoks_count: int = strawberry.field(description="Plans in force from this provider.")
    study_right_count: int = strawberry.field(description="Study rights registered for this provider.")
    first_stored_at: dt.datetime | None = strawberry.field(description="When its first plan was stored.")
    latest_stored_at: dt.datetime | None = strawberry.field(description="When its latest plan was stored.")
    provider_oid: strawberry.Private[str]

    @strawberry.field(description="Has transferred at least one plan.")
    def started(self) -> bool:
        return self.hoks_count > 0

    @strawberry.field(description="Koulutustoimija.")
    async def provider(self, info: Info) -> OrganisationType | None:
        return await load_organisation(info, self.provider_oid)


@strawberry.type(description="Siirrot kuukausittain: plans stored in one calendar month (Finnish time).")
class MonthlyTransfers:
    month: str = strawberry.field(description="The month, YYYY-MM.")
    hoks_count: int = strawberry.field(description="Plans stored during the month (still in force).")
    cumulative_hoks_count: int = strawberry.field(description="Plans stored by the end of the month.")
    providers_started: int = strawberry.field(
        description="Providers that had transferred at least one plan by the end of the month."
    )


@strawberry.type(
    description="Siirtotilasto: plans in the service and providers that have started transferring "
    'them (as the rollout reported "78,000 plans, 82 of 161 providers").'
)
class TransferStatistics:
    as_of: dt.date | None = strawberry.field(
        description="The figures stand at the end of this day (null: now)."
    )
    hoks_count: int = strawberry.field(description="HOKS plans in force.")
    learner_count: int = strawberry.field(description="Learners with at least one plan in force.")
    providers_total: int = strawberry.field(description="Koulutustoimijat in the organisation register.")
    providers_started: int = strawberry.field(description="Koulutustoimijat with at least one plan in force.")
    period: strawberry.Private[Period]

    @strawberry.field(description="Every provider, most plans first (then by OID).")
    async def by_provider(self, info: Info) -> list[ProviderTransfers]:
        return await _by_provider(info.context.db.reads, self.period)

    @strawberry.field(description="Month by month, oldest first (months without new plans left out).")
    async def by_month(self, info: Info) -> list[MonthlyTransfers]:
        return await _by_month(info.context.db.reads, self.period)


async def transfer_statistics(info: Info, as_of: dt.date | None = None) -> TransferStatistics:
    # As of the last day a date can hold is as of now: no plan was made or deleted later. Asked
    # for as that date, the database got PostgreSQL's `infinity` (asyncpg's reading of date.max),
    # later than in-force plans' `infinity` too, and the next day overflowed.
    period = Period(None if as_of == dt.date.max else as_of)
    in_force = select(HoksDaily.koulutustoimija_oid, HoksDaily.hoks_count).where(period.summary_in_force())
    plans = in_force.subquery()
    # Grouped rather than count(DISTINCT): a hash or index-only walk instead of a sort (≈ 20 ms
    # at 100k plans once the partial index's pages are all-visible; 0007).
    learners = (
        select(func.count())
        .select_from(
            select(Hoks.learner_oid).where(period.plan_in_force()).group_by(Hoks.learner_oid).subquery()
        )
        .scalar_subquery()
    )
    providers_total = select(func.count()).where(_providers()).scalar_subquery()
    query = select(
        func.coalesce(func.sum(plans.c.hoks_count), 0),
        learners,
        func.count(distinct(plans.c.koulutustoimija_oid)),
        providers_total,
    ).select_from(plans)
    [(hoks_count, learner_count, started, total)] = await info.context.db.reads.fetch_built(query)
    return TransferStatistics(
        as_of=as_of,
        hoks_count=int(hoks_count),
        learner_count=learner_count,
        providers_total=total,
        providers_started=started,
        period=period,
    )


async def _by_provider(reads: Reads, period: Period) -> list[ProviderTransfers]:
    hoks = (
        select(
            HoksDaily.koulutustoimija_oid.label("provider"),
            func.sum(HoksDaily.hoks_count).label("n"),
            func.min(HoksDaily.first_created_at).label("first"),
            func.max(HoksDaily.last_created_at).label("latest"),
        )
        .where(period.summary_visible())
        .group_by(HoksDaily.koulutustoimija_oid)
        .subquery("plans")
    )
    rights = (
        select(
            StudyRightDaily.koulutustoimija_oid.label("provider"),
            func.sum(StudyRightDaily.study_right_count).label("n"),
        )
        .where(period.study_right_registered())
        .group_by(StudyRightDaily.koulutustoimija_oid)
        .subquery("rights")
    )
    plans = func.coalesce(hoks.c.n, 0)
    query = (
        select(Organisation.oid, plans, func.coalesce(rights.c.n, 0), hoks.c.first, hoks.c.latest)
        .select_from(Organisation)
        .outerjoin(hoks, hoks.c.provider == Organisation.oid)
        .outerjoin(rights, rights.c.provider == Organisation.oid)
        .where(_providers())
        .order_by(plans.desc(), Organisation.oid)
    )
    return [
        ProviderTransfers(
            hoks_count=int(count),
            study_right_count=int(n_rights),
            first_stored_at=first,
            latest_stored_at=latest,
            provider_oid=oid,
        )
        for oid, count, n_rights, first, latest in await reads.fetch_built(query)
    ]


async def _by_month(reads: Reads, period: Period) -> list[MonthlyTransfers]:
    month: ColumnElement[Any] = func.to_char(HoksDaily.created_on, "YYYY-MM")
    plans = (
        select(
            month.label("month"),
            HoksDaily.koulutustoimija_oid.label("provider"),
            HoksDaily.hoks_count.label("n"),
        )
        .where(period.summary_in_force())
        .cte("plans")
    )
    monthly = select(plans.c.month, func.sum(plans.c.n).label("n")).group_by(plans.c.month).cte("monthly")
    firsts = select(func.min(plans.c.month).label("month")).group_by(plans.c.provider).subquery("firsts")
    started = select(firsts.c.month, func.count().label("n")).group_by(firsts.c.month).cte("started")
    query = (
        select(
            monthly.c.month,
            monthly.c.n,
            func.sum(monthly.c.n).over(order_by=monthly.c.month),
            func.sum(func.coalesce(started.c.n, 0)).over(order_by=monthly.c.month),
        )
        .select_from(monthly.outerjoin(started, started.c.month == monthly.c.month))
        .order_by(monthly.c.month)
    )
    return [
        MonthlyTransfers(
            month=m, hoks_count=int(n), cumulative_hoks_count=int(total), providers_started=int(providers)
        )
        for m, n, total, providers in await reads.fetch_built(query)
    ]
