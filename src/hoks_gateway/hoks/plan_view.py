"""The plan detail in one statement: plans by id with what their selection asks for.

Edge by edge, a plan read by id took a statement for its record, then one each for its document,
learner and study right, then the audit insert: five statements in three round trips. Here one
statement reads the record, the document's text, the learner and the study right (each with its
own scope predicate, exactly as its loader's statement has it, so a row the caller may not see
is NULL as it would be "not found"), and inserts the audit events of the plans it read
(audit/folded.py). The loaders of those edges are then primed with the rows (graphql/context.py),
so the levels below find them without a statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Text, cast, select

from hoks_gateway.audit.folded import Fold, audit_insert, event
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import Hoks, Learner, StudyRight
from hoks_gateway.db.view_levels import Levels, keyed, view_rows
from hoks_gateway.hoks.repository import HOKS_COLUMNS, HoksRecord
from hoks_gateway.learners.repository import (
    LEARNER_COLUMNS,
    STUDY_RIGHT_COLUMNS,
    LearnerRecord,
    StudyRightRecord,
)


@dataclass(frozen=True, slots=True)
class PlanWants:
    """What the plan's selection reads besides its record."""

    document: bool
    learner: bool
    study_right: bool


@dataclass(frozen=True, slots=True)
class PlanRead:
    record: HoksRecord
    document: str | None
    """The document's JSON text (when wanted)."""
    learner: LearnerRecord | None
    """The plan's learner, when wanted and visible to the caller."""
    study_right: StudyRightRecord | None
    """The plan's study right, when wanted and visible to the caller."""


RECORD_FIELDS = frozenset(
    {
        "__typename",
        "id",
        "eid",
        "firstApprovedOn",
        "approvedAt",
        "updatedAt",
        "revision",
        "source",
        "progress",
        "learner",
        "studyRight",
        "organisation",
        "revisions",
        "revisionByNumber",
        "approvalHistory",
    }
)
"""The fields of a plan answered without its document (the rest are its content)."""


def plan_wants(fields: frozenset[str]) -> PlanWants:
    """What reading a plan whose selection holds `fields` (graphql/lookahead.py) needs."""
    return PlanWants(
        document=not fields <= RECORD_FIELDS,
        learner="learner" in fields,
        study_right="studyRight" in fields or "approvalHistory" in fields,
    )


_RECORD = len(HOKS_COLUMNS)
_LEARNER = len(LEARNER_COLUMNS)
_STUDY_RIGHT = len(STUDY_RIGHT_COLUMNS)


def plan_columns(document: bool) -> tuple[Any, ...]:
    """A HoksRecord's columns, and its document's JSON text when `document`."""
    return (*HOKS_COLUMNS, cast(Hoks.document, Text).label("document")) if document else HOKS_COLUMNS


def _statement(scope: Scope, wants: PlanWants, fold: bool, single: bool) -> Any:
    plan = (
        select(*plan_columns(wants.document))
        .where(keyed(Hoks.id, "ids", BigInteger(), single), Hoks.deleted_at.is_(None), scope.hoks_visible())
        .cte("plan")
    )
    levels = Levels(plan)
    if wants.learner:
        levels.join(
            "learner",
            LEARNER_COLUMNS,
            (Learner.oid.in_(select(plan.c.learner_oid)), scope.learner_visible()),
            lambda learner: learner.c.oid == plan.c.learner_oid,
        )
    if wants.study_right:
        levels.join(
            "study_right",
            STUDY_RIGHT_COLUMNS,
            (StudyRight.oid.in_(select(plan.c.study_right_oid)), scope.study_right_visible()),
            lambda right: right.c.oid == plan.c.study_right_oid,
        )
    statement = levels.select().order_by(plan.c.id)
    if fold:
        statement = statement.add_cte(
            audit_insert(event(plan.c.learner_oid, plan.c.id, plan.c.organisation_oid).order_by(plan.c.id))
        )
    return statement


async def plans_read(
    reads: Reads, ids: Sequence[int], scope: Scope, wants: PlanWants, fold: Fold | None
) -> dict[int, PlanRead]:
    """Plan id -> the plan read with what `wants` names, for the plans the caller may see; with
    `fold`, the statement has inserted one audit event per plan returned."""
    rows = await view_rows(reads, "hoks.plan_view", "ids", ids, scope, wants, fold, _statement)
    found: dict[int, PlanRead] = {}
    for row in rows:
        values = tuple(row)
        record = HoksRecord(*values[:_RECORD])
        at = _RECORD
        document = None
        if wants.document:
            document, at = values[at], at + 1
        learner = None
        if wants.learner:
            learner = None if values[at] is None else LearnerRecord(*values[at : at + _LEARNER])
            at += _LEARNER
        right = None
        if wants.study_right:
            right = None if values[at] is None else StudyRightRecord(*values[at : at + _STUDY_RIGHT])
        found[record.id] = PlanRead(record, document, learner, right)
    return found
