"""The per-request GraphQL context: database, the caller's scope, and a fresh set of loaders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

import strawberry
from aiodataloader import DataLoader
from starlette.requests import Request

from hoks_gateway.audit.events import AuditTrail
from hoks_gateway.auth.clock import Clock, system_clock
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.loaders import audited, many_loader, one_loader
from hoks_gateway.hoks import history as hoks_history
from hoks_gateway.hoks import repository as hoks_repo
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.history import RevisionRecord
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.learners import repository as learners_repo
from hoks_gateway.learners.repository import LearnerRecord, StudyRightRecord
from hoks_gateway.organisations import repository as organisations_repo
from hoks_gateway.organisations.repository import OrganisationRecord

FINLAND = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True, slots=True)
class Loaders:
    organisation: DataLoader[str, OrganisationRecord | None]
    organisation_children: DataLoader[str, list[OrganisationRecord]]
    learner: DataLoader[str, LearnerRecord | None]
    study_right: DataLoader[str, StudyRightRecord | None]
    study_rights_of_learner: DataLoader[str, list[StudyRightRecord]]
    hoks: DataLoader[int, HoksRecord | None]
    hoks_of_study_right: DataLoader[str, HoksRecord | None]
    hoks_document: DataLoader[tuple[int, int], HoksDocument | None]
    """(plan id, the revision its record was read at, or the one shown) -> its content then."""
    hoks_revisions: DataLoader[int, list[RevisionRecord]]
    hoks_revision_document: DataLoader[tuple[int, int], HoksDocument | None]

    @classmethod
    def create(cls, db: Database, scope: Scope, trail: AuditTrail) -> Loaders:
        # Organisation data is public; every loader of personal data is bound to the scope, and
        # what it returns goes into the request's audit trail.
        def learners(record: LearnerRecord) -> None:
            trail.learner(record.oid)

        def study_rights(record: StudyRightRecord) -> None:
            trail.learner(record.learner_oid, record.oppilaitos_oid)

        def plans(record: HoksRecord) -> None:
            trail.hoks(record.id, record.learner_oid, record.organisation_oid)

        return cls(
            organisation=one_loader(db, organisations_repo.by_oid),
            organisation_children=many_loader(db, organisations_repo.children_of),
            learner=one_loader(db, audited(partial(learners_repo.learners_by_oid, scope=scope), learners)),
            study_right=one_loader(
                db, audited(partial(learners_repo.study_rights_by_oid, scope=scope), study_rights)
            ),
            study_rights_of_learner=many_loader(
                db, audited(partial(learners_repo.study_rights_of_learners, scope=scope), study_rights)
            ),
            hoks=one_loader(db, audited(partial(hoks_repo.by_id, scope=scope), plans)),
            hoks_of_study_right=one_loader(
                db, audited(partial(hoks_repo.by_study_right, scope=scope), plans)
            ),
            hoks_document=one_loader(
                db,
                partial(hoks_repo.documents_at, scope=scope, parsed=hoks_repo.parsed_documents(db)),
            ),
            hoks_revisions=many_loader(db, partial(hoks_history.revisions_of, scope=scope)),
            hoks_revision_document=one_loader(db, partial(hoks_history.revision_documents, scope=scope)),
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
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.create(self.db, self.authz, self.audit)

    @property
    def today(self) -> dt.date:
        """Today in Finland: the date the eHOKS rules and views reason with."""
        return self.clock().astimezone(FINLAND).date()


Info = strawberry.Info[Context, None]
