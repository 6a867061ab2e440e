"""Reading learners and study rights, always within the caller's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, any_, bindparam, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
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
    telma: bool
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
    StudyRight.telma,
    StudyRight.qualification_code,
    StudyRight.qualification_name_fi,
    StudyRight.delivering_organisation_oid,
    transfer_required().label("transfer_required"),
)
STUDY_RIGHT_COLUMNS = _STUDY_RIGHT
"""What a StudyRightRecord is made of, for queries elsewhere (lists, reports)."""
LEARNER_COLUMNS = _LEARNER
"""What a LearnerRecord is made of, in its order."""


_OIDS = bindparam("oids", type_=ARRAY(String(64)))


async def learners_by_oid(reads: Reads, oids: Sequence[str], scope: Scope) -> dict[str, LearnerRecord]:
    rows = await reads.fetch(
        ("learners.by_oid", scope.kind),
        lambda: select(*_LEARNER).where(Learner.oid == any_(_OIDS), scope.learner_visible()),
        oids=list(oids),
        **scope.parameters,
    )
    return {row["oid"]: LearnerRecord(*row) for row in rows}


async def study_rights_by_oid(reads: Reads, oids: Sequence[str], scope: Scope) -> dict[str, StudyRightRecord]:
    rows = await reads.fetch(
        ("study_rights.by_oid", scope.kind),
        lambda: select(*_STUDY_RIGHT).where(StudyRight.oid == any_(_OIDS), scope.study_right_visible()),
        oids=list(oids),
        **scope.parameters,
    )
    return {row["oid"]: StudyRightRecord(**row) for row in rows}


def _of_learners(learners: ColumnElement[bool], scope: Scope, where: ColumnElement[bool]) -> Select[Any]:
    """Newest first."""
    columns: tuple[Any, ...] = _STUDY_RIGHT
    return (
        select(*columns)
        .where(learners, scope.study_right_visible(), where)
        .order_by(StudyRight.started_on.desc(), StudyRight.oid)
    )


async def study_rights_of_learners(
    reads: Reads, learner_oids: Sequence[str], scope: Scope
) -> dict[str, list[StudyRightRecord]]:
    """Each learner's study rights the caller may see, newest first."""
    rows = await reads.fetch(
        ("study_rights.of_learners", scope.kind),
        lambda: _of_learners(StudyRight.learner_oid == any_(_OIDS), scope, true()),
        oids=list(learner_oids),
        **scope.parameters,
    )
    return group_by((StudyRightRecord(**row) for row in rows), lambda r: r.learner_oid)


async def listed_study_rights(
    reads: Reads,
    learner_oids: Sequence[str],
    scope: Scope,
    shape: Hashable,
    where: Callable[[], ColumnElement[bool]],
    values: Mapping[str, object],
) -> dict[str, list[StudyRightRecord]]:
    """study_rights_of_learners narrowed by `where` (the student list: those in one organisation),
    compiled once per `shape` and run with the `values` of its parameters."""
    rows = await reads.fetch(
        ("study_rights.listed", shape),
        lambda: _of_learners(StudyRight.learner_oid == any_(_OIDS), scope, where()),
        oids=list(learner_oids),
        **values,
    )
    return group_by((StudyRightRecord(**row) for row in rows), lambda r: r.learner_oid)
