"""The per-request GraphQL context: database handle and a fresh set of loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from aiodataloader import DataLoader
from starlette.requests import Request

from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.loaders import many_loader, one_loader
from hoks_gateway.hoks import repository as hoks_repo
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.learners import repository as learners_repo
from hoks_gateway.learners.repository import LearnerRecord, StudyRightRecord
from hoks_gateway.organisations import repository as organisations_repo
from hoks_gateway.organisations.repository import OrganisationRecord


@dataclass(frozen=True, slots=True)
class Loaders:
    organisation: DataLoader[str, OrganisationRecord | None]
    organisation_children: DataLoader[str, list[OrganisationRecord]]
    learner: DataLoader[str, LearnerRecord | None]
    study_right: DataLoader[str, StudyRightRecord | None]
    study_rights_of_learner: DataLoader[str, list[StudyRightRecord]]
    hoks: DataLoader[int, HoksRecord | None]
    hoks_of_study_right: DataLoader[str, HoksRecord | None]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            organisation=one_loader(db, organisations_repo.by_oid),
            organisation_children=many_loader(db, organisations_repo.children_of),
            learner=one_loader(db, learners_repo.learners_by_oid),
            study_right=one_loader(db, learners_repo.study_rights_by_oid),
            study_rights_of_learner=many_loader(db, learners_repo.study_rights_of_learners),
            hoks=one_loader(db, hoks_repo.by_id),
            hoks_of_study_right=one_loader(db, hoks_repo.by_study_right),
        )


@dataclass(slots=True)
class Context:
    db: Database
    request: Request | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.create(self.db)


Info = strawberry.Info[Context, None]
