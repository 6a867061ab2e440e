"""A read's audit events inserted by the read's own statement (a data-modifying CTE).

The audit rows of a read must be committed before the answer leaves (audit/events.py). Written
after the request as a statement of their own, they cost a round trip per request; a view read
(hoks/plan_view.py, learners/learner_view.py) instead inserts them in the statement that reads
the data: one autocommit statement, so the rows commit with the read, or the read fails. Only
on the primary (a replica cannot write): with read replicas the trail writes them as before.

The events are those the request's AuditTrail would have written for the same rows (one per
plan, the learner's only for a learner read without a plan); the actor's columns are parameters,
the caller's own organisation per data organisation (Scope.own_organisation) among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    CTE,
    BigInteger,
    CompoundSelect,
    Select,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from hoks_gateway.audit.events import Actor, AuditTrail, Outcome
from hoks_gateway.db.tables import AuditEvent as AuditEventRow
from hoks_gateway.observability import prometheus

_TABLE = cast(Table, AuditEventRow.__table__)
_OIDS: ARRAY[Any] = ARRAY(String(64))


def event(learner: Any, plan: Any, organisation: Any) -> Select[Any]:
    """A select of events for audit_insert: the target learner's OID, the target plan's id (or
    NULL), the data's organisation OID (or NULL)."""
    return select(
        learner.label("learner_oid"),
        plan.cast(BigInteger).label("hoks_id"),
        organisation.cast(String(64)).label("organisation_oid"),
    )


def audit_insert(events: Select[Any] | CompoundSelect[Any]) -> CTE:
    """The CTE inserting one event per row of `events` (made by `event`)."""
    read = events.subquery("read")
    learner, plan, organisation = read.c.learner_oid, read.c.hoks_id, read.c.organisation_oid
    mapping = (
        func.unnest(
            bindparam("audit_organisations", type_=_OIDS), bindparam("audit_own_organisations", type_=_OIDS)
        )
        .table_valued("organisation", "own")
        .render_derived()
    )
    own = func.coalesce(
        select(mapping.c.own).where(mapping.c.organisation == organisation).scalar_subquery(),
        bindparam("audit_own_organisation", type_=String(64)),
    )
    rows = select(
        bindparam("audit_request_id", type_=String(64)),
        bindparam("audit_principal_kind", type_=String(16)),
        bindparam("audit_principal_id", type_=String(128)),
        own,
        bindparam("audit_operation_id", type_=Text),
        organisation,
        bindparam("audit_operation", type_=String(64)),
        literal(Outcome.SUCCESS.value, String(16)),
        learner,
        plan,
    ).select_from(read)
    columns = [
        "request_id",
        "principal_kind",
        "principal_id",
        "principal_organisation_oid",
        "operation_id",
        "organisation_oid",
        "operation",
        "outcome",
        "target_learner_oid",
        "target_hoks_id",
    ]
    return insert(_TABLE).from_select(columns, rows).cte("audited")


@dataclass(frozen=True, slots=True)
class Fold:
    """The values of an audit_insert for one request's actor and operation."""

    parameters: dict[str, Any]

    @classmethod
    def of(cls, actor: Actor, trail: AuditTrail) -> Fold:
        scope = actor.scope
        columns = actor.columns(None)
        default = columns["principal_organisation_oid"]
        organisations: list[str] = []
        owns: list[str] = []
        # Only a caller holding privileges on several organisations names a different one of
        # them per data organisation; for everyone else it is the same for all.
        if scope.principal is not None and len(scope.principal.privileges) > 1:
            for organisation in sorted(scope.lineages):
                own = scope.own_organisation(organisation)
                if own != default and own is not None:
                    organisations.append(organisation)
                    owns.append(own)
        return cls(
            {
                "audit_request_id": columns["request_id"],
                "audit_principal_kind": columns["principal_kind"],
                "audit_principal_id": columns["principal_id"],
                "audit_operation_id": columns["operation_id"],
                "audit_operation": trail.operation,
                "audit_own_organisation": default,
                "audit_organisations": organisations,
                "audit_own_organisations": owns,
            }
        )


def folded(trail: AuditTrail, events: Sequence[tuple[str, int | None]]) -> None:
    """The statement inserted `events` (learner OID, plan id or None): the trail must not write
    them again."""
    for learner, plan in events:
        trail.written(learner, plan)
    prometheus.audit_rows_appended(len(events))
