"""What analysts see of a plan's document (docs/analyst-view.md): one allow-list, applied once.

The list names, per model class of the document (hoks/document/model.py), the fields analysts
see: coded and structured values (code URIs and versions, dates, instants, counts, scopes,
percentages, booleans, the OIDs of education providers), and the identifiers of people and
study rights, which they see as pseudonyms of the kind named (authz/pseudonyms.py). A field is
looked up along its class's bases, so a field a mixin declares is named once, on the mixin.
Fields that hold parts are walked into. Every other field is null for analysts: free text
(names, contact data, notes, key tasks, descriptions, workplace names) and the records' own ids,
and so is any field added to the model later until it is listed here.

It is applied where the request's documents are loaded (graphql/context.py), before anything
reads them: the typed fields in both executors (graphql-core's and graphql/compiled/), the
`ehoksDocument` export and every revision's document show the same view, and the GraphQL types
make the fields left out nullable (hoks/graphql_parts.py).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from hoks_gateway.authz.pseudonyms import Identifier, Pseudonymiser
from hoks_gateway.hoks.document import model as m


class Shown(Enum):
    """How analysts see a field that is not an identifier."""

    AS_IS = "as is"


AS_IS = Shown.AS_IS
Listed = Shown | Identifier
"""Shown as it is, or as a pseudonym of this kind."""

# The eHOKS terms of each field are in the model's descriptions; the reasons in
# docs/analyst-view.md.
ANALYST_VIEW: Mapping[type[BaseModel], Mapping[str, Listed]] = {
    m.HoksDocument: {
        # Never stored (the plan's own is filled in on the way out), shown as its pseudonym.
        "id": Identifier.HOKS,
        "eid": Identifier.EID,
        "learner_oid": Identifier.LEARNER,
        "study_right_oid": Identifier.STUDY_RIGHT,
        "tuva_study_right_oid": Identifier.STUDY_RIGHT,
        "career_goal_code_uri": AS_IS,
        "career_goal_code_version": AS_IS,
        "version": AS_IS,
        "first_approved_on": AS_IS,
        "approved_at": AS_IS,
        "updated_at": AS_IS,
        "deleted_at": AS_IS,
        "competence_attained_on": AS_IS,
        "needs_competence_acquisition": AS_IS,
        "manual_entry": AS_IS,
    },
    # Parts' fields, on the mixins that declare them.
    m._NationalUnit: {"unit_code_uri": AS_IS, "unit_code_version": AS_IS},
    m._SubjectAreaCode: {"subject_area_code_uri": AS_IS, "subject_area_code_version": AS_IS},
    m._CurriculumDiary: {"curriculum_diary_number": AS_IS},
    m._LocalUnitFields: {"amosaa_id": AS_IS, "scope": AS_IS},
    m._ProviderAndCircumstance: {"education_provider_oid": AS_IS, "essential_circumstance": AS_IS},
    m._Acquiring: {"teaching_and_guidance_hours": AS_IS},
    m._OptionalVerificationProcess: {
        "verification_process_code_uri": AS_IS,
        "verification_process_code_version": AS_IS,
    },
    m._RequiredVerificationProcess: {
        "verification_process_code_uri": AS_IS,
        "verification_process_code_version": AS_IS,
    },
    m.CommonUnitToAcquire: {"education_provider_oid": AS_IS},
    m.PreviousCommonUnit: {"education_provider_oid": AS_IS},
    m.AcquisitionMethod: {
        "starts_on": AS_IS,
        "ends_on": AS_IS,
        "identifier": Identifier.PERIOD,
        "method_code_uri": AS_IS,
        "method_code_version": AS_IS,
        "part_time_percentage": AS_IS,
        "apprenticeship_basis_code_uri": AS_IS,
        "apprenticeship_basis_code_version": AS_IS,
    },
    m.WorkplaceTraining: {"workplace_y_tunnus": Identifier.Y_TUNNUS},
    m.OtherLearningEnvironment: {
        "environment_code_uri": AS_IS,
        "environment_code_version": AS_IS,
        "starts_on": AS_IS,
        "ends_on": AS_IS,
    },
    m.Interruption: {"starts_on": AS_IS, "ends_on": AS_IS},
    m.InstitutionRepresentative: {"institution_oid": AS_IS},
    m.Demonstration: {"starts_on": AS_IS, "ends_on": AS_IS},
    m.DemonstrationOrganiser: {"institution_oid": AS_IS},
    m.DemonstrationEnvironment: {"y_tunnus": Identifier.Y_TUNNUS},
    m.ProviderAssessorOrganisation: {"institution_oid": AS_IS},
    m.WorkingLifeOrganisation: {"y_tunnus": Identifier.Y_TUNNUS},
    m.AssessmentDetails: {"sent_for_assessment_on": AS_IS},
    m.Code: {"uri": AS_IS, "version": AS_IS},
    m.StudyReadinessStudy: {"starts_on": AS_IS, "ends_on": AS_IS},
    m.LearningSupport: {
        "support_type_code_uri": AS_IS,
        "starts_on": AS_IS,
        "ends_on": AS_IS,
        "unit_type_code_uri": AS_IS,
    },
    m.TuvaCoursePart: {
        "course_part_code_uri": AS_IS,
        "course_part_code_version": AS_IS,
        "starts_on": AS_IS,
        "ends_on": AS_IS,
        "scope_weeks": AS_IS,
    },
}


class Treatment(Enum):
    WALK = "walk into its parts"
    NULL = "null"


Applied = Listed | Treatment


def part_models(annotation: Any) -> list[type[BaseModel]]:
    """The models of the parts a field holds (a model, or a list of them), which the view walks
    into; none for a plain value."""
    if get_origin(annotation) is not None:
        return [found for arg in get_args(annotation) for found in part_models(arg)]
    return [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []


def treatment(model: type[BaseModel], name: str) -> Applied:
    """How analysts see the field `name` of `model`."""
    if part_models(model.model_fields[name].annotation):
        return Treatment.WALK
    for base in model.__mro__:
        listed = ANALYST_VIEW.get(base, {}).get(name)
        if listed is not None:
            return listed
    return Treatment.NULL


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, Applied], ...]:
    """The fields of `model` the view changes or walks into, and how."""
    found = ((name, treatment(model, name)) for name in model.model_fields)
    return tuple((name, applied) for name, applied in found if applied is not AS_IS)


def _viewed(model: BaseModel, pseudonyms: Pseudonymiser) -> BaseModel:
    updates: dict[str, Any] = {}
    for name, applied in _plan(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        if applied is Treatment.NULL:
            updates[name] = None
        elif applied is Treatment.WALK:
            if isinstance(value, list):
                items = [_viewed(item, pseudonyms) for item in value]
                if any(new is not old for new, old in zip(items, value, strict=True)):
                    updates[name] = items
            elif (viewed := _viewed(value, pseudonyms)) is not value:
                updates[name] = viewed
        elif isinstance(applied, Identifier):
            updates[name] = pseudonyms.pseudonym(applied, str(value))
    # A copy: the document itself may be the process's cached one (hoks/repository.py).
    return model.model_copy(update=updates) if updates else model


def analyst_view(document: m.HoksDocument, pseudonyms: Pseudonymiser) -> m.HoksDocument:
    """The document as analysts see it."""
    viewed = _viewed(document, pseudonyms)
    assert isinstance(viewed, m.HoksDocument)
    return viewed


def withhold(exported: dict[str, Any], model: type[BaseModel] = m.HoksDocument) -> None:
    """Every field of an exported plan (eHOKS form) that analysts do not see set to null, in
    place: present whether or not the plan fills it, so that which fields a plan fills says
    nothing either, as in the typed fields."""
    for name, info in model.model_fields.items():
        key = info.alias or name
        applied = treatment(model, name)
        if applied is Treatment.NULL:
            exported[key] = None
        elif applied is Treatment.WALK and isinstance(held := exported.get(key), dict | list):
            [part] = part_models(info.annotation)
            for item in held if isinstance(held, list) else [held]:
                withhold(item, part)
