"""The write pipeline of HOKS plans: transfers, manual entry, deletion (issue 5).

The checks run in eHOKS's order (docs/reference/ehoks-backend.md §2.6), so the same error wins:

    create:  principal kind → study right in the registry *and within the caller's reach*
             (STUDY_RIGHT_NOT_FOUND, the same answer for both) → the document (BAD_USER_INPUT,
             every violation) → WRITE on the study right's oppilaitos (NO_ACCESS_TO_STUDY_RIGHT
             to services, FORBIDDEN to staff) → one plan per study right, soft-deleted ones
             included (HOKS_ALREADY_EXISTS)
    update/replace: principal kind → the plan, within the caller's scope (NOT_FOUND) → WRITE
             → the document, including OID changes (BAD_USER_INPUT) → expectedRevision
             (REVISION_CONFLICT)
    delete:  → the plan (NOT_FOUND) → DELETE (FORBIDDEN) → expectedRevision → study right still
             active (FORBIDDEN, as eHOKS's shallow delete)

Reach comes before the document because the document's violations are judged against the
study right: its dates, its kind and its learner would otherwise reach any caller who names it
(docs/API.md, "Rules from the eHOKS service"). Every refused write is audited, a lookup of a
study right or plan outside the caller's reach included.

The plan named by an update is the `hoks_id` argument alone (§9.1): the body never selects the
row. A typed input cannot carry an id. An eHOKS body for a create that carries one is rejected
(`read-only-field`); one for an update or replace may carry the plan's own id (eHOKS's PUT and
PATCH require it), any other is `plan-id-mismatch`.

Every accepted write is one transaction: the plan row, its revision (the whole document as it
then stood, and the changed paths) and the audit event commit together or not at all. Updates
lock the plan row first (SELECT ... FOR UPDATE), so concurrent writes to one plan never
interleave and `expectedRevision` is compared with the revision that is really being replaced.
Under an idempotency key the key is that transaction's first statement and its outcome (the
plan's record) one of its last (idempotency/claims.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import Select, String, exists, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hoks_gateway import identifiers
from hoks_gateway.audit.events import AuditEvent, Outcome, record
from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.authz.policy import require_privilege
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.faults import waiting_for_lock
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Hoks, Learner, StudyRight
from hoks_gateway.errors import (
    Forbidden,
    GatewayError,
    HoksAlreadyExists,
    NotFound,
    RevisionConflict,
    StudyRightNotFound,
    Unauthenticated,
    WrongAuthenticationType,
)
from hoks_gateway.hoks.diff import changed_paths
from hoks_gateway.hoks.document import (
    HoksDocument,
    Mode,
    StudyRightFacts,
    StudyRightKind,
    load_stored,
    parse_ehoks,
    to_storage,
)
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.idempotency import claims
from hoks_gateway.idempotency.claims import Claim
from hoks_gateway.observability import prometheus

Operation = Literal["CREATE", "UPDATE", "REPLACE", "DELETE", "RESTORE"]
Source = Literal["TRANSFER", "MANUAL"]

# A PUT that leaves these out keeps them (docs/reference/ehoks-backend.md §2.6 step 7); every other optional
# top-level field left out is cleared. The two OIDs cannot change, so leaving them out keeps them.
KEPT_ON_REPLACE = ("oppija-oid", "opiskeluoikeus-oid", "puhelinnumero", "tuva-opiskeluoikeus-oid")
# Koski's tilat after which a study right is over: its plan may no longer be deleted (§2.3).
ENDED_STATUSES = frozenset({"valmistunut", "eronnut", "katsotaaneronneeksi", "peruutettu"})

_FIELD_OF = {info.alias or name: name for name, info in HoksDocument.model_fields.items()}

# One statement each: the plan row, its revision and its audit event (the row
# audit.events.record() would write, in the same statement: one round trip fewer per transfer).
# On create, the duplicate check is the unique study right itself (ON CONFLICT), so it also
# holds against a concurrent create for the same study right.
# The revision and the audit event of the `plan` the statement wrote.
_REVISION_AND_AUDIT = """
    , revision AS (
        INSERT INTO hoks_revisions (hoks_id, number, at, principal_kind, principal_id, organisation_oid,
                                    operation, source, document, changed_paths)
        SELECT id, revision, :now, :principal_kind, :principal_id, :principal_organisation, :operation,
               :source, CAST(:document AS jsonb), CAST(:paths AS text[])
        FROM plan
    ), audit AS (
        INSERT INTO audit_events (request_id, principal_kind, principal_id, organisation_oid, operation,
                                  outcome, target_learner_oid, target_hoks_id)
        SELECT :request_id, :principal_kind, :principal_id, organisation_oid, :audit_operation,
               'SUCCESS', learner_oid, id
        FROM plan
    )
    SELECT id, eid, study_right_oid, learner_oid, organisation_oid, first_approved_on, approved_at,
           updated_at, revision, source, deleted_at, progress_planned, progress_completes_on
    FROM plan
"""
_INSERT_PLAN = """
    WITH plan AS (
        INSERT INTO hoks (study_right_oid, learner_oid, organisation_oid, first_approved_on,
                          approved_at, created_at, updated_at, revision, source, document,
                          progress_planned, progress_completes_on)
        VALUES (:study_right_oid, :learner_oid, :organisation_oid, :first_approved_on, :approved_at,
                :now, :now, 1, :source, CAST(:document AS jsonb), :progress_planned,
                :progress_completes_on)
        ON CONFLICT (study_right_oid) DO NOTHING
        RETURNING *
    )
"""
_UPDATE_PLAN = """
    WITH plan AS (
        UPDATE hoks SET organisation_oid = :organisation_oid, first_approved_on = :first_approved_on,
                        approved_at = :approved_at, updated_at = :now, revision = revision + 1,
                        deleted_at = :deleted_at, document = CAST(:document AS jsonb),
                        progress_planned = :progress_planned,
                        progress_completes_on = :progress_completes_on
        WHERE id = :id
        RETURNING *
    )
"""
# Every value is a bound parameter; only these constants are joined.
_INSERT = text(_INSERT_PLAN + _REVISION_AND_AUDIT)
_UPDATE = text(_UPDATE_PLAN + _REVISION_AND_AUDIT)

_tuva = aliased(StudyRight, name="tuva")


def _learner_tuva_oids(learner_oid: Any) -> Any:
    """The TUVA study rights of the learner `learner_oid` (a column), as one array."""
    return (
        select(func.coalesce(func.array_agg(_tuva.oid), literal([], ARRAY(String))))
        .where(_tuva.learner_oid == learner_oid, _tuva.kind == "TUVA")
        .scalar_subquery()
    )


def _study_right(oid: str, scope: Scope, learner: str | None) -> Select[Any]:
    """The study right a create names, whether the caller reaches it, its learner's TUVA study
    rights, and whether the learner the document names is registered (for eHOKS's wording of a
    learner other than the study right's): one statement."""
    return select(
        StudyRight.oppilaitos_oid,
        StudyRight.learner_oid,
        StudyRight.kind,
        StudyRight.status,
        StudyRight.started_on,
        StudyRight.planned_end_on,
        StudyRight.telma,
        scope.study_right_visible().label("visible"),
        _learner_tuva_oids(StudyRight.learner_oid).label("learner_tuva_oids"),
        exists().where(Learner.oid == learner).label("learner_registered"),
    ).where(StudyRight.oid == oid)


_EXISTING_PLAN = text("SELECT deleted_at IS NOT NULL AS deleted FROM hoks WHERE study_right_oid = :oid")

_sr = aliased(StudyRight, name="sr")
_RECORD_FIELDS = dataclasses.fields(HoksRecord)
_CURRENT = (
    *(getattr(Hoks, f.name) for f in _RECORD_FIELDS),
    Hoks.document,
    _sr.oppilaitos_oid.label("sr_oppilaitos_oid"),
    _sr.learner_oid.label("sr_learner_oid"),
    _sr.kind.label("sr_kind"),
    _sr.status.label("sr_status"),
    _sr.started_on.label("sr_started_on"),
    _sr.planned_end_on.label("sr_planned_end_on"),
    _learner_tuva_oids(_sr.learner_oid).label("sr_learner_tuva_oids"),
    _sr.telma.label("sr_telma"),
)


@dataclass(frozen=True, slots=True)
class Written:
    """A plan as an accepted write left it; `document` is None once it is deleted."""

    record: HoksRecord
    document: HoksDocument | None


@dataclass(frozen=True, slots=True)
class _Author:
    principal: Principal
    manual: bool
    """Staff and admins enter plans by hand (manuaalisyöttö); service accounts transfer them."""

    @property
    def source(self) -> Source:
        return "MANUAL" if self.manual else "TRANSFER"

    def organisation(self, plan_organisation: str) -> str:
        """The organisation in whose name the write was made, for the revision history."""
        if self.principal.kind is PrincipalKind.ADMIN:
            return identifiers.OPH_ROOT_OID
        return plan_organisation


@dataclass(frozen=True, slots=True)
class _Current:
    """The plan being changed, locked, with the facts of its study right."""

    record: HoksRecord
    document: dict[str, Any]
    oppilaitos_oid: str
    facts: StudyRightFacts


def facts_of(oid: str, row: Any, prefix: str = "") -> StudyRightFacts:
    """StudyRightFacts from a row with kind/status/started_on/planned_end_on/learner_oid/telma."""

    def get(name: str) -> Any:
        return getattr(row, prefix + name)

    return StudyRightFacts(
        oid=oid,
        kind=StudyRightKind(get("kind")),
        status=get("status"),
        started_on=get("started_on"),
        planned_end_on=get("planned_end_on"),
        learner_oid=get("learner_oid"),
        telma=get("telma"),
        learner_tuva_oids=frozenset(get("learner_tuva_oids")),
    )


@dataclass(frozen=True, slots=True)
class HoksWrites:
    """The write operations, for one caller. `today` anchors the date rules (Finnish date)."""

    db: Database
    scope: Scope
    clock: Clock
    today: dt.date
    request_id: str | None = None
    claim: Claim | None = None
    """The mutation's idempotency key: taken by the write's transaction, stored with its outcome."""

    # --- create -----------------------------------------------------------------------------

    async def create(self, body: Mapping[str, Any], *, operation: str = "createHoks") -> Written:
        author = self._author()
        oid = body.get("opiskeluoikeus-oid") if isinstance(body, Mapping) else None
        if not (isinstance(oid, str) and identifiers.is_study_right_oid(oid)):
            # No study right to judge it against: the document's own violations say why.
            async with self._failures_audited(AuditEvent(operation, Outcome.FAILURE)):
                parse_ehoks(body, mode="create", manual=author.manual, study_right=None, today=self.today)
            raise AssertionError("parse_ehoks requires a well-formed opiskeluoikeus-oid")
        # One transaction from the registry lookup to the audit row: a transfer is a handful of
        # round trips, and the study right cannot change under the write.
        learner = body.get("oppija-oid")
        async with self._write() as (session, refusals):
            right = (
                await session.execute(
                    _study_right(oid, self.scope, learner if isinstance(learner, str) else None)
                )
            ).one_or_none()
            target = AuditEvent(
                operation,
                Outcome.FAILURE,
                None if right is None else right.learner_oid,
                None,
                None if right is None else right.oppilaitos_oid,
            )
            async with refusals.audited(target):
                if right is None or not self._reaches(right.visible, right.oppilaitos_oid):
                    # Unknown and out of reach read alike: nothing about it reaches the caller.
                    # eHOKS's words (docs/reference/ehoks-backend.md §3): the registry is the
                    # gateway's Koski.
                    raise StudyRightNotFound(
                        f"Opiskeluoikeus `{oid}` not found in Koski. (The gateway's study-right "
                        "registry, its copy of Koski, has no such study right among those you may see.)"
                    )
                facts = facts_of(oid, right)
                document = parse_ehoks(
                    body,
                    mode="create",
                    manual=author.manual,
                    study_right=facts,
                    today=self.today,
                    learner_registered=right.learner_registered,
                    new_module_id=uuid.uuid4,
                )
                require_privilege(self.scope, right.oppilaitos_oid, Privilege.WRITE)
                stored = to_storage(document)
                row = (
                    await session.execute(
                        _INSERT,
                        {
                            "study_right_oid": oid,
                            "learner_oid": facts.learner_oid,
                            "organisation_oid": right.oppilaitos_oid,
                            **self._columns(document),
                            **self._revision(author, right.oppilaitos_oid, "CREATE", stored, None),
                            "now": self.clock(),
                            "request_id": self.request_id,
                            "audit_operation": operation,
                        },
                    )
                ).one_or_none()
                if row is None:
                    existing = (await session.execute(_EXISTING_PLAN, {"oid": oid})).one()
                    raise _already_exists(deleted=existing.deleted)
                prometheus.audit_rows_written(session.info, 1)  # the statement's `audit` part
                written = Written(HoksRecord(*row), document)
                await self._finish(session, written)
        return written

    # --- update, replace ------------------------------------------------------------------------

    async def update(
        self,
        hoks_id: int,
        patch: Mapping[str, Any],
        *,
        expected_revision: int | None = None,
        operation: str = "updateHoks",
    ) -> Written:
        """PATCH: the given top-level fields change, everything else stays (parts are refused).
        `operation` names the write in the audit trail."""
        return await self._rewrite(hoks_id, patch, "patch", expected_revision, operation)

    async def replace(
        self,
        hoks_id: int,
        body: Mapping[str, Any],
        *,
        expected_revision: int | None = None,
        operation: str = "replaceHoks",
    ) -> Written:
        """PUT: the whole plan; parts left out are removed, top-level fields as eHOKS's PUT.
        `operation` names the write in the audit trail."""
        return await self._rewrite(hoks_id, body, "replace", expected_revision, operation)

    async def _rewrite(
        self,
        hoks_id: int,
        body: Mapping[str, Any],
        mode: Mode,
        expected_revision: int | None,
        audit_operation: str,
    ) -> Written:
        author = self._author()
        operation: Operation = "UPDATE" if mode == "patch" else "REPLACE"
        async with self._write() as (session, refusals):
            current = await self._locked(session, refusals, hoks_id, audit_operation)
            async with refusals.audited(self._target(audit_operation, current)):
                require_privilege(self.scope, current.oppilaitos_oid, Privilege.WRITE)
                # The rules of PATCH and PUT require the plan's id; it is the argument's, always
                # (a body's own id must be the same one).
                document = parse_ehoks(
                    {"id": hoks_id, **body},
                    mode=mode,
                    manual=author.manual,
                    study_right=current.facts,
                    today=self.today,
                    new_module_id=None if mode == "patch" else uuid.uuid4,
                    plan_id=hoks_id,
                )
                _check_revision(current.record, expected_revision)
                document.id = None
                if mode == "patch":
                    document = load_stored(current.document | to_storage(document))
                else:
                    _keep_left_out_fields(document, current.document)
                return await self._store(session, author, current, operation, audit_operation, document)

    # --- delete, restore --------------------------------------------------------------------------

    async def delete(self, hoks_id: int, *, expected_revision: int | None = None) -> Written:
        """Soft delete (staff with DELETE, admins), while the study right is still active."""
        author = self._author()
        if author.principal.kind is PrincipalKind.SERVICE:
            raise WrongAuthenticationType("Service accounts cannot delete plans; staff with DELETE can.")
        async with self._write() as (session, refusals):
            current = await self._locked(session, refusals, hoks_id, "deleteHoks")
            async with refusals.audited(self._target("deleteHoks", current)):
                require_privilege(self.scope, current.oppilaitos_oid, Privilege.DELETE)
                _check_revision(current.record, expected_revision)
                if current.facts.status.lower() in ENDED_STATUSES:
                    raise Forbidden(f"Opiskeluoikeus {current.facts.oid} is no longer active.")
                return await self._store(session, author, current, "DELETE", "deleteHoks", None)

    async def restore(self, hoks_id: int, *, expected_revision: int | None = None) -> Written:
        """Undo a soft delete (admins)."""
        author = self._author()
        if author.principal.kind is not PrincipalKind.ADMIN:
            raise WrongAuthenticationType("Only an OPH admin can restore a deleted plan.")
        async with self._transaction() as session:
            current = await self._lock(session, hoks_id, deleted=True)
            _check_revision(current.record, expected_revision)
            document = load_stored(current.document)
            return await self._store(session, author, current, "RESTORE", "restoreHoks", document)

    # --- the steps ----------------------------------------------------------------------------------

    def _reaches(self, visible: bool, oppilaitos_oid: str) -> bool:
        """The caller may see the study right, or hold WRITE on its oppilaitos."""
        return visible or oppilaitos_oid in self.scope.reachable(Privilege.WRITE)

    def _author(self) -> _Author:
        principal = self.scope.principal
        if principal is None:
            raise Unauthenticated("Sign in: this operation needs a bearer token.")
        if principal.kind is PrincipalKind.SERVICE:
            return _Author(principal, manual=False)
        if principal.kind in (PrincipalKind.STAFF, PrincipalKind.ADMIN):
            return _Author(principal, manual=True)
        raise WrongAuthenticationType(
            f"HOKS plans are written by service accounts, staff and admins, not {principal.kind.value}."
        )

    async def _locked(
        self, session: AsyncSession, refusals: _Refusals, hoks_id: int, operation: str
    ) -> _Current:
        """_lock, with a plan out of reach (or none) audited as a refused `operation` on that id."""
        async with refusals.audited(AuditEvent(operation, Outcome.FAILURE, None, hoks_id)):
            return await self._lock(session, hoks_id)

    async def _lock(self, session: AsyncSession, hoks_id: int, *, deleted: bool = False) -> _Current:
        state = Hoks.deleted_at.is_not(None) if deleted else Hoks.deleted_at.is_(None)
        # Waits while another write of the plan holds it: a timeout here is PLAN_BUSY, not a
        # request too big (docs/operations.md).
        async with waiting_for_lock(f"HOKS {hoks_id}"):
            row = (
                await session.execute(
                    select(*_CURRENT)
                    .join(_sr, _sr.oid == Hoks.study_right_oid)
                    .where(Hoks.id == hoks_id, state, self.scope.hoks_visible())
                    .with_for_update(of=Hoks)
                )
            ).one_or_none()
        if row is None:
            what = "deleted HOKS" if deleted else "HOKS"
            raise NotFound(f"No {what} with id {hoks_id} is visible to you.")
        return _Current(
            record=HoksRecord(*row[: len(_RECORD_FIELDS)]),
            document=row.document,
            oppilaitos_oid=row.sr_oppilaitos_oid,
            facts=facts_of(row.study_right_oid, row, "sr_"),
        )

    async def _store(
        self,
        session: AsyncSession,
        author: _Author,
        current: _Current,
        operation: Operation,
        audit_operation: str,
        document: HoksDocument | None,
    ) -> Written:
        now = self.clock()
        if document is None:  # delete: the document stays as it stood
            stored, paths, columns = current.document, ["poistettu"], _columns_of(current.record)
        else:
            stored = to_storage(document)
            paths = ["poistettu"] if operation == "RESTORE" else changed_paths(current.document, stored)
            columns = self._columns(document)
        row = (
            await session.execute(
                _UPDATE,
                {
                    "id": current.record.id,
                    "organisation_oid": current.oppilaitos_oid,
                    "deleted_at": now if operation == "DELETE" else None,
                    **columns,
                    **self._revision(author, current.oppilaitos_oid, operation, stored, paths),
                    "now": now,
                    "request_id": self.request_id,
                    "audit_operation": audit_operation,
                },
            )
        ).one()
        prometheus.audit_rows_written(session.info, 1)  # the statement's `audit` part
        written = Written(HoksRecord(*row), None if operation == "DELETE" else document)
        await self._finish(session, written)
        return written

    async def _finish(self, session: AsyncSession, written: Written) -> None:
        """The outcome an idempotent retry gets: the plan's record as this write left it."""
        await claims.finish(session, self.claim, {"hoks": written.record})

    @staticmethod
    def _columns(document: HoksDocument) -> dict[str, Any]:
        assert document.first_approved_on is not None, "create and replace require it; patch keeps it"
        progress = PlanProgress.of_document(document)
        return {
            "first_approved_on": document.first_approved_on,
            "approved_at": document.approved_at,
            "progress_planned": progress.planned,
            "progress_completes_on": list(progress.completes_on),
        }

    @staticmethod
    def _revision(
        author: _Author,
        plan_organisation: str,
        operation: Operation,
        stored: Mapping[str, Any],
        paths: Sequence[str] | None,
    ) -> dict[str, Any]:
        return {
            "principal_kind": author.principal.kind.value,
            "principal_id": author.principal.id,
            "principal_organisation": author.organisation(plan_organisation),
            "operation": operation,
            "source": author.source,
            "document": orjson.dumps(stored).decode(),
            "paths": list(stored) if paths is None else list(paths),
        }

    def _target(self, operation: str, current: _Current) -> AuditEvent:
        record_ = current.record
        return AuditEvent(operation, Outcome.FAILURE, record_.learner_oid, record_.id, current.oppilaitos_oid)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[tuple[AsyncSession, _Refusals]]:
        """One write transaction; the refusal it notes is audited once it has rolled back.

        Never while it still holds its pooled connection (and an update's FOR UPDATE lock): with
        as many refusals in flight as the pool has connections, each would wait for another's
        connection until the pool timeout (docs/operations.md, "Refused writes").
        """
        async with self._refusals() as refusals, self._transaction() as session:
            yield session, refusals

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction whose first statement takes the idempotency key, if any."""
        async with self.db.write() as session:
            await claims.begin(session, self.claim)
            yield session

    @asynccontextmanager
    async def _failures_audited(self, target: AuditEvent) -> AsyncIterator[None]:
        """A step outside any transaction whose refusal is audited as one of `target` (inside a
        transaction, note it on `_write()`'s refusals instead)."""
        async with self._refusals() as refusals, refusals.audited(target):
            yield

    @asynccontextmanager
    async def _refusals(self) -> AsyncIterator[_Refusals]:
        """Records the refusal noted in the block, after the block (and its transaction) ended."""
        refusals = _Refusals()
        try:
            yield refusals
        except GatewayError:
            if refusals.target is not None:
                # One INSERT, atomic by itself: no transaction around it.
                async with self.db.statement() as session:
                    await record(session, self.scope.principal, [refusals.target], request_id=self.request_id)
            raise


class _Refusals:
    """Refused writes are audited too (outside the rolled-back write)."""

    def __init__(self) -> None:
        self.target: AuditEvent | None = None

    @asynccontextmanager
    async def audited(self, target: AuditEvent) -> AsyncIterator[None]:
        """A GatewayError raised in this block is audited as a refusal of `target` (of the
        innermost such block, the most specific)."""
        try:
            yield
        except GatewayError:
            if self.target is None:
                self.target = target
            raise


def _keep_left_out_fields(document: HoksDocument, stored: Mapping[str, Any]) -> None:
    for key in KEPT_ON_REPLACE:
        name = _FIELD_OF[key]
        if getattr(document, name) is None and key in stored:
            # The stored value passed these same rules when it was written.
            setattr(document, name, stored[key])


def _columns_of(plan: HoksRecord) -> dict[str, Any]:
    return {
        "first_approved_on": plan.first_approved_on,
        "approved_at": plan.approved_at,
        "progress_planned": plan.progress_planned,
        "progress_completes_on": list(plan.progress_completes_on),
    }


def _check_revision(plan: HoksRecord, expected: int | None) -> None:
    if expected is not None and expected != plan.revision:
        raise RevisionConflict(
            f"HOKS {plan.id} is at revision {plan.revision}, not {expected}: read it again and "
            "reapply your change.",
            currentRevision=plan.revision,
        )


def _already_exists(*, deleted: bool) -> HoksAlreadyExists:
    if deleted:
        return HoksAlreadyExists(
            "Archived HOKS with given opiskeluoikeus oid found. Contact eHOKS support for more information."
        )
    return HoksAlreadyExists("HOKS with the same opiskeluoikeus-oid already exists")
