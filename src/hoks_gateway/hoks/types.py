"""GraphQL types for HOKS plans (top level; the parts come from the stored document)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from hoks_gateway.graphql.context import Info
from hoks_gateway.hoks.content import add_content_fields, ehoks_export
from hoks_gateway.hoks.document import PartStatus, progress
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.learners.types import Learner, StudyRight, load_learner, load_study_right
from hoks_gateway.organisations.types import Organisation, load_organisation


@strawberry.enum(description="How the plan reached the gateway.")
class HoksSource(Enum):
    TRANSFER = strawberry.enum_value("TRANSFER", description="Siirto: transferred by a provider's system.")
    MANUAL = strawberry.enum_value("MANUAL", description="Manuaalisyöttö: entered by hand by staff.")


@strawberry.type(description="Edistyminen: counts of competences to acquire by status.")
class HoksProgress:
    planned: int = strawberry.field(description="Suunniteltu: no dates agreed yet.")
    scheduled: int = strawberry.field(description="Aikataulutettu: dates agreed, not yet completed.")
    completed: int = strawberry.field(description="Valmis: every demonstration is over.")

    @strawberry.field(description="All competences to acquire.")
    def total(self) -> int:
        return self.planned + self.scheduled + self.completed


@strawberry.type(
    description="HOKS (henkilökohtainen osaamisen kehittämissuunnitelma): a learner's personal "
    "competence development plan, one per study right."
)
@add_content_fields
class Hoks:
    id: strawberry.ID = strawberry.field(description="HOKS-id.")
    eid: uuid.UUID = strawberry.field(description="eid: the plan's stable external UUID.")
    first_approved_on: dt.date = strawberry.field(
        description="Ensikertainen hyväksyminen: the date the plan was first approved."
    )
    approved_at: dt.datetime | None = strawberry.field(
        description="Hyväksytty: the latest approval time, as reported by the source system."
    )
    updated_at: dt.datetime = strawberry.field(
        description="When the gateway last stored a change to the plan."
    )
    revision: int = strawberry.field(
        description="Revision number: how many accepted writes the plan has had."
    )
    source: HoksSource = strawberry.field(description="Siirto or manuaalisyöttö.")
    study_right_oid: strawberry.Private[str]
    learner_oid: strawberry.Private[str]
    organisation_oid: strawberry.Private[str]
    record: strawberry.Private[HoksRecord]

    @classmethod
    def from_record(cls, r: HoksRecord) -> Hoks:
        return cls(
            id=strawberry.ID(str(r.id)),
            eid=r.eid,
            first_approved_on=r.first_approved_on,
            approved_at=r.approved_at,
            updated_at=r.updated_at,
            revision=r.revision,
            source=HoksSource(r.source),
            study_right_oid=r.study_right_oid,
            learner_oid=r.learner_oid,
            organisation_oid=r.organisation_oid,
            record=r,
        )

    @strawberry.field(description="Opiskeluoikeus: the study right the plan is for.")
    async def study_right(self, info: Info) -> StudyRight | None:
        return await load_study_right(info, self.study_right_oid)

    @strawberry.field(description="Oppija: the learner whose plan this is.")
    async def learner(self, info: Info) -> Learner | None:
        return await load_learner(info, self.learner_oid)

    @strawberry.field(description="Oppilaitos: the institution responsible for the plan.")
    async def organisation(self, info: Info) -> Organisation | None:
        return await load_organisation(info, self.organisation_oid)

    @strawberry.field(
        description="The whole plan in the eHOKS transfer format (kebab-case JSON), as eHOKS returns "
        "it on GET: id, eid and manuaalisyotto filled in."
    )
    async def ehoks_document(self, info: Info) -> JSON | None:
        document = await info.context.loaders.hoks_document.load(self.record.id)
        if document is None:
            return None
        return cast(JSON, ehoks_export(self.record, document, info.context.authz))

    @strawberry.field(
        description="Edistyminen: how many competences to acquire are planned, scheduled and completed "
        "(the statuses the eHOKS views compute, counted once on the server)."
    )
    async def progress(self, info: Info) -> HoksProgress | None:
        document = await info.context.loaders.hoks_document.load(self.record.id)
        if document is None:
            return None
        statuses = [p.status for p in progress(document, info.context.today)]
        return HoksProgress(
            planned=statuses.count(PartStatus.PLANNED),
            scheduled=statuses.count(PartStatus.SCHEDULED),
            completed=statuses.count(PartStatus.COMPLETED),
        )


async def load_hoks(info: Info, hoks_id: str) -> Hoks | None:
    try:
        key = int(hoks_id)
    except ValueError:
        return None
    record = await info.context.loaders.hoks.load(key)
    return None if record is None else Hoks.from_record(record)
