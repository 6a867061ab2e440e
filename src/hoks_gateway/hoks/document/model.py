"""The HOKS document as eHOKS defines it (docs/reference/ehoks-backend.md §1.1, §1.4), as pydantic models.

Attribute names are English; every field's alias is its exact eHOKS key, and documents are read
and written by alias only, so the Python names never leak into the wire format. Every map is
closed (an unknown key is an error, as in eHOKS). Optional fields default to None and are left
out when dumped, so a key that was absent stays absent.

The models hold the union of what eHOKS accepts and returns (GET adds `id`, `eid`,
`manuaalisyotto` and `module-id`s); which of those a given write may carry is decided by the
rules, per write mode (rules.py), not by the types.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hoks_gateway.hoks.document.formats import (
    EhoksDate,
    InstructorPhone,
    Integer,
    KoulutuksenOsaKoodiUri,
    LearnerOid,
    NonEmptyText,
    OppimisenTuenTyyppiKoodiUri,
    OppimisymparistoKoodiUri,
    OppisopimuksenPerustaKoodiUri,
    OrganisationOid,
    OsaAlueKoodiUri,
    OsaamisenHankkimistapaKoodiUri,
    StudyRightOid,
    TeachingHours,
    Text,
    Timestamp,
    TodentamisenProsessiKoodiUri,
    TutkinnonOsaKoodiUri,
    TutkinnonOsanRyhmaKoodiUri,
    TuvaScope,
    UrasuunnitelmaKoodiUri,
    YTunnus,
)


class EhoksModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
    )


# --- People, organisations, codes -------------------------------------------------------------


class Code(EhoksModel):
    """Koodisto-koodi: a code from the national code service (Koodisto)."""

    uri: Text = Field(
        alias="koodi-uri", description="Koodi-URI: the code's URI, e.g. ammatillisenoppiaineet_ku."
    )
    version: Integer = Field(alias="koodi-versio", description="Koodin versio: the code's version.")


class ProviderAssessorOrganisation(EhoksModel):
    """Koulutuksen järjestäjän arvioijan organisaatio: the education provider an assessor works for."""

    institution_oid: OrganisationOid | None = Field(
        default=None,
        alias="oppilaitos-oid",
        description="Oppilaitos-OID: the institution's organisation OID.",
    )


class WorkingLifeOrganisation(EhoksModel):
    """Työelämäorganisaatio: the workplace organisation of a working-life assessor."""

    name: Text = Field(alias="nimi", description="Nimi: the organisation's name.")
    y_tunnus: YTunnus | None = Field(
        default=None, alias="y-tunnus", description="Y-tunnus: the Finnish business ID, if it has one."
    )


class DemonstrationEnvironment(EhoksModel):
    """Näyttöympäristö: the organisation and setting where competence is demonstrated."""

    name: Text = Field(alias="nimi", description="Nimi: the organisation's name.")
    y_tunnus: YTunnus | None = Field(
        default=None, alias="y-tunnus", description="Y-tunnus: the Finnish business ID, if it has one."
    )
    description: Text | None = Field(
        default=None,
        alias="kuvaus",
        description="Kuvaus: what kind of environment it is, e.g. a flower shop or a simulator.",
    )


class WorkplaceInstructor(EhoksModel):
    """Vastuullinen työpaikkaohjaaja: the instructor responsible for the learner at the workplace."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    name: Text = Field(alias="nimi", description="Nimi: the instructor's name.")
    email: Text | None = Field(default=None, alias="sahkoposti", description="Sähköposti: e-mail address.")
    phone: InstructorPhone | None = Field(
        default=None, alias="puhelinnumero", description="Puhelinnumero: phone number (digits, spaces, -+())."
    )


class InstitutionRepresentative(EhoksModel):
    """Oppilaitoshenkilö: a representative of an education provider (järjestäjän/hankkijan edustaja)."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    name: Text = Field(alias="nimi", description="Nimi: the person's name.")
    role: Text | None = Field(default=None, alias="rooli", description="Rooli: the person's role.")
    institution_oid: OrganisationOid = Field(
        alias="oppilaitos-oid", description="Oppilaitos-OID: the institution's organisation OID."
    )


class DemonstrationOrganiser(EhoksModel):
    """Näytön järjestäjä: the organiser of a demonstration of competence."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    institution_oid: OrganisationOid | None = Field(
        default=None,
        alias="oppilaitos-oid",
        description="Oppilaitos-OID: organisation OID at any level (office, school, provider).",
    )


class ProviderAssessor(EhoksModel):
    """Koulutuksen järjestäjän arvioija: an assessor from the education provider."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    name: Text = Field(alias="nimi", description="Nimi: the assessor's name.")
    organisation: ProviderAssessorOrganisation = Field(
        alias="organisaatio", description="Organisaatio: the assessor's institution (may be empty)."
    )


class WorkingLifeAssessor(EhoksModel):
    """Työelämän arvioija: an assessor from working life."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    name: Text = Field(alias="nimi", description="Nimi: the assessor's name.")
    organisation: WorkingLifeOrganisation = Field(
        alias="organisaatio", description="Organisaatio: the assessor's workplace organisation."
    )


class AssessmentDetails(EhoksModel):
    """Todennettu arviointi, lisätiedot: details when prior competence was verified by assessors."""

    sent_for_assessment_on: EhoksDate | None = Field(
        default=None,
        alias="lahetetty-arvioitavaksi",
        description="Lähetetty arvioitavaksi: the date the competence was sent for assessment.",
    )
    assessors: list[ProviderAssessor] | None = Field(
        default=None,
        alias="aiemmin-hankitun-osaamisen-arvioijat",
        description="Aiemmin hankitun osaamisen arvioijat: the assessors of the prior competence.",
    )


# --- Osaamisen hankkimistapa (how competence is acquired) ------------------------------------


class WorkplaceTraining(EhoksModel):
    """Työpaikalla järjestettävä koulutus: the workplace of an apprenticeship or training agreement."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    responsible_instructor: WorkplaceInstructor = Field(
        alias="vastuullinen-tyopaikka-ohjaaja",
        description="Vastuullinen työpaikkaohjaaja: the responsible workplace instructor.",
    )
    workplace_name: Text = Field(alias="tyopaikan-nimi", description="Työpaikan nimi: the workplace's name.")
    workplace_y_tunnus: YTunnus | None = Field(
        default=None,
        alias="tyopaikan-y-tunnus",
        description="Työpaikan Y-tunnus: the workplace's business ID (needed on periods after 2021-08-25).",
    )
    key_tasks: list[Text] = Field(
        alias="keskeiset-tyotehtavat", description="Keskeiset työtehtävät: the main work tasks."
    )


class OtherLearningEnvironment(EhoksModel):
    """Muu oppimisympäristö: another learning environment where competence is acquired."""

    environment_code_uri: OppimisymparistoKoodiUri = Field(
        alias="oppimisymparisto-koodi-uri",
        description="Oppimisympäristö: code URI in Koodisto oppimisymparistot, e.g. oppimisymparistot_0001.",
    )
    environment_code_version: Integer = Field(
        alias="oppimisymparisto-koodi-versio", description="The version of the oppimisympäristö code."
    )
    starts_on: EhoksDate = Field(alias="alku", description="Alku: the first day.")
    ends_on: EhoksDate = Field(alias="loppu", description="Loppu: the last day.")


class Interruption(EhoksModel):
    """Keskeytymisajanjakso: a period when acquiring competence at the workplace was interrupted."""

    starts_on: EhoksDate = Field(alias="alku", description="Alku: the first day of the interruption.")
    ends_on: EhoksDate | None = Field(
        default=None, alias="loppu", description="Loppu: the last day; absent while it lasts."
    )


class AcquisitionMethod(EhoksModel):
    """Osaamisen hankkimistapa: one period and way of acquiring competence (e.g. a workplace period)."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS (read-only).")
    module_id: uuid.UUID | None = Field(
        default=None, alias="module-id", description="Module-id: the part's UUID, filled by the server."
    )
    starts_on: EhoksDate = Field(alias="alku", description="Alku: the first day of the period.")
    ends_on: EhoksDate = Field(alias="loppu", description="Loppu: the last day of the period.")
    identifier: NonEmptyText | None = Field(
        default=None,
        alias="yksiloiva-tunniste",
        description="Yksilöivä tunniste: the source system's stable id of the period within the HOKS.",
    )
    period_specifier: Text | None = Field(
        default=None,
        alias="ajanjakson-tarkenne",
        description="Ajanjakson tarkenne: free text refining the period.",
    )
    method_code_uri: OsaamisenHankkimistapaKoodiUri = Field(
        alias="osaamisen-hankkimistapa-koodi-uri",
        description="Osaamisen hankkimistapa: code URI, e.g. osaamisenhankkimistapa_koulutussopimus.",
    )
    method_code_version: Integer = Field(
        alias="osaamisen-hankkimistapa-koodi-versio",
        description="The version of the osaamisen hankkimistapa code.",
    )
    provider_representative: InstitutionRepresentative | None = Field(
        default=None,
        alias="jarjestajan-edustaja",
        description="Järjestäjän edustaja: the education provider's representative.",
    )
    procurer_representative: InstitutionRepresentative | None = Field(
        default=None,
        alias="hankkijan-edustaja",
        description="Hankkijan edustaja: representative of the provider that procured the apprenticeship.",
    )
    workplace_training: WorkplaceTraining | None = Field(
        default=None,
        alias="tyopaikalla-jarjestettava-koulutus",
        description="Työpaikalla järjestettävä koulutus: the workplace of an apprenticeship or training "
        "agreement.",
    )
    other_learning_environments: list[OtherLearningEnvironment] | None = Field(
        default=None,
        alias="muut-oppimisymparistot",
        description="Muut oppimisympäristöt: other learning environments.",
    )
    part_time_percentage: Integer | None = Field(
        default=None,
        alias="osa-aikaisuustieto",
        description="Osa-aikaisuustieto: working time in percent, 1–100 (100 = full time).",
    )
    apprenticeship_basis_code_uri: OppisopimuksenPerustaKoodiUri | None = Field(
        default=None,
        alias="oppisopimuksen-perusta-koodi-uri",
        description="Oppisopimuksen perusta: the apprenticeship's basis, e.g. oppisopimuksenperusta_01.",
    )
    apprenticeship_basis_code_version: Integer | None = Field(
        default=None,
        alias="oppisopimuksen-perusta-koodi-versio",
        description="The version of the oppisopimuksen perusta code.",
    )
    interruptions: list[Interruption] | None = Field(
        default=None,
        alias="keskeytymisajanjaksot",
        description="Keskeytymisajanjaksot: interruption periods, which must not overlap.",
    )


# --- Osaamisen osoittaminen (demonstration of competence) ------------------------------------


class Demonstration(EhoksModel):
    """Osaamisen osoittaminen: a demonstration (näyttö) or other showing of competence."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS (read-only).")
    module_id: uuid.UUID | None = Field(
        default=None, alias="module-id", description="Module-id: the part's UUID, filled by the server."
    )
    organiser: DemonstrationOrganiser | None = Field(
        default=None, alias="jarjestaja", description="Järjestäjä: the organiser of the demonstration."
    )
    subject_areas: list[Code] | None = Field(
        default=None,
        alias="osa-alueet",
        description="Osa-alueet: common-unit subject areas included in the demonstration.",
    )
    environment: DemonstrationEnvironment = Field(
        alias="nayttoymparisto", description="Näyttöympäristö: where the competence is demonstrated."
    )
    content_descriptions: list[Text] = Field(
        alias="sisallon-kuvaus",
        description="Sisällön kuvaus: the work situations and processes through which competence is shown.",
    )
    starts_on: EhoksDate = Field(alias="alku", description="Alku: the first day.")
    ends_on: EhoksDate = Field(alias="loppu", description="Loppu: the last day.")
    provider_assessors: list[ProviderAssessor] | None = Field(
        default=None,
        alias="koulutuksen-jarjestaja-osaamisen-arvioijat",
        description="Koulutuksen järjestäjän arvioijat: assessors from the education provider.",
    )
    working_life_assessors: list[WorkingLifeAssessor] | None = Field(
        default=None,
        alias="tyoelama-osaamisen-arvioijat",
        description="Työelämän arvioijat: assessors from working life.",
    )
    deviation_from_requirements: Text | None = Field(
        default=None,
        alias="vaatimuksista-tai-tavoitteista-poikkeaminen",
        description="Vaatimuksista tai tavoitteista poikkeaminen: requirements deviated from.",
    )
    individual_criteria: list[Text] | None = Field(
        default=None,
        alias="yksilolliset-kriteerit",
        description="Yksilölliset arviointikriteerit: individual assessment criteria.",
    )


# --- Parts shared fields ---------------------------------------------------------------------


class _PartIds(EhoksModel):
    id: Integer | None = Field(default=None, description="Id: the part's id in eHOKS (read-only).")
    module_id: uuid.UUID | None = Field(
        default=None, alias="module-id", description="Module-id: the part's UUID, filled by the server."
    )


class _ProviderAndCircumstance(EhoksModel):
    education_provider_oid: OrganisationOid | None = Field(
        default=None,
        alias="koulutuksen-jarjestaja-oid",
        description="Koulutuksen järjestäjä: organisation OID of the provider that carries out the part.",
    )
    essential_circumstance: StrictBool | None = Field(
        default=None,
        alias="olennainen-seikka",
        description="Olennainen seikka: the provider deems some circumstance essential to this part.",
    )


class _Deviation(EhoksModel):
    deviation_from_requirements: Text | None = Field(
        default=None,
        alias="vaatimuksista-tai-tavoitteista-poikkeaminen",
        description="Vaatimuksista tai tavoitteista poikkeaminen: deviation from the requirements or goals.",
    )


class _Acquiring(EhoksModel):
    acquisition_methods: list[AcquisitionMethod] | None = Field(
        default=None,
        alias="osaamisen-hankkimistavat",
        description="Osaamisen hankkimistavat: how and when the competence is acquired.",
    )
    demonstrations: list[Demonstration] | None = Field(
        default=None,
        alias="osaamisen-osoittaminen",
        description="Osaamisen osoittaminen: demonstrations of the competence.",
    )
    teaching_and_guidance_hours: TeachingHours | None = Field(
        default=None,
        alias="opetus-ja-ohjaus-maara",
        description="Opetus- ja ohjausmäärä: planned hours of teaching and guidance.",
    )


class _Verification(EhoksModel):
    verification_demonstrations: list[Demonstration] | None = Field(
        default=None,
        alias="tarkentavat-tiedot-naytto",
        description="Tarkentavat tiedot, näyttö: the demonstrations, if verified by demonstration.",
    )
    verification_assessment: AssessmentDetails | None = Field(
        default=None,
        alias="tarkentavat-tiedot-osaamisen-arvioija",
        description="Tarkentavat tiedot, osaamisen arvioija: details, if verified by assessors.",
    )


class _OptionalVerificationProcess(EhoksModel):
    verification_process_code_uri: TodentamisenProsessiKoodiUri | None = Field(
        default=None,
        alias="valittu-todentamisen-prosessi-koodi-uri",
        description="Valittu todentamisen prosessi: how prior competence was verified "
        "(osaamisentodentamisenprosessi_0001 directly, _0002 by assessors, _0003 by demonstration).",
    )
    verification_process_code_version: Integer | None = Field(
        default=None,
        alias="valittu-todentamisen-prosessi-koodi-versio",
        description="The version of the todentamisen prosessi code.",
    )


class _RequiredVerificationProcess(EhoksModel):
    verification_process_code_uri: TodentamisenProsessiKoodiUri = Field(
        alias="valittu-todentamisen-prosessi-koodi-uri",
        description="Valittu todentamisen prosessi: how prior competence was verified "
        "(osaamisentodentamisenprosessi_0001 directly, _0002 by assessors, _0003 by demonstration).",
    )
    verification_process_code_version: Integer = Field(
        alias="valittu-todentamisen-prosessi-koodi-versio",
        description="The version of the todentamisen prosessi code.",
    )


class _NationalUnit(EhoksModel):
    unit_code_uri: TutkinnonOsaKoodiUri = Field(
        alias="tutkinnon-osa-koodi-uri",
        description="Tutkinnon osa: code URI in ePerusteet (tutkinnonosat), e.g. tutkinnonosat_100002.",
    )
    unit_code_version: Integer = Field(
        alias="tutkinnon-osa-koodi-versio", description="The version of the tutkinnon osa code."
    )


class _CurriculumDiary(EhoksModel):
    curriculum_diary_number: Text | None = Field(
        default=None,
        alias="tutkinnon-osan-perusteen-diaarinro",
        description="Perusteen diaarinumero: diary number of the curriculum the unit was taken from.",
    )


class _LocalUnitFields(EhoksModel):
    amosaa_id: Text | None = Field(
        default=None,
        alias="amosaa-tunniste",
        description="AMOSAA-tunniste: the unit's id in ePerusteet AMOSAA.",
    )
    name: Text | None = Field(default=None, alias="nimi", description="Nimi: the unit's name.")
    scope: Integer | None = Field(
        default=None, alias="laajuus", description="Laajuus: the unit's scope in competence points."
    )
    goals_and_contents: Text | None = Field(
        default=None,
        alias="tavoitteet-ja-sisallot",
        description="Tavoitteet ja sisällöt: the local unit's requirements and goals.",
    )


class _SubjectAreaCode(EhoksModel):
    subject_area_code_uri: OsaAlueKoodiUri = Field(
        alias="osa-alue-koodi-uri",
        description="Osa-alue: code URI in Koodisto ammatillisenoppiaineet, e.g. ammatillisenoppiaineet_ku.",
    )
    subject_area_code_version: Integer = Field(
        alias="osa-alue-koodi-versio", description="The version of the osa-alue code."
    )


# --- Hankittavat (to be acquired) ------------------------------------------------------------


class VocationalUnitToAcquire(
    _Acquiring, _ProviderAndCircumstance, _Deviation, _CurriculumDiary, _NationalUnit, _PartIds
):
    """Hankittava ammatillinen tutkinnon osa (HATO): a vocational unit the learner is to acquire."""


class LocalUnitToAcquire(_Acquiring, _ProviderAndCircumstance, _Deviation, _LocalUnitFields, _PartIds):
    """Hankittava paikallinen tutkinnon osa (HPTO): a local unit the learner is to acquire."""


class CommonUnitAreaToAcquire(_Acquiring, _ProviderAndCircumstance, _Deviation, _SubjectAreaCode, _PartIds):
    """Hankittavan yhteisen tutkinnon osan osa-alue: a subject area of a common unit to acquire."""


class CommonUnitToAcquire(_NationalUnit, _PartIds):
    """Hankittava yhteinen tutkinnon osa (HYTO): a common unit the learner is to acquire."""

    education_provider_oid: OrganisationOid | None = Field(
        default=None,
        alias="koulutuksen-jarjestaja-oid",
        description="Koulutuksen järjestäjä: organisation OID of the provider that carries out the unit.",
    )
    subject_areas: list[CommonUnitAreaToAcquire] = Field(
        alias="osa-alueet", description="Osa-alueet: the unit's subject areas."
    )


# --- Aiemmin hankitut (previously acquired) --------------------------------------------------


class PreviousVocationalUnit(
    _Verification,
    _OptionalVerificationProcess,
    _ProviderAndCircumstance,
    _Deviation,
    _CurriculumDiary,
    _NationalUnit,
    _PartIds,
):
    """Aiemmin hankittu ammatillinen tutkinnon osa (AHATO): a vocational unit acquired earlier."""


class PreviousLocalUnit(
    _Verification,
    _RequiredVerificationProcess,
    _ProviderAndCircumstance,
    _Deviation,
    _LocalUnitFields,
    _PartIds,
):
    """Aiemmin hankittu paikallinen tutkinnon osa (AHPTO): a local unit acquired earlier."""


class PreviousCommonUnitArea(
    _Verification,
    _RequiredVerificationProcess,
    _ProviderAndCircumstance,
    _Deviation,
    _SubjectAreaCode,
    _PartIds,
):
    """Aiemmin hankitun yhteisen tutkinnon osan osa-alue: a subject area of a common unit acquired earlier."""


class PreviousCommonUnit(_Verification, _OptionalVerificationProcess, _NationalUnit, _PartIds):
    """Aiemmin hankittu yhteinen tutkinnon osa (AHYTO): a common unit acquired earlier."""

    education_provider_oid: OrganisationOid | None = Field(
        default=None,
        alias="koulutuksen-jarjestaja-oid",
        description="Koulutuksen järjestäjä: organisation OID of the provider that verified the unit.",
    )
    subject_areas: list[PreviousCommonUnitArea] = Field(
        alias="osa-alueet", description="Osa-alueet: the unit's subject areas."
    )


# --- Other parts -----------------------------------------------------------------------------


class StudyReadinessStudy(EhoksModel):
    """Opiskeluvalmiuksia tukevat opinnot (OTO): studies supporting study skills (being phased out)."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    name: Text = Field(alias="nimi", description="Nimi: the studies' name.")
    description: Text = Field(alias="kuvaus", description="Kuvaus: the studies' description.")
    starts_on: EhoksDate = Field(alias="alku", description="Alku: the first day.")
    ends_on: EhoksDate = Field(alias="loppu", description="Loppu: the last day.")


class LearningSupport(EhoksModel):
    """Oppimisen tuki: learning support given to the learner (valid from 2026-08-01)."""

    support_type_code_uri: OppimisenTuenTyyppiKoodiUri = Field(
        alias="oppimisen-tuen-tyyppi-koodi-uri",
        description="Oppimisen tuen tyyppi: code URI, _01 tukiopetus by a teacher, _02/_03 other support.",
    )
    starts_on: EhoksDate | None = Field(
        default=None, alias="alku", description="Alku: first day; given only for tukiopetus (_01)."
    )
    ends_on: EhoksDate | None = Field(
        default=None, alias="loppu", description="Loppu: last day; given only for tukiopetus (_01)."
    )
    unit_type_code_uri: TutkinnonOsanRyhmaKoodiUri | None = Field(
        default=None,
        alias="tutkinnon-osan-tyyppi-koodi-uri",
        description="Tutkinnon osan tyyppi: _1 vocational, _2 common unit; given only for tukiopetus (_01).",
    )


class TuvaCoursePart(EhoksModel):
    """Hankittava koulutuksen osa: a TUVA course part (TUVA HOKS only)."""

    id: Integer | None = Field(default=None, description="Id: the record's id in eHOKS.")
    course_part_code_uri: KoulutuksenOsaKoodiUri = Field(
        alias="koulutuksen-osa-koodi-uri",
        description="Koulutuksen osa: code URI (koulutuksenosattuva), e.g. koulutuksenosattuva_104.",
    )
    course_part_code_version: Integer = Field(
        alias="koulutuksen-osa-koodi-versio", description="The version of the koulutuksen osa code."
    )
    starts_on: EhoksDate = Field(alias="alku", description="Alku: the first day.")
    ends_on: EhoksDate = Field(alias="loppu", description="Loppu: the last day.")
    scope_weeks: TuvaScope = Field(alias="laajuus", description="Laajuus: the scope in TUVA weeks (≥ 0).")


# --- The HOKS --------------------------------------------------------------------------------


class HoksDocument(EhoksModel):
    """HOKS (henkilökohtainen osaamisen kehittämissuunnitelma): a learner's personal competence
    development plan, in the eHOKS document form."""

    id: Integer | None = Field(default=None, description="Id: the HOKS's id (server-filled).")
    eid: Text | None = Field(default=None, description="Eid: the HOKS's external UUID (server-filled).")
    learner_oid: LearnerOid | None = Field(
        default=None, alias="oppija-oid", description="Oppija-OID: the learner's OID."
    )
    study_right_oid: StudyRightOid | None = Field(
        default=None,
        alias="opiskeluoikeus-oid",
        description="Opiskeluoikeus-OID: the study right the plan belongs to (immutable).",
    )
    tuva_study_right_oid: StudyRightOid | None = Field(
        default=None,
        alias="tuva-opiskeluoikeus-oid",
        description="TUVA-opiskeluoikeus-OID: a parallel TUVA study right of a vocational HOKS.",
    )
    email: Text | None = Field(
        default=None, alias="sahkoposti", description="Sähköposti: the learner's e-mail."
    )
    phone: Text | None = Field(
        default=None, alias="puhelinnumero", description="Puhelinnumero: the learner's phone number."
    )
    career_goal_code_uri: UrasuunnitelmaKoodiUri | None = Field(
        default=None,
        alias="urasuunnitelma-koodi-uri",
        description="Urasuunnitelma: the learner's goal, code URI e.g. urasuunnitelma_0001.",
    )
    career_goal_code_version: Integer | None = Field(
        default=None,
        alias="urasuunnitelma-koodi-versio",
        description="The version of the urasuunnitelma code.",
    )
    version: Integer | None = Field(
        default=None, alias="versio", description="Versio: the document version given by the source system."
    )
    first_approved_on: EhoksDate | None = Field(
        default=None,
        alias="ensikertainen-hyvaksyminen",
        description="Ensikertainen hyväksyminen: the date the plan was first approved.",
    )
    approved_at: Timestamp | None = Field(
        default=None,
        alias="hyvaksytty",
        description="Hyväksytty: the latest approval time, as reported by the source system.",
    )
    updated_at: Timestamp | None = Field(
        default=None,
        alias="paivitetty",
        description="Päivitetty: the latest update time, as reported by the source system.",
    )
    deleted_at: Timestamp | None = Field(
        default=None,
        alias="poistettu",
        description="Poistettu: soft-delete time (read-only; eHOKS shows it to Vipunen only).",
    )
    competence_attained_on: EhoksDate | None = Field(
        default=None,
        alias="osaamisen-saavuttamisen-pvm",
        description="Osaamisen saavuttamisen päivämäärä: the date the agreed competence was attained.",
    )
    needs_competence_acquisition: StrictBool | None = Field(
        default=None,
        alias="osaamisen-hankkimisen-tarve",
        description="Osaamisen hankkimisen tarve: whether recognition found a need to acquire competence.",
    )
    manual_entry: StrictBool | None = Field(
        default=None,
        alias="manuaalisyotto",
        description="Manuaalisyöttö: the plan was entered by hand by staff (server-filled).",
    )
    previous_vocational_units: list[PreviousVocationalUnit] | None = Field(
        default=None,
        alias="aiemmin-hankitut-ammat-tutkinnon-osat",
        description="Aiemmin hankitut ammatilliset tutkinnon osat (AHATO): vocational units acquired "
        "earlier.",
    )
    previous_local_units: list[PreviousLocalUnit] | None = Field(
        default=None,
        alias="aiemmin-hankitut-paikalliset-tutkinnon-osat",
        description="Aiemmin hankitut paikalliset tutkinnon osat (AHPTO): local units acquired earlier.",
    )
    previous_common_units: list[PreviousCommonUnit] | None = Field(
        default=None,
        alias="aiemmin-hankitut-yhteiset-tutkinnon-osat",
        description="Aiemmin hankitut yhteiset tutkinnon osat (AHYTO): common units acquired earlier.",
    )
    vocational_units: list[VocationalUnitToAcquire] | None = Field(
        default=None,
        alias="hankittavat-ammat-tutkinnon-osat",
        description="Hankittavat ammatilliset tutkinnon osat (HATO): vocational units to acquire.",
    )
    local_units: list[LocalUnitToAcquire] | None = Field(
        default=None,
        alias="hankittavat-paikalliset-tutkinnon-osat",
        description="Hankittavat paikalliset tutkinnon osat (HPTO): local units to acquire.",
    )
    common_units: list[CommonUnitToAcquire] | None = Field(
        default=None,
        alias="hankittavat-yhteiset-tutkinnon-osat",
        description="Hankittavat yhteiset tutkinnon osat (HYTO): common units to acquire.",
    )
    study_readiness_studies: list[StudyReadinessStudy] | None = Field(
        default=None,
        alias="opiskeluvalmiuksia-tukevat-opinnot",
        description="Opiskeluvalmiuksia tukevat opinnot (OTO): studies supporting study skills.",
    )
    learning_support: list[LearningSupport] | None = Field(
        default=None, alias="oppimisen-tuki", description="Oppimisen tuki: learning support measures."
    )
    tuva_course_parts: list[TuvaCoursePart] | None = Field(
        default=None,
        alias="hankittavat-koulutuksen-osat",
        description="Hankittavat koulutuksen osat: TUVA course parts to acquire (TUVA HOKS only).",
    )

    def acquisition_methods(self) -> list[AcquisitionMethod]:
        """Every osaamisen hankkimistapa of the plan, at every nesting level."""
        found: list[AcquisitionMethod] = []
        for unit in (*(self.vocational_units or ()), *(self.local_units or ())):
            found.extend(unit.acquisition_methods or ())
        for common in self.common_units or ():
            for area in common.subject_areas:
                found.extend(area.acquisition_methods or ())
        return found


PART_ARRAYS: tuple[str, ...] = (
    "aiemmin-hankitut-ammat-tutkinnon-osat",
    "aiemmin-hankitut-paikalliset-tutkinnon-osat",
    "aiemmin-hankitut-yhteiset-tutkinnon-osat",
    "hankittavat-ammat-tutkinnon-osat",
    "hankittavat-paikalliset-tutkinnon-osat",
    "hankittavat-yhteiset-tutkinnon-osat",
    "opiskeluvalmiuksia-tukevat-opinnot",
    "oppimisen-tuki",
    "hankittavat-koulutuksen-osat",
)
"""The nine part arrays of a HOKS, by their eHOKS keys."""
