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

Every accepted write commits its plan row, its revision (the whole document as it then stood,
and the changed paths) and its audit event together or not at all: one statement writes them,
inside a transaction or, for a create without an idempotency key, on its own
(hoks/statements.py). Updates
lock the plan row first (SELECT ... FOR UPDATE), so concurrent writes to one plan never
interleave and `expectedRevision` is compared with the revision that is really being replaced.
Under an idempotency key the key is that transaction's first statement and its outcome (the
plan's record) one of its last (idempotency/claims.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import orjson
from sqlalchemy import Select, String, any_, bindparam, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from hoks_gateway import identifiers
from hoks_gateway.audit.events import Actor, AuditEvent, Outcome, record
from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.authz.policy import require_privilege
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.faults import database_fault, waiting_for_lock
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
from hoks_gateway.graphql.masking import client_error
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
from hoks_gateway.hoks.document.codec import random_module_id
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.hoks.statements import InTransaction, OnTheirOwn, Row, Statements, built
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
# The audit event of each `plan` the statement wrote, and the plans' records.
_AUDIT_AND_RECORDS = """
    , audit AS (
        INSERT INTO audit_events (request_id, principal_kind, principal_id, principal_organisation_oid,
                                  organisation_oid, operation, operation_id, outcome, target_learner_oid,
                                  target_hoks_id)
        SELECT :request_id, :principal_kind, :principal_id,
               CAST(:own_organisations AS jsonb) ->> organisation_oid, organisation_oid,
               :audit_operation, :operation_id, 'SUCCESS', learner_oid, id
        FROM plan
    )
    SELECT id, eid, study_right_oid, learner_oid, organisation_oid, first_approved_on, approved_at,
           updated_at, revision, source, deleted_at, progress_planned, progress_completes_on
    FROM plan
"""
# The revision of the `plan` an update wrote.
_REVISION = """
    , revision AS (
        INSERT INTO hoks_revisions (hoks_id, number, at, principal_kind, principal_id, organisation_oid,
                                    operation, source, document, changed_paths)
        SELECT id, revision, :now, :principal_kind, :principal_id, :principal_organisation, :operation,
               :source, CAST(:document AS jsonb), CAST(:paths AS text[])
        FROM plan
    )
"""
# Every plan of a create (one or a batch) and its revision, from one JSON array of plans
# (jsonb_to_recordset: a plan's progress days are an array of its own, which unnest cannot pair
# up). The revision's document is the plan row's, not the parameter again.
_INSERT_PLANS = """
    WITH input AS (
        SELECT * FROM jsonb_to_recordset(CAST(:plans AS jsonb)) AS p(
            study_right_oid varchar, learner_oid varchar, organisation_oid varchar,
            first_approved_on date, approved_at timestamptz, progress_planned integer,
            progress_completes_on date[], paths text[], document jsonb)
    ), plan AS (
        INSERT INTO hoks (study_right_oid, learner_oid, organisation_oid, first_approved_on,
                          approved_at, created_at, updated_at, revision, source, document,
                          progress_planned, progress_completes_on)
        SELECT study_right_oid, learner_oid, organisation_oid, first_approved_on, approved_at, :now,
               :now, 1, :source, document, progress_planned, progress_completes_on
        FROM input
        ON CONFLICT (study_right_oid) DO NOTHING
        RETURNING *
    ), revision AS (
        INSERT INTO hoks_revisions (hoks_id, number, at, principal_kind, principal_id, organisation_oid,
                                    operation, source, document, changed_paths)
        SELECT plan.id, plan.revision, :now, :principal_kind, :principal_id,
               coalesce(CAST(:principal_organisation AS varchar), plan.organisation_oid), 'CREATE',
               :source, plan.document, input.paths
        FROM plan JOIN input USING (study_right_oid)
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
_INSERT_MANY = text(_INSERT_PLANS + _AUDIT_AND_RECORDS)
_UPDATE = text(_UPDATE_PLAN + _REVISION + _AUDIT_AND_RECORDS)

_tuva = aliased(StudyRight, name="tuva")


def _learner_tuva_oids(learner_oid: Any) -> Any:
    """The TUVA study rights of the learner `learner_oid` (a column), as one array."""
    return (
        select(func.coalesce(func.array_agg(_tuva.oid), literal([], ARRAY(String))))
        .where(_tuva.learner_oid == learner_oid, _tuva.kind == "TUVA")
        .scalar_subquery()
    )


def _study_rights(scope: Scope) -> Select[Any]:
    """The study rights (`oids`) that creates name, whether the caller reaches each, and its
    learner's TUVA study rights: one statement for any number of documents."""
    return select(
        StudyRight.oid,
        StudyRight.oppilaitos_oid,
        StudyRight.learner_oid,
        StudyRight.kind,
        StudyRight.status,
        StudyRight.started_on,
        StudyRight.planned_end_on,
        StudyRight.telma,
        scope.study_right_visible().label("visible"),
        _learner_tuva_oids(StudyRight.learner_oid).label("learner_tuva_oids"),
    ).where(StudyRight.oid == any_(bindparam("oids", type_=ARRAY(String))))


_REGISTERED_LEARNERS = select(Learner.oid).where(
    Learner.oid == any_(bindparam("learners", type_=ARRAY(String)))
)
_EXISTING_PLANS = text(
    "SELECT study_right_oid, deleted_at IS NOT NULL AS deleted FROM hoks WHERE study_right_oid = ANY(:oids)"
).bindparams(bindparam("oids", type_=ARRAY(String)))

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
    """A plan as an accepted write left it; `document` is None once it is deleted, and for the
    plans of a batch (its answer shows none of them)."""

    record: HoksRecord
    document: HoksDocument | None

    def as_json(self) -> dict[str, Any]:
        """The outcome an idempotent retry gets (HoksRecord.from_json reads the record back)."""
        return {"hoks": self.record}


@dataclass(frozen=True, slots=True)
class Refused:
    """A document a create refused, and the audit event of the refusal."""

    error: GatewayError
    audit: AuditEvent

    def as_json(self) -> dict[str, Any]:
        return {"error": {"message": self.error.message, "extensions": self.error.extensions}}


Created = Written | Refused
"""What a create made of one document."""


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A document that passed every check of a create, to be written."""

    index: int
    study_right_oid: str
    learner_oid: str
    oppilaitos_oid: str
    row: bytes
    """The plan's row of the insert's `plans` (JSON), made when it was accepted."""
    document: HoksDocument | None
    """Kept for the answer of a single create; a batch lets each plan's model go at once
    (bench/README.md, "Every way a plan is written": its objects were most of what the garbage
    collector scanned)."""


@dataclass(frozen=True, slots=True)
class _CreateTarget:
    learner_oid: str
    oppilaitos_oid: str


def _refusal(operation: str, target: _CreateTarget | None) -> AuditEvent:
    """The audit event of a refused create: whose study right, if the caller may know it."""
    if target is None:
        return AuditEvent(operation, Outcome.FAILURE)
    return AuditEvent(operation, Outcome.FAILURE, target.learner_oid, None, target.oppilaitos_oid)


def plans_json(rows: Sequence[bytes]) -> str:
    """The JSON array of rows each already encoded: the text orjson gives the list of them."""
    return (b"[" + b",".join(rows) + b"]").decode()


def _study_right_oid(body: object) -> str | None:
    """The well-formed opiskeluoikeus-oid a create names, if any."""
    oid = body.get("opiskeluoikeus-oid") if isinstance(body, Mapping) else None
    return oid if isinstance(oid, str) and identifiers.is_study_right_oid(oid) else None


@dataclass(frozen=True, slots=True)
class _Author:
    principal: Principal
    manual: bool
    """Staff and admins enter plans by hand (manuaalisyöttö); service accounts transfer them."""

    @property
    def source(self) -> Source:
        return "MANUAL" if self.manual else "TRANSFER"

    def organisation(self, plan_organisation: str | None) -> str | None:
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


def facts_of(oid: str, row: Row, prefix: str = "") -> StudyRightFacts:
    """StudyRightFacts from a row with kind/status/started_on/planned_end_on/learner_oid/telma."""

    def get(name: str) -> Any:
        return row[prefix + name]

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
    operation_id: str | None = None
    """The server's identifier of the request's operation, for the audit trail."""

    @property
    def actor(self) -> Actor:
        return Actor(self.scope, self.request_id, self.operation_id)

    def _audited_by(self, organisations: Iterable[str]) -> dict[str, str | None]:
        """What the statements' own `audit` part records of the actor beside the principal: the
        request, the operation id, and the caller's own organisation for the plans of each
        organisation written (a JSON object the statement looks each plan's up in)."""
        own = {oid: self.scope.own_organisation(oid) for oid in set(organisations)}
        return {
            "request_id": self.request_id,
            "operation_id": self.operation_id,
            "own_organisations": orjson.dumps(own).decode(),
        }

    # --- create -----------------------------------------------------------------------------

    async def create(self, body: Mapping[str, Any], *, operation: str = "createHoks") -> Written:
        author = self._author()
        if _study_right_oid(body) is None:
            async with self._failures_audited(AuditEvent(operation, Outcome.FAILURE)):
                self._judge_alone(body, author)
        if self.claim is None:
            # The lookup, then the write as one statement committed as it runs
            # (hoks/statements.py): what a transaction around them held, it holds alone.
            async with self._refusals() as refusals:
                return await self._create_one(OnTheirOwn(self.db), refusals, author, body, operation)
        # Under a key, one transaction from the key to the outcome.
        async with self._write() as (session, refusals):
            created = await self._create_one(InTransaction(session), refusals, author, body, operation)
            await self._finish(session, created)
        return created

    async def _create_one(
        self,
        statements: Statements,
        refusals: _Refusals,
        author: _Author,
        body: Mapping[str, Any],
        operation: str,
    ) -> Written:
        """A batch of one, its refusal raised."""
        [created] = await self._create_all(
            statements, author, [body], operation, isolated=False, keep_documents=True
        )
        if isinstance(created, Refused):
            refusals.refuse(created)
        return created

    async def create_batch(
        self, bodies: Sequence[object], *, operation: str = "importEhoksDocuments"
    ) -> list[Created]:
        """Create a plan of each document, in one transaction: every document judged as `create`
        judges it, the accepted ones written together (each plan in a savepoint of its own only
        if the database refuses one of them), the refusals audited with them. One result per
        document, in order; the idempotency key's outcome is all of them."""
        author = self._author()
        async with self._transaction() as session:
            created = await self._create_all(
                InTransaction(session), author, bodies, operation, isolated=True, keep_documents=False
            )
            refusals = [c.audit for c in created if isinstance(c, Refused)]
            await record(session, self.actor, refusals)
            await claims.finish(session, self.claim, {"results": [c.as_json() for c in created]})
        return created

    async def _create_all(
        self,
        statements: Statements,
        author: _Author,
        bodies: Sequence[object],
        operation: str,
        *,
        isolated: bool,
        keep_documents: bool,
    ) -> list[Created]:
        """Judge every document against the registry (read once for all of them), then write the
        accepted ones with one statement. `isolated`: a plan the database refuses is left out
        alone (savepoints, so `statements` must be InTransaction) instead of failing the
        transaction. `keep_documents`: each Written
        holds its plan's model (else None)."""
        results: dict[int, Created] = {}
        named: dict[int, str] = {}
        for index, body in enumerate(bodies):
            oid = _study_right_oid(body)
            if oid is not None:
                named[index] = oid
                continue
            try:
                self._judge_alone(body, author)
            except GatewayError as error:
                results[index] = Refused(error, AuditEvent(operation, Outcome.FAILURE))
        rights = await self._study_rights(statements, named.values())
        registered = await self._registered_learners(statements, bodies, named, rights)
        accepted: list[_Accepted] = []
        taken: set[str] = set()
        for index, oid in named.items():
            body = bodies[index]
            assert isinstance(body, Mapping)
            right = rights.get(oid)
            try:
                if right is None or not self._reaches(right["visible"], right["oppilaitos_oid"]):
                    # Unknown and out of reach read alike: nothing about it reaches the caller.
                    # eHOKS's words (docs/reference/ehoks-backend.md §3): the registry is the
                    # gateway's Koski.
                    raise StudyRightNotFound(
                        f"Opiskeluoikeus `{oid}` not found in Koski. (The gateway's study-right "
                        "registry, its copy of Koski, has no such study right among those you may see.)"
                    )
                learner = body.get("oppija-oid")
                document = parse_ehoks(
                    body,
                    mode="create",
                    manual=author.manual,
                    study_right=facts_of(oid, right),
                    today=self.today,
                    learner_registered=learner == right["learner_oid"] or learner in registered,
                    new_module_id=random_module_id,
                )
                require_privilege(self.scope, right["oppilaitos_oid"], Privilege.WRITE)
                if oid in taken:  # twice in one batch: the first one is the plan
                    raise _already_exists(deleted=False)
            except GatewayError as error:
                target = (
                    None if right is None else _CreateTarget(right["learner_oid"], right["oppilaitos_oid"])
                )
                results[index] = Refused(error, _refusal(operation, target))
                continue
            taken.add(oid)
            learner_oid, oppilaitos_oid = right["learner_oid"], right["oppilaitos_oid"]
            row = self._plan_row(oid, learner_oid, oppilaitos_oid, document)
            kept = document if keep_documents else None
            accepted.append(_Accepted(index, oid, learner_oid, oppilaitos_oid, row, kept))
        results |= await self._insert(statements, author, accepted, operation, isolated=isolated)
        return [results[index] for index in range(len(bodies))]

    def _judge_alone(self, body: object, author: _Author) -> None:
        """A document naming no well-formed study right: its own violations say why (raises)."""
        parse_ehoks(body, mode="create", manual=author.manual, study_right=None, today=self.today)
        raise AssertionError("parse_ehoks requires a well-formed opiskeluoikeus-oid")

    async def _study_rights(self, statements: Statements, oids: Iterable[str]) -> dict[str, Row]:
        wanted = sorted(set(oids))
        if not wanted:
            return {}
        rows = await statements.rows(
            ("study_rights", self.scope.kind),
            lambda: _study_rights(self.scope),
            {"oids": wanted, **self.scope.parameters},
        )
        return {row["oid"]: row for row in rows}

    async def _registered_learners(
        self,
        statements: Statements,
        bodies: Sequence[object],
        named: Mapping[int, str],
        rights: Mapping[str, Row],
    ) -> frozenset[str]:
        """Which of the learners named by documents for another learner's study right are in the
        registry (eHOKS words the two refusals differently); usually none are asked about."""
        others = set()
        for index, oid in named.items():
            body, right = bodies[index], rights.get(oid)
            learner = body.get("oppija-oid") if isinstance(body, Mapping) else None
            if right is not None and isinstance(learner, str) and learner != right["learner_oid"]:
                others.add(learner)
        if not others:
            return frozenset()
        found = await statements.rows(
            "registered_learners", lambda: _REGISTERED_LEARNERS, {"learners": sorted(others)}
        )
        return frozenset(row["oid"] for row in found)

    async def _insert(
        self,
        statements: Statements,
        author: _Author,
        accepted: Sequence[_Accepted],
        operation: str,
        *,
        isolated: bool,
    ) -> dict[int, Created]:
        if not accepted:
            return {}
        if not isolated:
            return await self._insert_rows(statements, author, accepted, operation)
        assert isinstance(statements, InTransaction), "savepoints need a transaction"
        session = statements.connection
        try:
            async with session.begin_nested():
                return await self._insert_rows(statements, author, accepted, operation)
        except DBAPIError as error:
            if database_fault(error) is not None:
                raise
        # The database refused one of them (a trigger, a constraint): each plan on its own, so
        # that only what it refuses is left out.
        results: dict[int, Created] = {}
        for plan in accepted:
            try:
                async with session.begin_nested():
                    results |= await self._insert_rows(statements, author, [plan], operation)
            except DBAPIError as error:
                if database_fault(error) is not None:
                    raise
                target = _CreateTarget(plan.learner_oid, plan.oppilaitos_oid)
                results[plan.index] = Refused(client_error(error, operation), _refusal(operation, target))
        return results

    @classmethod
    def _plan_row(
        cls, study_right_oid: str, learner_oid: str, oppilaitos_oid: str, document: HoksDocument
    ) -> bytes:
        stored = to_storage(document)
        return orjson.dumps(
            {
                "study_right_oid": study_right_oid,
                "learner_oid": learner_oid,
                "organisation_oid": oppilaitos_oid,
                **cls._columns(document, stored),
                "paths": list(stored),
                "document": stored,
            }
        )

    async def _insert_rows(
        self, statements: Statements, author: _Author, accepted: Sequence[_Accepted], operation: str
    ) -> dict[int, Created]:
        """One statement: every plan, its revision and its audit event (a study right that has a
        plan already is skipped by ON CONFLICT, also against a concurrent create)."""
        rows = await statements.write(
            "insert_plans",
            lambda: _INSERT_MANY,
            {
                "plans": plans_json([plan.row for plan in accepted]),
                "now": self.clock(),
                "source": author.source,
                "principal_kind": author.principal.kind.value,
                "principal_id": author.principal.id,
                "principal_organisation": author.organisation(None),
                **self._audited_by(plan.oppilaitos_oid for plan in accepted),
                "audit_operation": operation,
            },
        )
        written = {row["study_right_oid"]: HoksRecord(*row.values()) for row in rows}
        statements.audit_rows(len(written))  # the statement's `audit` part
        results: dict[int, Created] = {}
        taken = [plan.study_right_oid for plan in accepted if plan.study_right_oid not in written]
        deleted: dict[str, bool] = {}
        if taken:
            existing = await statements.rows("existing_plans", lambda: _EXISTING_PLANS, {"oids": taken})
            deleted = {row["study_right_oid"]: row["deleted"] for row in existing}
        for plan in accepted:
            record_ = written.get(plan.study_right_oid)
            if record_ is not None:
                results[plan.index] = Written(record_, plan.document)
            else:
                target = _CreateTarget(plan.learner_oid, plan.oppilaitos_oid)
                error = _already_exists(deleted=deleted.get(plan.study_right_oid, False))
                results[plan.index] = Refused(error, _refusal(operation, target))
        return results

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
                    new_module_id=None if mode == "patch" else random_module_id,
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
        self, session: AsyncConnection, refusals: _Refusals, hoks_id: int, operation: str
    ) -> _Current:
        """_lock, with a plan out of reach (or none) audited as a refused `operation` on that id."""
        async with refusals.audited(AuditEvent(operation, Outcome.FAILURE, None, hoks_id)):
            return await self._lock(session, hoks_id)

    async def _lock(self, session: AsyncConnection, hoks_id: int, *, deleted: bool = False) -> _Current:
        state = Hoks.deleted_at.is_not(None) if deleted else Hoks.deleted_at.is_(None)
        # Waits while another write of the plan holds it: a timeout here is PLAN_BUSY, not a
        # request too big (docs/operations.md).
        statement = built(
            ("lock", self.scope.kind, deleted),
            lambda: (
                select(*_CURRENT)
                .join(_sr, _sr.oid == Hoks.study_right_oid)
                .where(Hoks.id == bindparam("hoks_id"), state, self.scope.hoks_visible())
                .with_for_update(of=Hoks)
            ),
        )
        async with waiting_for_lock(f"HOKS {hoks_id}"):
            row = (
                await session.execute(statement, {"hoks_id": hoks_id, **self.scope.parameters})
            ).one_or_none()
        if row is None:
            what = "deleted HOKS" if deleted else "HOKS"
            raise NotFound(f"No {what} with id {hoks_id} is visible to you.")
        return _Current(
            record=HoksRecord(*row[: len(_RECORD_FIELDS)]),
            document=row.document,
            oppilaitos_oid=row.sr_oppilaitos_oid,
            facts=facts_of(row.study_right_oid, row._mapping, "sr_"),
        )

    async def _store(
        self,
        session: AsyncConnection,
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
            columns = self._columns(document, stored)
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
                    **self._audited_by([current.oppilaitos_oid]),
                    "audit_operation": audit_operation,
                },
            )
        ).one()
        prometheus.audit_rows_written(session.info, 1)  # the statement's `audit` part
        written = Written(HoksRecord(*row), None if operation == "DELETE" else document)
        await self._finish(session, written)
        return written

    async def _finish(self, session: AsyncConnection, written: Written) -> None:
        """The outcome an idempotent retry gets: the plan's record as this write left it."""
        await claims.finish(session, self.claim, written.as_json())

    @staticmethod
    def _columns(document: HoksDocument, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The plan row's columns of `document`; `stored` is its to_storage form (its progress
        is read off that, which costs less than off the model)."""
        assert document.first_approved_on is not None, "create and replace require it; patch keeps it"
        progress = PlanProgress.of_stored(stored)
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
    async def _write(self) -> AsyncIterator[tuple[AsyncConnection, _Refusals]]:
        """One write transaction; the refusal it notes is audited once it has rolled back.

        Never while it still holds its pooled connection (and an update's FOR UPDATE lock): with
        as many refusals in flight as the pool has connections, each would wait for another's
        connection until the pool timeout (docs/operations.md, "Refused writes").
        """
        async with self._refusals() as refusals, self._transaction() as session:
            yield session, refusals

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction whose first statement takes the idempotency key, if any."""
        async with self.db.transaction() as session:
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
                    await record(session, self.actor, [refusals.target])
            raise


class _Refusals:
    """Refused writes are audited too (outside the rolled-back write)."""

    def __init__(self) -> None:
        self.target: AuditEvent | None = None

    def refuse(self, refused: Refused) -> NoReturn:
        """Raise the refusal, audited as its own event (the most specific, as `audited`)."""
        if self.target is None:
            self.target = refused.audit
        raise refused.error

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
