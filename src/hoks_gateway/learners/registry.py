"""The study-right registry sync: learners and their study rights as Koski and ONR know them.

eHOKS fetches the opiskeluoikeus from Koski on every write; the gateway validates against its
own registry instead, kept in step by `upsertStudyRights` / `hoks-gateway import-study-rights`.
One entry is one study right with its learner (OID and names). The whole batch is checked first
and every problem reported at once (BAD_USER_INPUT with violations); then it is written in one
transaction, so a batch lands whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hoks_gateway import identifiers
from hoks_gateway.audit.events import Actor, AuditEvent, record
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Hoks, Learner, Organisation, StudyRight
from hoks_gateway.errors import BadUserInput
from hoks_gateway.hoks.document import StudyRightKind, Violation
from hoks_gateway.hoks.document.violations import from_validation_error
from hoks_gateway.idempotency import claims
from hoks_gateway.idempotency.claims import Claim


class _Entry(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=True, extra="forbid", frozen=True
    )


class LearnerEntry(_Entry):
    """Oppija as ONR knows them."""

    oid: str
    first_names: str = Field(min_length=1)
    calling_name: str | None = None
    surname: str = Field(min_length=1)

    @field_validator("oid")
    @classmethod
    def _learner_oid(cls, value: str) -> str:
        if not identifiers.is_learner_oid(value):
            raise ValueError("Not a valid oppijanumero (1.2.246.562.24.x with its check digit).")
        return value


class StudyRightEntry(_Entry):
    """Opiskeluoikeus as Koski knows it, with its learner."""

    oid: str
    learner: LearnerEntry
    oppilaitos_oid: str
    koulutustoimija_oid: str
    delivering_organisation_oid: str | None = None
    kind: StudyRightKind
    status: str = Field(min_length=1, max_length=40)
    started_on: dt.date
    ended_on: dt.date | None = None
    planned_end_on: dt.date | None = None
    telma: bool = False
    qualification_code: str | None = Field(default=None, max_length=64)
    qualification_name_fi: str | None = None

    @field_validator("oid")
    @classmethod
    def _study_right_oid(cls, value: str) -> str:
        if not identifiers.is_study_right_oid(value):
            raise ValueError("Not a valid opiskeluoikeus OID (1.2.246.562.15.x with its check digit).")
        return value

    @field_validator("oppilaitos_oid", "koulutustoimija_oid", "delivering_organisation_oid")
    @classmethod
    def _organisation_oid(cls, value: str | None) -> str | None:
        if value is not None and not identifiers.is_organisation_oid(value):
            raise ValueError("Not a valid organisation OID (1.2.246.562.10.x).")
        return value

    def organisations(self) -> list[tuple[str, str]]:
        named = [("oppilaitosOid", self.oppilaitos_oid), ("koulutustoimijaOid", self.koulutustoimija_oid)]
        if self.delivering_organisation_oid is not None:
            named.append(("deliveringOrganisationOid", self.delivering_organisation_oid))
        return named


@dataclass(frozen=True, slots=True)
class UpsertResult:
    created: int
    updated: int
    oids: list[str]


def parse_entries(raw: object) -> list[StudyRightEntry]:
    """A JSON list of study rights (the StudyRightInput shape, camelCase) -> entries, or every
    problem at once as BAD_USER_INPUT."""
    if not isinstance(raw, list):
        raise _invalid([Violation("", "Expected a JSON list of study rights.", "type")])
    entries: list[StudyRightEntry] = []
    violations: list[Violation] = []
    for index, item in enumerate(raw):
        try:
            entries.append(StudyRightEntry.model_validate(item))
        except ValidationError as error:
            violations.extend(
                Violation(f"[{index}].{v.path}" if v.path else f"[{index}]", v.message, v.rule)
                for v in from_validation_error(error)
            )
    if violations:
        raise _invalid(violations)
    return entries


async def upsert_study_rights(
    db: Database,
    actor: Actor,
    entries: Sequence[StudyRightEntry],
    *,
    operation: str = "upsertStudyRights",
    claim: Claim | None = None,
) -> UpsertResult:
    now = dt.datetime.now(dt.UTC)
    async with db.write() as session:
        await claims.begin(session, claim)
        known = await _check(session, entries)
        learners = {e.learner.oid: e.learner for e in entries}
        if learners:
            rows: list[dict[str, object]] = [
                {
                    "oid": v.oid,
                    "first_names": v.first_names,
                    "calling_name": v.calling_name,
                    "surname": v.surname,
                }
                for v in learners.values()
            ]
            statement = insert(Learner).values(rows)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[Learner.oid],
                    set_={
                        "first_names": statement.excluded.first_names,
                        "calling_name": statement.excluded.calling_name,
                        "surname": statement.excluded.surname,
                        "updated_at": now,
                    },
                )
            )
        rights = {e.oid: e for e in entries}
        if rights:
            rows = [_study_right_row(e) for e in rights.values()]
            statement = insert(StudyRight).values(rows)
            columns = [name for name in rows[0] if name != "oid"]
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[StudyRight.oid],
                    set_={**{name: statement.excluded[name] for name in columns}, "updated_at": now},
                )
            )
            # A plan's organisation is its study right's oppilaitos: keep them in step.
            await session.execute(
                update(Hoks)
                .where(Hoks.study_right_oid == StudyRight.oid, StudyRight.oid.in_(list(rights)))
                .where(Hoks.organisation_oid != StudyRight.oppilaitos_oid)
                .values(organisation_oid=StudyRight.oppilaitos_oid)
            )
        await record(
            session,
            actor,
            [
                AuditEvent(operation, target_learner_oid=e.learner.oid, organisation_oid=e.oppilaitos_oid)
                for e in rights.values()
            ],
        )
        created = sum(1 for oid in rights if oid not in known)
        result = UpsertResult(created=created, updated=len(rights) - created, oids=list(rights))
        await claims.finish(session, claim, {"upserted": result})
    return result


def _study_right_row(e: StudyRightEntry) -> dict[str, object]:
    return {
        "oid": e.oid,
        "learner_oid": e.learner.oid,
        "oppilaitos_oid": e.oppilaitos_oid,
        "koulutustoimija_oid": e.koulutustoimija_oid,
        "delivering_organisation_oid": e.delivering_organisation_oid,
        "kind": e.kind.value,
        "status": e.status,
        "started_on": e.started_on,
        "ended_on": e.ended_on,
        "planned_end_on": e.planned_end_on,
        "telma": e.telma,
        "qualification_code": e.qualification_code,
        "qualification_name_fi": e.qualification_name_fi,
    }


async def _check(session: AsyncSession, entries: Sequence[StudyRightEntry]) -> set[str]:
    """Every problem the database can tell (unknown organisations, a study right moved to another
    learner while it has a plan); returns the study rights already registered."""
    organisations = {oid for e in entries for _, oid in e.organisations()}
    found = set(
        (await session.execute(select(Organisation.oid).where(Organisation.oid.in_(organisations)))).scalars()
    )
    existing = {
        row.oid: (row.learner_oid, row.has_plan)
        for row in await session.execute(
            text(
                "SELECT sr.oid, sr.learner_oid, EXISTS (SELECT FROM hoks h WHERE h.study_right_oid = sr.oid) "
                "AS has_plan FROM study_rights sr WHERE sr.oid = ANY(:oids) FOR UPDATE"
            ),
            {"oids": [e.oid for e in entries]},
        )
    }
    violations: list[Violation] = []
    for index, entry in enumerate(entries):
        for name, oid in entry.organisations():
            if oid not in found:
                violations.append(
                    Violation(
                        f"[{index}].{name}",
                        f"Organisation `{oid}` is not in the gateway's organisation tree: add it first.",
                        "organisation-not-found",
                    )
                )
        before = existing.get(entry.oid)
        if before is not None and before[0] != entry.learner.oid and before[1]:
            violations.append(
                Violation(
                    f"[{index}].learner.oid",
                    f"Study right `{entry.oid}` belongs to learner `{before[0]}` and has a HOKS: "
                    "moving it to another learner is not supported.",
                    "learner-change-with-plan",
                )
            )
    if violations:
        raise _invalid(violations)
    return set(existing)


def _invalid(violations: Sequence[Violation]) -> BadUserInput:
    count = len(violations)
    return BadUserInput(
        f"The study rights are invalid: {count} violation{'' if count == 1 else 's'}.",
        violations=[v.as_dict() for v in violations],
    )
