"""`upsertStudyRights`: the registry sync in the graph (ADMIN)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry

from hoks_gateway.graphql.context import Info
from hoks_gateway.idempotency.extension import pending_claim
from hoks_gateway.learners.registry import StudyRightEntry, parse_entries, upsert_study_rights
from hoks_gateway.learners.types import StudyRight, StudyRightKind, load_study_right


@strawberry.input(description="Oppija as the learner register (ONR) knows them.")
class LearnerInput:
    oid: strawberry.ID = strawberry.field(description="Oppijanumero (learner OID, 1.2.246.562.24.x).")
    first_names: str = strawberry.field(description="Etunimet.")
    surname: str = strawberry.field(description="Sukunimi.")
    calling_name: str | None = strawberry.field(default=None, description="Kutsumanimi.")


@strawberry.input(description="Opiskeluoikeus as Koski knows it, with its learner.")
class StudyRightInput:
    oid: strawberry.ID = strawberry.field(description="Opiskeluoikeus-OID (1.2.246.562.15.x).")
    learner: LearnerInput = strawberry.field(description="The learner whose study right it is.")
    oppilaitos_oid: strawberry.ID = strawberry.field(description="Oppilaitos (must be registered).")
    koulutustoimija_oid: strawberry.ID = strawberry.field(description="Koulutustoimija (must be registered).")
    kind: StudyRightKind = strawberry.field(
        description="Opiskeluoikeuden tyyppi (Koski's tyyppi.koodiarvo, by its name here)."
    )
    status: str = strawberry.field(description="Koski's latest tila, e.g. lasna, valmistunut, eronnut.")
    started_on: dt.date = strawberry.field(description="Alkamispäivä.")
    ended_on: dt.date | None = strawberry.field(
        default=None, description="Päättymispäivä: the actual end, once the study right has ended."
    )
    planned_end_on: dt.date | None = strawberry.field(
        default=None,
        description="Arvioitu päättymispäivä: the estimated end; work periods must end by it (kept apart "
        "from endedOn, the actual end).",
    )
    telma: bool = strawberry.field(
        default=False,
        description="TELMA-suoritus: the study right has a suoritus of Koski type telma or "
        "telmakoulutuksenosa (työhön ja itsenäiseen elämään valmentava koulutus).",
    )
    delivering_organisation_oid: strawberry.ID | None = strawberry.field(
        default=None, description="Hankintakoulutus: the organisation delivering procured training."
    )
    qualification_code: str | None = strawberry.field(default=None, description="Tutkintokoodi.")
    qualification_name_fi: str | None = strawberry.field(default=None, description="Tutkinnon nimi.")


@strawberry.type(description="What the registry sync did.")
class UpsertStudyRightsPayload:
    created: int = strawberry.field(description="Study rights new to the registry.")
    updated: int = strawberry.field(description="Study rights that were already registered.")
    oids: strawberry.Private[list[str]]

    @classmethod
    async def replayed(
        cls, info: Info, outcome: Mapping[str, Any], operation: str
    ) -> UpsertStudyRightsPayload:
        """A retried sync's answer: its first counts; `studyRights` as they are registered now."""
        upserted = outcome["upserted"]
        return cls(created=upserted["created"], updated=upserted["updated"], oids=upserted["oids"])

    @strawberry.field(description="The study rights as now registered, in the order sent.")
    async def study_rights(self, info: Info) -> list[StudyRight]:
        found = await asyncio.gather(*(load_study_right(info, oid) for oid in self.oids))
        return [right for right in found if right is not None]


def _as_json(value: StudyRightInput) -> dict[str, object]:
    raw = strawberry.asdict(value)
    raw["kind"] = value.kind.value
    return raw


async def upsert_study_rights_resolver(info: Info, input: list[StudyRightInput]) -> UpsertStudyRightsPayload:
    entries: list[StudyRightEntry] = parse_entries([_as_json(item) for item in input])
    context = info.context
    result = await upsert_study_rights(context.db, context.actor, entries, claim=pending_claim())
    return UpsertStudyRightsPayload(created=result.created, updated=result.updated, oids=result.oids)


upsert = strawberry.mutation(
    resolver=upsert_study_rights_resolver,
    description="Rekisteröi opiskeluoikeudet: add or update study rights and their learners, as Koski and "
    "ONR know them (ADMIN). The organisations must already be registered. All or nothing; every problem "
    "is reported at once.",
)
