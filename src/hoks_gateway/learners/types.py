"""GraphQL types for learners and study rights."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.authz.scope import Scope
from hoks_gateway.graphql.context import Context, Info
from hoks_gateway.graphql.edges import Loaded, edge
from hoks_gateway.graphql.lookahead import one_root_field, selected
from hoks_gateway.graphql.relay import Node
from hoks_gateway.hoks.document.study_right import KOSKI_TYPE
from hoks_gateway.hoks.document.study_right import StudyRightKind as StudyRightKind  # the GraphQL enum
from hoks_gateway.hoks.plan_view import plan_wants
from hoks_gateway.learners.learner_view import LearnerWants
from hoks_gateway.learners.repository import LearnerRecord, StudyRightRecord
from hoks_gateway.organisations.types import organisation_edge

if TYPE_CHECKING:
    from hoks_gateway.hoks.types import Hoks


strawberry.enum(
    StudyRightKind,
    description="Opiskeluoikeuden tyyppi: the kind of study right, one per type in Koski (koodisto "
    "opiskeluoikeudentyyppi). A HOKS is made for VOCATIONAL and TUVA study rights only.",
)
for _value in StudyRightKind.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _code, _description = KOSKI_TYPE[StudyRightKind(_value.value)]
    _value.description = f"{_description} Koski: {_code}."


@strawberry.type(description="Tutkinto: the qualification a study right leads to.")
class Qualification:
    code: str | None = strawberry.field(description="Tutkintokoodi (koulutus koodisto).")
    name_fi: str | None = strawberry.field(description="Tutkinnon nimi suomeksi.")


@strawberry.type(
    description="Opiskeluoikeus: a learner's study right at an oppilaitos, as registered from Koski."
)
class StudyRight(Node):
    oid: strawberry.ID = strawberry.field(
        description="Opiskeluoikeus-OID (1.2.246.562.15.x); for analysts a stable pseudonym."
    )
    kind: StudyRightKind = strawberry.field(description="Opiskeluoikeuden tyyppi (Koski's tyyppi).")
    status: str = strawberry.field(
        description="Opiskeluoikeuden tila in Koski, e.g. lasna, valmistunut, eronnut."
    )
    started_on: dt.date = strawberry.field(description="Alkamispäivä.")
    ended_on: dt.date | None = strawberry.field(
        description="Päättymispäivä: the actual end, once the study right has ended."
    )
    planned_end_on: dt.date | None = strawberry.field(
        description="Arvioitu päättymispäivä: the estimated end, to which work periods are held."
    )
    telma: bool = strawberry.field(
        description="TELMA-suoritus: the study right has a TELMA suoritus (työhön ja itsenäiseen elämään "
        "valmentava koulutus), so its workplace periods need no osa-aikaisuustieto."
    )
    qualification: Qualification | None = strawberry.field(description="Tutkinto.")
    transfer_required: bool = strawberry.field(
        description="Siirtovelvollisuus: the learner's HOKS must be in the service (valid on or after "
        "2019-05-01 and not on a break then, or a new-law HOKS approved on or after 2018-01-01)."
    )
    real_oid: strawberry.Private[str]
    learner_oid: strawberry.Private[str]
    oppilaitos_oid: strawberry.Private[str]
    koulutustoimija_oid: strawberry.Private[str]
    delivering_organisation_oid: strawberry.Private[str | None]

    @classmethod
    def from_record(cls, r: StudyRightRecord, scope: Scope) -> StudyRight:
        qualification = (
            Qualification(code=r.qualification_code, name_fi=r.qualification_name_fi)
            if r.qualification_code or r.qualification_name_fi
            else None
        )
        return cls(
            oid=strawberry.ID(scope.shown(Identifier.STUDY_RIGHT, r.oid)),
            real_oid=r.oid,
            kind=StudyRightKind(r.kind),
            status=r.status,
            started_on=r.started_on,
            ended_on=r.ended_on,
            planned_end_on=r.planned_end_on,
            telma=r.telma,
            qualification=qualification,
            transfer_required=r.transfer_required,
            learner_oid=r.learner_oid,
            oppilaitos_oid=r.oppilaitos_oid,
            koulutustoimija_oid=r.koulutustoimija_oid,
            delivering_organisation_oid=r.delivering_organisation_oid,
        )

    @strawberry.field(description="Global id (Node): the opiskeluoikeus-OID (for analysts the pseudonym).")
    def id(self) -> strawberry.ID:
        return self.oid

    learner = edge(
        Loaded(
            lambda context: context.loaders.learner,
            lambda right: right.learner_oid,
            lambda _, record, context: learner_from(record, context),
        ),
        returns=Annotated["Learner", strawberry.lazy("hoks_gateway.learners.types")] | None,
        description="Oppija: the learner holding this study right.",
    )
    oppilaitos = organisation_edge(
        lambda right: right.oppilaitos_oid, "Oppilaitos: the institution where the studies take place."
    )
    koulutustoimija = organisation_edge(
        lambda right: right.koulutustoimija_oid,
        "Koulutustoimija: the education provider responsible for the studies.",
    )
    delivering_organisation = organisation_edge(
        lambda right: right.delivering_organisation_oid,
        "Hankintakoulutuksen toteuttaja: the organisation delivering training that this study right's "
        "oppilaitos procured (null when none). Its staff may read the study right and its HOKS.",
    )
    hoks = edge(
        Loaded(
            lambda context: context.loaders.hoks_of_study_right,
            lambda right: right.real_oid,
            lambda _, record, context: (
                None if record is None else _hoks_type().from_record(record, context.authz)
            ),
        ),
        returns=Annotated["Hoks", strawberry.lazy("hoks_gateway.hoks.types")] | None,
        description="HOKS: the plan made for this study right (at most one, ever).",
    )


def _hoks_type() -> type[Hoks]:
    from hoks_gateway.hoks.types import Hoks

    return Hoks


@strawberry.type(
    description="Oppija: a learner, identified by the oppijanumero. Analysts see a pseudonym "
    "instead of the oppijanumero and no names."
)
class Learner(Node):
    oid: strawberry.ID = strawberry.field(
        description="Oppijanumero (oppija-OID, 1.2.246.562.24.x); for analysts a stable pseudonym."
    )
    first_names: str | None = strawberry.field(description="Etunimet (null for analysts).")
    calling_name: str | None = strawberry.field(description="Kutsumanimi (null for analysts).")
    surname: str | None = strawberry.field(description="Sukunimi (null for analysts).")
    real_oid: strawberry.Private[str]

    @classmethod
    def from_record(cls, r: LearnerRecord, scope: Scope) -> Learner:
        hidden = scope.pseudonymised
        return cls(
            oid=strawberry.ID(scope.shown(Identifier.LEARNER, r.oid)),
            first_names=None if hidden else r.first_names,
            calling_name=None if hidden else r.calling_name,
            surname=None if hidden else r.surname,
            real_oid=r.oid,
        )

    @strawberry.field(description="Global id (Node): the oppijanumero (for analysts the pseudonym).")
    def id(self) -> strawberry.ID:
        return self.oid

    study_rights = edge(
        Loaded(
            lambda context: context.loaders.study_rights_of_learner,
            lambda learner: learner.real_oid,
            lambda _, records, context: [StudyRight.from_record(r, context.authz) for r in records],
        ),
        returns=list[StudyRight],
        description="Opiskeluoikeudet: the learner's study rights visible to the caller, newest first.",
    )


def learner_from(record: LearnerRecord | None, context: Context) -> Learner | None:
    return None if record is None else Learner.from_record(record, context.authz)


def study_right_from(record: StudyRightRecord | None, context: Context) -> StudyRight | None:
    return None if record is None else StudyRight.from_record(record, context.authz)


async def load_learner(info: Info, oid: str) -> Learner | None:
    """The learner `oid` names (for analysts, a learner pseudonym only)."""
    context = info.context
    real = context.authz.looked_up(Identifier.LEARNER, oid)
    if real is None:
        return None
    if not context.view_reads:
        return learner_from(await context.loaders.learner.load(real), context)
    raw = info._raw_info
    rights = selected(raw, "studyRights")
    wants = LearnerWants(
        study_rights="studyRights" in selected(raw),
        plans="hoks" in rights,
        documents="hoks" in rights and plan_wants(selected(raw, "studyRights", "hoks")).document,
    )
    loader = context.loaders.learner_view(wants, one_root_field(raw))
    return learner_from(await loader.load(real), context)


async def load_study_right(info: Info, oid: str) -> StudyRight | None:
    """The study right `oid` names (for analysts, a study right pseudonym only)."""
    context = info.context
    real = context.authz.looked_up(Identifier.STUDY_RIGHT, oid)
    if real is None:
        return None
    return study_right_from(await context.loaders.study_right.load(real), context)
