"""Reading learners and study rights, always within the caller's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.tables import Learner, StudyRight
from hoks_gateway.graphql.loaders import group_by
from hoks_gateway.reports.obligation import transfer_required


@dataclass(frozen=True, slots=True)
class LearnerRecord:
    oid: str
    first_names: str
    calling_name: str | None
    surname: str


@dataclass(frozen=True, slots=True)
class StudyRightRecord:
    oid: str
    learner_oid: str
    oppilaitos_oid: str
    koulutustoimija_oid: str
    kind: str
    status: str
    started_on: dt.date
    ended_on: dt.date | None
    planned_end_on: dt.date | None
    qualification_code: str | None
    qualification_name_fi: str | None
    delivering_organisation_oid: str | None
    transfer_required: bool


_LEARNER = (Learner.oid, Learner.first_names, Learner.calling_name, Learner.surname)
_STUDY_RIGHT = (
    StudyRight.oid,
    StudyRight.learner_oid,
    StudyRight.oppilaitos_oid,
    StudyRight.koulutustoimija_oid,
    StudyRight.kind,
    StudyRight.status,
    StudyRight.started_on,
    StudyRight.ended_on,
    StudyRight.planned_end_on,
    StudyRight.qualification_code,
    StudyRight.qualification_name_fi,
    StudyRight.delivering_organisation_oid,
    transfer_required().label("transfer_required"),
)
STUDY_RIGHT_COLUMNS = _STUDY_RIGHT
"""What a StudyRightRecord is made of, for queries elsewhere (lists, reports)."""


async def learners_by_oid(
    session: AsyncSession, oids: Sequence[str], scope: Scope
) -> dict[str, LearnerRecord]:
    rows = await session.execute(select(*_LEARNER).where(Learner.oid.in_(oids), scope.learner_visible()))
    return {row.oid: LearnerRecord(*row) for row in rows}


async def study_rights_by_oid(
    session: AsyncSession, oids: Sequence[str], scope: Scope
) -> dict[str, StudyRightRecord]:
    rows = await session.execute(
        select(*_STUDY_RIGHT).where(StudyRight.oid.in_(oids), scope.study_right_visible())
    )
    return {row.oid: StudyRightRecord(**row._asdict()) for row in rows}


async def study_rights_of_learners(
    session: AsyncSession,
    learner_oids: Sequence[str],
    scope: Scope,
    where: ColumnElement[bool] | None = None,
) -> dict[str, list[StudyRightRecord]]:
    """Newest first; `where` narrows further (the student list: those in one organisation)."""
    rows = await session.execute(
        select(*_STUDY_RIGHT)
        .where(
            StudyRight.learner_oid.in_(learner_oids),
            scope.study_right_visible(),
            true() if where is None else where,
        )
        .order_by(StudyRight.started_on.desc(), StudyRight.oid)
    )
    return group_by((StudyRightRecord(**row._asdict()) for row in rows), lambda r: r.learner_oid)
