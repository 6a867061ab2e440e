"""The per-request GraphQL context: database handle and a fresh set of loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request

from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.loaders import ManyLoader, OneLoader
from hoks_gateway.hoks import repository as hoks_repo
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.learners import repository as learners_repo
from hoks_gateway.learners.repository import LearnerRecord, StudyRightRecord
from hoks_gateway.organisations import repository as organisations_repo
from hoks_gateway.organisations.repository import OrganisationRecord


@dataclass(frozen=True, slots=True)
class Loaders:
    organisation: OneLoader[str, OrganisationRecord]
    organisation_children: ManyLoader[str, OrganisationRecord]
    learner: OneLoader[str, LearnerRecord]
    study_right: OneLoader[str, StudyRightRecord]
    study_rights_of_learner: ManyLoader[str, StudyRightRecord]
    hoks: OneLoader[int, HoksRecord]
    hoks_of_study_right: OneLoader[str, HoksRecord]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            organisation=OneLoader(db, organisations_repo.by_oid),
            organisation_children=ManyLoader(db, organisations_repo.children_of),
            learner=OneLoader(db, learners_repo.learners_by_oid),
            study_right=OneLoader(db, learners_repo.study_rights_by_oid),
            study_rights_of_learner=ManyLoader(db, learners_repo.study_rights_of_learners),
            hoks=OneLoader(db, hoks_repo.by_id),
            hoks_of_study_right=OneLoader(db, hoks_repo.by_study_right),
        )


@dataclass(slots=True)
class Context:
    db: Database
    request: Request | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.create(self.db)


Info = strawberry.Info[Context, None]
