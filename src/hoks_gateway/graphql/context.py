"""The per-request GraphQL context: database, the caller's scope, and a fresh set of loaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TypeVar
from zoneinfo import ZoneInfo

import strawberry
from aiodataloader import DataLoader
from starlette.requests import Request

from hoks_gateway.audit.events import Actor, AuditTrail
from hoks_gateway.audit.folded import Fold, folded
from hoks_gateway.auth.clock import Clock, system_clock
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.compiled.shared import SharedAnswers
from hoks_gateway.graphql.cursors import Cursors, CursorSeal
from hoks_gateway.graphql.loaders import Fetch, K, audited, many_loader, one_loader
from hoks_gateway.hoks import history as hoks_history
from hoks_gateway.hoks import repository as hoks_repo
from hoks_gateway.hoks.analyst_view import analyst_view
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.history import RevisionRecord
from hoks_gateway.hoks.plan_view import PlanWants, plans_read
from hoks_gateway.hoks.repository import HoksRecord, stored_document
from hoks_gateway.learners import repository as learners_repo
from hoks_gateway.learners.learner_view import LearnerWants, learners_read
from hoks_gateway.learners.repository import LearnerRecord, StudyRightRecord
from hoks_gateway.organisations import repository as organisations_repo
from hoks_gateway.organisations.cache import OrganisationCache
from hoks_gateway.organisations.repository import OrganisationRecord

FINLAND = ZoneInfo("Europe/Helsinki")
T = TypeVar("T")
KV = TypeVar("KV")
LV = TypeVar("LV")


class Loaders:
    """The request's DataLoaders, each made on first use (a request needs a few of them).

    Organisation data is public; every loader of personal data is bound to the scope, and what it
    returns goes into the request's audit trail.
    """

    def __init__(
        self,
        db: Database,
        scope: Scope,
        trail: AuditTrail,
        organisations: OrganisationCache | None,
        actor: Callable[[], Actor] | None = None,
    ) -> None:
        self._db = db
        self._scope = scope
        self._trail = trail
        self._organisations = organisations
        self._actor = actor
        self._plan_views: dict[tuple[PlanWants, bool], DataLoader[int, HoksRecord | None]] = {}
        self._learner_views: dict[tuple[LearnerWants, bool], DataLoader[str, LearnerRecord | None]] = {}

    def _learners(self, record: LearnerRecord) -> None:
        self._trail.learner(record.oid)

    def _study_rights(self, record: StudyRightRecord) -> None:
        self._trail.learner(record.learner_oid, record.oppilaitos_oid)

    def _plans(self, record: HoksRecord) -> None:
        self._trail.hoks(record.id, record.learner_oid, record.organisation_oid)

    @cached_property
    def organisation(self) -> DataLoader[str, OrganisationRecord | None]:
        cache = self._organisations
        return one_loader(self._db, organisations_repo.by_oid if cache is None else cache.by_oid)

    @cached_property
    def organisation_children(self) -> DataLoader[str, list[OrganisationRecord]]:
        return many_loader(self._db, organisations_repo.children_of)

    @cached_property
    def learner(self) -> DataLoader[str, LearnerRecord | None]:
        fetch = partial(learners_repo.learners_by_oid, scope=self._scope)
        return one_loader(self._db, audited(fetch, self._learners))

    @cached_property
    def study_right(self) -> DataLoader[str, StudyRightRecord | None]:
        fetch = partial(learners_repo.study_rights_by_oid, scope=self._scope)
        return one_loader(self._db, audited(fetch, self._study_rights))

    @cached_property
    def study_rights_of_learner(self) -> DataLoader[str, list[StudyRightRecord]]:
        fetch = partial(learners_repo.study_rights_of_learners, scope=self._scope)
        return many_loader(self._db, audited(fetch, self._study_rights))

    @cached_property
    def hoks(self) -> DataLoader[int, HoksRecord | None]:
        return one_loader(self._db, audited(partial(hoks_repo.by_id, scope=self._scope), self._plans))

    @cached_property
    def hoks_of_study_right(self) -> DataLoader[str, HoksRecord | None]:
        fetch = partial(hoks_repo.by_study_right, scope=self._scope)
        return one_loader(self._db, audited(fetch, self._plans))

    def _as_seen(self, fetch: Fetch[K, HoksDocument]) -> Fetch[K, HoksDocument]:
        """`fetch`, its documents as the caller may see them: analysts' through their view
        (hoks/analyst_view.py), before any field or export reads them."""
        if not self._scope.pseudonymised:
            return fetch

        async def run(reads: Reads, keys: Sequence[K]) -> Mapping[K, HoksDocument]:
            found = await fetch(reads, keys)
            return {key: self._seen_as(document) for key, document in found.items()}

        return run

    def _seen_as(self, document: HoksDocument) -> HoksDocument:
        return analyst_view(document, self._scope.pseudonyms()) if self._scope.pseudonymised else document

    def _prime_document(self, record: HoksRecord, text: str | None) -> None:
        """The plan's current document, read with its record, for its content fields."""
        if text is not None:
            parsed = stored_document(record.eid, record.revision, text, hoks_repo.parsed_documents(self._db))
            self.hoks_document.prime((record.id, record.revision), self._seen_as(parsed))

    def _fold(self, alone: bool) -> Fold | None:
        """The audit values when the read about to run inserts its own events (audit/folded.py):
        only on the primary, only for the request's only root field (`alone`: nothing else can
        add to its events), and only as the request's first read of personal data."""
        if not alone or self._actor is None or self._db.reads.replicated or not self._trail.fold():
            return None
        return Fold.of(self._actor(), self._trail)

    async def _folding(self, fold: Fold | None, read: Awaitable[T]) -> T:
        """`read`; when it was to write its audit events and failed, the request fails as a
        failed audit insert does: its one error, its data withheld (503 when the database takes
        no writes)."""
        try:
            return await read
        except Exception as error:
            if fold is not None:
                self._trail.unwritten(error)
            raise

    # --- view reads: a root field's levels in one statement (hoks/plan_view.py, learners/learner_view.py)

    def plan_view(self, wants: PlanWants, alone: bool) -> DataLoader[int, HoksRecord | None]:
        """Plans by id as `hoks` does, each read with what `wants` names in the same statement,
        which primes the loaders of those edges; `alone`: for the request's only root field."""
        return _kept(
            self._plan_views,
            (wants, alone),
            lambda: one_loader(self._db, partial(self._read_plans, wants, alone)),
        )

    async def _read_plans(
        self, wants: PlanWants, alone: bool, reads: Reads, ids: Sequence[int]
    ) -> dict[int, HoksRecord]:
        fold = self._fold(alone)
        found = await self._folding(fold, plans_read(reads, ids, self._scope, wants, fold))
        for read in found.values():
            record = read.record
            self._plans(record)
            self.hoks.prime(record.id, record)
            if wants.learner:
                if read.learner is not None:
                    self._learners(read.learner)
                self.learner.prime(record.learner_oid, read.learner)
            if wants.study_right:
                if read.study_right is not None:
                    self._study_rights(read.study_right)
                self.study_right.prime(record.study_right_oid, read.study_right)
            self._prime_document(record, read.document)
        if fold is not None:
            folded(self._trail, [(read.record.learner_oid, plan_id) for plan_id, read in found.items()])
        return {plan_id: read.record for plan_id, read in found.items()}

    def learner_view(self, wants: LearnerWants, alone: bool) -> DataLoader[str, LearnerRecord | None]:
        """Learners by OID as `learner` does, each read as deep as `wants` names in the same
        statement, which primes the loaders of those edges; `alone`: for the request's only root
        field."""
        return _kept(
            self._learner_views,
            (wants, alone),
            lambda: one_loader(self._db, partial(self._read_learners, wants, alone)),
        )

    async def _read_learners(
        self, wants: LearnerWants, alone: bool, reads: Reads, oids: Sequence[str]
    ) -> dict[str, LearnerRecord]:
        fold = self._fold(alone)
        found = await self._folding(fold, learners_read(reads, oids, self._scope, wants, fold))
        # Marked level by level, as the loaders would have marked them.
        for oid, read in found.items():
            self._learners(read.record)
            self.learner.prime(oid, read.record)
        if wants.study_rights:
            for oid, read in found.items():
                for right in read.study_rights:
                    self._study_rights(right.record)
                self.study_rights_of_learner.prime(oid, [right.record for right in read.study_rights])
        if wants.plans:
            for read in found.values():
                for right in read.study_rights:
                    if right.plan is not None:
                        self._plans(right.plan)
                        self._prime_document(right.plan, right.document)
                    self.hoks_of_study_right.prime(right.record.oid, right.plan)
        if fold is not None:
            plans = [right.plan for read in found.values() for right in read.study_rights if right.plan]
            with_plans = {plan.learner_oid for plan in plans}
            events: list[tuple[str, int | None]] = [(plan.learner_oid, plan.id) for plan in plans]
            events += [(oid, None) for oid in found if oid not in with_plans]
            folded(self._trail, events)
        return {oid: read.record for oid, read in found.items()}

    @cached_property
    def hoks_document(self) -> DataLoader[tuple[int, int], HoksDocument | None]:
        """(plan id, the revision its record was read at, or the one shown) -> its content then."""
        parsed = hoks_repo.parsed_documents(self._db)
        fetch = partial(hoks_repo.documents_at, scope=self._scope, parsed=parsed)
        return one_loader(self._db, self._as_seen(fetch))

    @cached_property
    def hoks_revisions(self) -> DataLoader[int, list[RevisionRecord]]:
        return many_loader(self._db, partial(hoks_history.revisions_of, scope=self._scope))

    @cached_property
    def hoks_revision_document(self) -> DataLoader[tuple[int, int], HoksDocument | None]:
        return one_loader(
            self._db, self._as_seen(partial(hoks_history.revision_documents, scope=self._scope))
        )


def _kept(loaders: dict[KV, LV], key: KV, make: Callable[[], LV]) -> LV:
    """The loader kept under `key`, made on first use."""
    loader = loaders.get(key)
    if loader is None:
        loader = loaders[key] = make()
    return loader


@dataclass(slots=True)
class Context:
    db: Database
    request: Request | None = None
    authz: Scope = field(default_factory=Scope)
    """Who is calling and what they may see; an empty Scope is an anonymous caller."""
    clock: Clock = system_clock
    request_id: str | None = None
    audit: AuditTrail = field(default_factory=AuditTrail)
    compiled_execution: bool = False
    """Run queries through graphql/compiled (the app turns it on unless configured off)."""
    cursor_seal: CursorSeal = field(default_factory=CursorSeal.of_this_process)
    """The server's cursor key (the app's, derived from the server secret)."""
    organisations: OrganisationCache | None = None
    """The process's organisations (organisations/cache.py); None: read each time."""
    view_reads: bool = True
    """Read a plan by id, or a learner, with the levels its selection reaches in one statement
    (hoks/plan_view.py, learners/learner_view.py); off: edge by edge."""
    shared_answers: SharedAnswers | None = None
    """Content completed by other requests (graphql/compiled/shared.py): only where the answer is
    written by orjson, which embeds its fragments."""
    operation_id: str | None = None
    """What the request executes, as the server names it (set by the executor)."""
    loaders: Loaders = field(init=False)
    _today: dt.date | None = field(default=None, init=False, repr=False)
    cursors: Cursors = field(init=False)
    """Cursors as this caller's kind may issue and read them."""

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.authz, self.audit, self.organisations, lambda: self.actor)
        self.cursors = Cursors(self.cursor_seal, self.authz.kind)

    @property
    def actor(self) -> Actor:
        """Who acts in this request, as its audit events record it."""
        return Actor(self.authz, self.request_id, self.operation_id)

    @property
    def today(self) -> dt.date:
        """Today in Finland: the date the eHOKS rules and views reason with. Read once per
        request: every part of one answer is judged on the same day (and a plan's ~50 part
        statuses do not each read the clock)."""
        if self._today is None:
            self._today = self.clock().astimezone(FINLAND).date()
        return self._today


Info = strawberry.Info[Context, None]
