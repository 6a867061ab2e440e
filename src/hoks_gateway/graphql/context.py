"""The per-request GraphQL context: database, the caller's scope, and a fresh set of loaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from zoneinfo import ZoneInfo

import strawberry
from aiodataloader import DataLoader
from starlette.requests import Request

from hoks_gateway.audit.events import Actor, AuditTrail
from hoks_gateway.auth.clock import Clock, system_clock
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.cursors import Cursors, CursorSeal
from hoks_gateway.graphql.loaders import Fetch, K, audited, many_loader, one_loader
from hoks_gateway.hoks import history as hoks_history
from hoks_gateway.hoks import repository as hoks_repo
from hoks_gateway.hoks.analyst_view import analyst_view
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.history import RevisionRecord
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.learners import repository as learners_repo
from hoks_gateway.learners.repository import LearnerRecord, StudyRightRecord
from hoks_gateway.organisations import repository as organisations_repo
from hoks_gateway.organisations.cache import OrganisationCache
from hoks_gateway.organisations.repository import OrganisationRecord

FINLAND = ZoneInfo("Europe/Helsinki")


class Loaders:
    """The request's DataLoaders, each made on first use (a request needs a few of them).

    Organisation data is public; every loader of personal data is bound to the scope, and what it
    returns goes into the request's audit trail.
    """

    def __init__(
        self, db: Database, scope: Scope, trail: AuditTrail, organisations: OrganisationCache | None
    ) -> None:
        self._db = db
        self._scope = scope
        self._trail = trail
        self._organisations = organisations

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
        pseudonyms = self._scope.pseudonyms()

        async def run(reads: Reads, keys: Sequence[K]) -> Mapping[K, HoksDocument]:
            found = await fetch(reads, keys)
            return {key: analyst_view(document, pseudonyms) for key, document in found.items()}

        return run

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
    operation_id: str | None = None
    """What the request executes, as the server names it (set by the executor)."""
    loaders: Loaders = field(init=False)
    cursors: Cursors = field(init=False)
    """Cursors as this caller's kind may issue and read them."""

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.authz, self.audit, self.organisations)
        self.cursors = Cursors(self.cursor_seal, self.authz.kind)

    @property
    def actor(self) -> Actor:
        """Who acts in this request, as its audit events record it."""
        return Actor(self.authz, self.request_id, self.operation_id)

    @property
    def today(self) -> dt.date:
        """Today in Finland: the date the eHOKS rules and views reason with."""
        return self.clock().astimezone(FINLAND).date()


Info = strawberry.Info[Context, None]
