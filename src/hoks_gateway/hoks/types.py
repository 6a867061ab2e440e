"""GraphQL types for HOKS plans (top level; the parts come from the stored document)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import cast

import strawberry
from strawberry.scalars import JSON

from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.authz.scope import Scope
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.edges import Loaded, edge
from hoks_gateway.graphql.lookahead import one_root_field, selected
from hoks_gateway.graphql.pagination import Connection
from hoks_gateway.graphql.relay import Node
from hoks_gateway.hoks.content import add_content_fields, ehoks_export
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.hoks.enums import HoksSource
from hoks_gateway.hoks.history import RevisionRecord, as_of, parse_date, parse_instant
from hoks_gateway.hoks.ids import hoks_id as parse_hoks_id
from hoks_gateway.hoks.plan_view import plan_wants
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.hoks.revisions import Approval, HoksRevision, approvals, revision_page
from hoks_gateway.learners.types import Learner, StudyRight, learner_from, study_right_from
from hoks_gateway.organisations.types import organisation_edge


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
class Hoks(Node):
    id: strawberry.ID = strawberry.field(description="HOKS-id; for analysts a stable pseudonym.")
    eid: uuid.UUID = strawberry.field(
        description="eid: the plan's stable external UUID; for analysts a stable pseudonym (a UUID of "
        "version 8)."
    )
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
    as_of_revision: strawberry.Private[int | None] = None
    """Set when the plan is shown as it stood at an earlier moment: the revision shown."""

    @classmethod
    def from_record(cls, r: HoksRecord, scope: Scope, as_of_revision: int | None = None) -> Hoks:
        return cls(
            id=strawberry.ID(scope.shown(Identifier.HOKS, str(r.id))),
            eid=uuid.UUID(scope.shown(Identifier.EID, str(r.eid))) if scope.pseudonymised else r.eid,
            first_approved_on=r.first_approved_on,
            approved_at=r.approved_at,
            updated_at=r.updated_at,
            revision=r.revision,
            source=HoksSource(r.source),
            study_right_oid=r.study_right_oid,
            learner_oid=r.learner_oid,
            organisation_oid=r.organisation_oid,
            record=r,
            as_of_revision=as_of_revision,
        )

    @property
    def shown_revision(self) -> int:
        return self.record.revision if self.as_of_revision is None else self.as_of_revision

    @property
    def document_key(self) -> tuple[int, int]:
        """The `hoks_document` key of the content shown: that of the revision the record was read
        at, never a later write's (or of the version shown `asOf` a moment)."""
        return self.record.id, self.shown_revision

    @property
    def shared_key(self) -> tuple[uuid.UUID, int]:
        """The content shown, as every request knows it: the plan's eid and the revision shown."""
        return self.record.eid, self.shown_revision

    async def document(self, info: Info) -> HoksDocument | None:
        return await info.context.loaders.hoks_document.load(self.document_key)

    study_right = edge(
        Loaded(
            lambda context: context.loaders.study_right,
            lambda plan: plan.study_right_oid,
            lambda _, record, context: study_right_from(record, context),
        ),
        returns=StudyRight | None,
        description="Opiskeluoikeus: the study right the plan is for.",
    )
    learner = edge(
        Loaded(
            lambda context: context.loaders.learner,
            lambda plan: plan.learner_oid,
            lambda _, record, context: learner_from(record, context),
        ),
        returns=Learner | None,
        description="Oppija: the learner whose plan this is.",
    )
    organisation = organisation_edge(
        lambda plan: plan.organisation_oid, "Oppilaitos: the institution responsible for the plan."
    )

    @strawberry.field(
        description="The whole plan in the eHOKS transfer format (kebab-case JSON), as eHOKS returns "
        "it on GET: id, eid and manuaalisyotto filled in, a module-id on every part that has one, "
        "and every list present (`[]` when empty). Leave eid, manuaalisyotto and the module-ids out "
        "to PUT it back, as eHOKS's PUT requires."
    )
    async def ehoks_document(self, info: Info) -> JSON | None:
        document = await self.document(info)
        if document is None:
            return None
        return cast(JSON, ehoks_export(self.record, document, info.context.authz))

    progress = edge(
        Loaded(
            # The current plan's progress is kept with its row; an earlier version's comes from
            # that version's document.
            lambda context: context.loaders.hoks_document,
            lambda plan: None if plan.as_of_revision is None else plan.document_key,
            lambda plan, document, context: plan.progress_on(document, context.today),
            seldom_loads=True,
        ),
        returns=HoksProgress | None,
        description="Edistyminen: how many competences to acquire are planned, scheduled and completed "
        "(the statuses the eHOKS views compute, counted once on the server).",
    )

    def progress_on(self, earlier: HoksDocument | None, today: dt.date) -> HoksProgress | None:
        if self.as_of_revision is None:
            kept = self.record.progress
        elif earlier is None:
            return None
        else:
            kept = PlanProgress.of_document(earlier)
        planned, scheduled, completed = kept.counts(today)
        return HoksProgress(planned=planned, scheduled=scheduled, completed=completed)

    @strawberry.field(
        description="Versiohistoria: every accepted write of the plan, oldest first (up to the shown "
        "version when the plan is read `asOf` a moment)."
    )
    async def revisions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[HoksRevision]:
        return revision_page(self.record, await self._revisions(info), first, after, info.context.cursors)

    @strawberry.field(
        description="One version of the plan by its number (`revision` is the current number); null "
        "if there is no such version."
    )
    async def revision_by_number(self, info: Info, number: int) -> HoksRevision | None:
        found = [r for r in await self._revisions(info) if r.number == number]
        return HoksRevision.from_record(self.record, found[0]) if found else None

    @strawberry.field(
        description="Hyväksymishistoria: the first approval (ensikertainen hyväksyminen) and every "
        "later approval (hyväksytty) as the plan's versions reported them, oldest first."
    )
    async def approval_history(self, info: Info) -> list[Approval]:
        study_right = await info.context.loaders.study_right.load(self.study_right_oid)
        return approvals(await self._revisions(info), study_right.started_on if study_right else None)

    async def _revisions(self, info: Info) -> list[RevisionRecord]:
        """Up to the revision shown: the history may have been read after a later write."""
        revisions = await info.context.loaders.hoks_revisions.load(self.record.id)
        return [r for r in revisions if r.number <= self.shown_revision]


async def load_hoks(info: Info, hoks_id: str, at: dt.datetime | None = None) -> Hoks | None:
    """The plan by id (for analysts, a plan pseudonym only), or as it stood at `at` (null before
    it was created)."""
    scope = info.context.authz
    real = scope.looked_up(Identifier.HOKS, hoks_id)
    key = None if real is None else parse_hoks_id(real)
    if key is None:
        return None
    context = info.context
    if context.view_reads:
        wants = plan_wants(selected(info._raw_info))
        if at is not None:  # the content shown is an earlier revision's, read on its own
            wants = dataclasses.replace(wants, document=False)
        record = await context.loaders.plan_view(wants, one_root_field(info._raw_info)).load(key)
    else:
        record = await context.loaders.hoks.load(key)
    if record is None:
        return None
    if at is None:
        return Hoks.from_record(record, scope)
    revision = as_of(await info.context.loaders.hoks_revisions.load(key), at)
    if revision is None:
        return None
    then = dataclasses.replace(
        record,
        revision=revision.number,
        updated_at=revision.at,
        first_approved_on=parse_date(revision.first_approved_on) or record.first_approved_on,
        approved_at=parse_instant(revision.approved_at),
    )
    return Hoks.from_record(then, scope, as_of_revision=revision.number)
