"""The learner view in one statement: learners with the study rights, plans and documents their
selection asks for.

Edge by edge, a learner with every study right and whole plan took four statements in four
levels (learner, study rights, plans, documents) and the audit insert. Here one statement reads
them all, each level with its own scope predicate exactly as its loader's statement has it, and
inserts the audit events the request's trail would have written for them (one per plan read, the
learner's when no plan is: audit/folded.py). The loaders of those edges are then primed with the
rows (graphql/context.py), so the levels below find them without a statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, exists, literal, null, select

from hoks_gateway.audit.folded import Fold, audit_insert, event
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import Hoks, Learner, StudyRight
from hoks_gateway.db.view_levels import Levels, keyed, view_rows
from hoks_gateway.hoks.plan_view import plan_columns
from hoks_gateway.hoks.repository import HOKS_COLUMNS, HoksRecord
from hoks_gateway.learners.repository import (
    LEARNER_COLUMNS,
    STUDY_RIGHT_COLUMNS,
    LearnerRecord,
    StudyRightRecord,
)


@dataclass(frozen=True, slots=True)
class LearnerWants:
    """How deep the learner's selection reads: its study rights, their plans, the plans' content."""

    study_rights: bool
    plans: bool
    documents: bool


@dataclass(slots=True)
class RightRead:
    record: StudyRightRecord
    plan: HoksRecord | None = None
    """The study right's plan, when wanted and visible to the caller."""
    document: str | None = None
    """The plan's document's JSON text, when wanted."""


@dataclass(slots=True)
class LearnerRead:
    record: LearnerRecord
    study_rights: list[RightRead] = field(default_factory=list)
    """Visible to the caller, newest first (as study_rights_of_learners orders them)."""


_LEARNER = len(LEARNER_COLUMNS)
_STUDY_RIGHT = len(STUDY_RIGHT_COLUMNS)
_RECORD = len(HOKS_COLUMNS)


def _statement(scope: Scope, wants: LearnerWants, fold: bool, single: bool) -> Any:
    learner = (
        select(*LEARNER_COLUMNS)
        .where(keyed(Learner.oid, "oids", String(64), single), scope.learner_visible())
        .cte("learner")
    )
    levels = Levels(learner)
    order: list[Any] = [learner.c.oid]
    plan: Any = None
    if wants.study_rights:
        right = levels.join(
            "study_right",
            STUDY_RIGHT_COLUMNS,
            (StudyRight.learner_oid.in_(select(learner.c.oid)), scope.study_right_visible()),
            lambda right: right.c.learner_oid == learner.c.oid,
        )
        order += [right.c.started_on.desc(), right.c.oid]
        if wants.plans:
            plan = levels.join(
                "plan",
                plan_columns(wants.documents),
                (
                    Hoks.study_right_oid.in_(select(right.c.oid)),
                    Hoks.deleted_at.is_(None),
                    scope.hoks_visible(),
                ),
                lambda plan: plan.c.study_right_oid == right.c.oid,
            )
    statement = levels.select().order_by(*order)
    if fold:
        no_plan = event(learner.c.oid, null(), null())
        events: Any
        if plan is None:
            events = no_plan
        else:
            events = event(plan.c.learner_oid, plan.c.id, plan.c.organisation_oid).union_all(
                no_plan.where(~exists(select(literal(1)).where(plan.c.learner_oid == learner.c.oid)))
            )
        statement = statement.add_cte(audit_insert(events))
    return statement


async def learners_read(
    reads: Reads, oids: Sequence[str], scope: Scope, wants: LearnerWants, fold: Fold | None
) -> dict[str, LearnerRead]:
    """Learner OID -> the learner read as deep as `wants` names, for the learners the caller may
    see; with `fold`, the statement has inserted their audit events."""
    rows = await view_rows(reads, "learners.learner_view", "oids", oids, scope, wants, fold, _statement)
    found: dict[str, LearnerRead] = {}
    for row in rows:
        values = tuple(row)
        oid = values[0]
        read = found.get(oid)
        if read is None:
            read = found[oid] = LearnerRead(LearnerRecord(*values[:_LEARNER]))
        at = _LEARNER
        if not wants.study_rights or values[at] is None:
            continue
        right = RightRead(StudyRightRecord(*values[at : at + _STUDY_RIGHT]))
        read.study_rights.append(right)
        at += _STUDY_RIGHT
        if wants.plans and values[at] is not None:
            right.plan = HoksRecord(*values[at : at + _RECORD])
            if wants.documents:
                right.document = values[at + _RECORD]
    return found
