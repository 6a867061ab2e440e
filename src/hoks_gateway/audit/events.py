"""Writing audit events.

Writes record their event inside their own transaction, so a write and its audit row commit or
roll back together. Reads collect the learners and plans a request touched (AuditTrail) and write
them in one statement when the request has been answered; if that fails, the request fails
rather than leave a read unrecorded. A request's first read of personal data may instead insert
its events in its own statement (audit/folded.py): they commit with the read, before any answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, insert

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.appends import append
from hoks_gateway.db.sessions import Database, Statements
from hoks_gateway.db.tables import AuditEvent as AuditEventRow
from hoks_gateway.observability import prometheus


class Outcome(StrEnum):
    SUCCESS = "SUCCESS"
    """Allowed and done."""
    FAILURE = "FAILURE"
    """Refused: nothing was read or changed (out of reach, not permitted, invalid, conflicting)."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    operation: str
    """What was done: a GraphQL operation (e.g. `read`, `createHoks`) or a CLI command."""
    outcome: Outcome = Outcome.SUCCESS
    target_learner_oid: str | None = None
    target_hoks_id: int | None = None
    organisation_oid: str | None = None
    """The organisation whose data it was (the plan's or study right's oppilaitos)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted, as every audit event records it: the caller (and, from its scope, its own
    organisation), the request, and the server's identifier of the operation (the root fields
    touched, `query:hoks,learner`; `cli:<command>` for the command line) beside the name the
    client chose."""

    scope: Scope
    request_id: str | None = None
    operation_id: str | None = None

    def columns(self, data_organisation: str | None) -> dict[str, str | None]:
        """The actor's columns of an event about data of `data_organisation`."""
        principal = self.scope.principal
        return {
            "request_id": self.request_id,
            "principal_kind": principal.kind.value if principal else "ANONYMOUS",
            "principal_id": principal.id if principal else "",
            "principal_organisation_oid": self.scope.own_organisation(data_organisation),
            "operation_id": self.operation_id,
        }


def _rows(actor: Actor, events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    return [
        {
            **actor.columns(event.organisation_oid),
            "organisation_oid": event.organisation_oid,
            "operation": event.operation,
            "outcome": event.outcome.value,
            "target_learner_oid": event.target_learner_oid,
            "target_hoks_id": event.target_hoks_id,
        }
        for event in events
    ]


async def record(session: Statements, actor: Actor, events: Iterable[AuditEvent]) -> None:
    """Insert the events in one statement within the session's transaction."""
    rows = _rows(actor, events)
    if rows:
        await session.execute(insert(AuditEventRow), rows)
        prometheus.audit_rows_written(session.info, len(rows))


async def record_reads(db: Database, actor: Actor, events: Iterable[AuditEvent]) -> None:
    """Insert a read's events in one statement of their own (no transaction needed around it)."""
    rows = _rows(actor, events)
    await append(db.reads, cast(Table, AuditEventRow.__table__), rows)
    prometheus.audit_rows_appended(len(rows))


@dataclass(slots=True)
class AuditTrail:
    """What personal data one request read; filled by the loaders, written once at the end."""

    operation: str = "read"
    _seen: dict[tuple[str | None, int | None], str | None] = field(default_factory=dict)
    _written: set[tuple[str | None, int | None]] = field(default_factory=set)
    _folded: bool = False
    failure: Exception | None = None

    def fold(self) -> bool:
        """Whether the read about to run may insert its own events (audit/folded.py): only the
        request's first read of personal data, before anything else was seen, so that its events
        are those the trail would have written for it."""
        if self._folded or self._seen:
            return False
        self._folded = True
        return True

    def unwritten(self, error: Exception) -> None:
        """A read that was to insert its own events failed (audit/folded.py): the request fails
        as when its audit insert fails, its data withheld."""
        self.failure = error

    def written(self, learner_oid: str, hoks_id: int | None) -> None:
        """The event of (learner, plan or None) is in the database already: never written again."""
        self._written.add((learner_oid, hoks_id))

    def learner(self, learner_oid: str, organisation_oid: str | None = None) -> None:
        self._seen.setdefault((learner_oid, None), organisation_oid)

    def hoks(self, hoks_id: int, learner_oid: str, organisation_oid: str) -> None:
        self._seen[(learner_oid, hoks_id)] = organisation_oid
        # The plan's read covers the learner's: one event per plan is enough.
        self._seen.pop((learner_oid, None), None)

    def events(self) -> list[AuditEvent]:
        covered = {learner for (learner, plan) in self._seen if plan is not None}
        return [
            AuditEvent(self.operation, Outcome.SUCCESS, learner, plan, organisation)
            for (learner, plan), organisation in self._seen.items()
            if (plan is not None or learner not in covered) and (learner, plan) not in self._written
        ]
