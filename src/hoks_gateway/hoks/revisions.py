"""A plan's history in the graph: its revisions and its approval history.

Every accepted write made one revision (hoks/service.py). The approval history is read from
them: the first approval (ensikertainen hyväksyminen) and every later approval (hyväksytty) as
they changed from one revision to the next, each with who sent it.

A first approval before 2018-01-01 is an earlier plan (HOPS, HOJKS, ...) updated into a HOKS: it
is shown as approved under the previous legislation, and is valid only on a study right that
started before 2018 (docs/API.md, Rules). Writes do not enforce that rule (parse_ehoks's
`enforce_first_approval_legislation` stays off): eHOKS's own example documents break it, so a
provider's system may well send such plans. The history shows the approval as invalid instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.auth.types import PrincipalKind as GraphQLPrincipalKind
from hoks_gateway.db.tables import HoksRevision as HoksRevisionRow
from hoks_gateway.graphql.context import FINLAND, Info
from hoks_gateway.graphql.cursors import Cursors
from hoks_gateway.graphql.pagination import Connection, Edge, Keyset, page_info, page_size
from hoks_gateway.hoks.content import ehoks_export
from hoks_gateway.hoks.enums import HoksOperation, HoksSource
from hoks_gateway.hoks.history import RevisionRecord, parse_date, parse_instant
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.organisations.types import Organisation, load_organisation

NEW_LEGISLATION_FROM = dt.date(2018, 1, 1)
# A plan's revisions are read whole and paged in memory: the keyset names the list and its
# cursors' form only.
_BY_NUMBER = Keyset("revisions.NUMBER_ASC", (HoksRevisionRow.number,), (int,))
# Staff OIDs identify people; a learner reading their plan's history sees which organisation
# changed it, as in their data-access log, not which employee.
_SEES_AUTHOR_IDS = frozenset({PrincipalKind.STAFF, PrincipalKind.SERVICE, PrincipalKind.ADMIN})


@strawberry.type(
    description="Versio: one accepted write of a HOKS, with the whole plan as it then stood. eHOKS "
    "keeps no history; the gateway keeps every version."
)
class HoksRevision:
    number: int = strawberry.field(description="Version number, 1 for the creation, one up per write.")
    at: dt.datetime = strawberry.field(description="When the gateway accepted the write.")
    principal_kind: GraphQLPrincipalKind = strawberry.field(description="Who wrote it: the kind of caller.")
    operation: HoksOperation = strawberry.field(description="What the write did.")
    source: HoksSource = strawberry.field(description="Siirto (a provider's system) or manuaalisyöttö.")
    changed_paths: list[str] = strawberry.field(
        description="The eHOKS paths the write changed, e.g. "
        "`hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[1].loppu`; a whole part added "
        "or removed is one path. A creation lists the top-level keys it set; a deletion or "
        "restoration `poistettu`."
    )
    author_id: strawberry.Private[str]
    organisation_oid: strawberry.Private[str | None]
    plan: strawberry.Private[HoksRecord]

    @classmethod
    def from_record(cls, plan: HoksRecord, r: RevisionRecord) -> HoksRevision:
        return cls(
            number=r.number,
            at=r.at,
            principal_kind=GraphQLPrincipalKind(r.principal_kind),
            operation=HoksOperation(r.operation),
            source=HoksSource(r.source),
            changed_paths=r.changed_paths,
            author_id=r.principal_id,
            organisation_oid=r.organisation_oid,
            plan=plan,
        )

    @strawberry.field(
        description="Who wrote it: the staff or admin OID, or the service account's client id. Null "
        "for learners and analysts, who see the organisation only."
    )
    def principal_id(self, info: Info) -> str | None:
        return self.author_id if info.context.authz.kind in _SEES_AUTHOR_IDS else None

    @strawberry.field(
        description="The organisation in whose name it was written: the plan's oppilaitos for staff "
        "and service accounts, OPH for admins."
    )
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_oid is None:
            return None
        return await load_organisation(info, self.organisation_oid)

    @strawberry.field(
        description="The plan as this version left it, in the eHOKS transfer format (personal data "
        "hidden from analysts, as on Hoks.ehoksDocument)."
    )
    async def ehoks_document(self, info: Info) -> JSON | None:
        document = await info.context.loaders.hoks_revision_document.load((self.plan.id, self.number))
        if document is None:
            return None
        return cast(JSON, ehoks_export(self.plan, document, info.context.authz))


@strawberry.enum(description="Which approval of the plan.")
class ApprovalKind(Enum):
    FIRST = strawberry.enum_value("FIRST", description="Ensikertainen hyväksyminen: the first approval.")
    LATER = strawberry.enum_value("LATER", description="Hyväksytty: a later approval of an updated plan.")


@strawberry.type(description="Hyväksyminen: an approval of the plan, as a write reported it.")
class Approval:
    kind: ApprovalKind = strawberry.field(description="First or later approval.")
    approved_on: dt.date = strawberry.field(description="The date of the approval (Finnish time).")
    approved_at: dt.datetime | None = strawberry.field(
        description="Hyväksytty: the instant, for a later approval (a first approval is a date only)."
    )
    under_previous_legislation: bool = strawberry.field(
        description="Approved before 2018-01-01: an earlier plan (HOPS, HOJKS, ...) updated into a "
        "HOKS, approved under the previous legislation."
    )
    valid: bool = strawberry.field(
        description="False for an approval under the previous legislation on a study right that "
        "started on or after 2018-01-01, which cannot have had such a plan. Writes do not refuse it "
        "(eHOKS's own examples have it); this is where it shows."
    )
    revision: int = strawberry.field(description="The version that reported this approval.")
    principal_kind: GraphQLPrincipalKind = strawberry.field(description="Who reported it: kind of caller.")
    organisation_oid: strawberry.Private[str | None]

    @strawberry.field(description="The organisation in whose name it was reported.")
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_oid is None:
            return None
        return await load_organisation(info, self.organisation_oid)


def approvals(revisions: Sequence[RevisionRecord], study_right_started_on: dt.date | None) -> list[Approval]:
    """The approvals as they changed across `revisions` (oldest first)."""
    found: list[Approval] = []
    first: str | None = None
    later: str | None = None

    def add(kind: ApprovalKind, on: dt.date, at: dt.datetime | None, r: RevisionRecord) -> None:
        previous = on < NEW_LEGISLATION_FROM
        started_before = study_right_started_on is not None and study_right_started_on < NEW_LEGISLATION_FROM
        found.append(
            Approval(
                kind=kind,
                approved_on=on,
                approved_at=at,
                under_previous_legislation=previous,
                valid=not previous or started_before,
                revision=r.number,
                principal_kind=GraphQLPrincipalKind(r.principal_kind),
                organisation_oid=r.organisation_oid,
            )
        )

    for revision in revisions:
        if revision.first_approved_on is not None and revision.first_approved_on != first:
            on = parse_date(revision.first_approved_on)
            assert on is not None
            add(ApprovalKind.FIRST, on, None, revision)
        if revision.approved_at is not None and revision.approved_at != later:
            at = parse_instant(revision.approved_at)
            assert at is not None
            add(ApprovalKind.LATER, at.astimezone(FINLAND).date(), at, revision)
        first, later = revision.first_approved_on, revision.approved_at
    return found


def revision_page(
    plan: HoksRecord,
    revisions: Sequence[RevisionRecord],
    first: int | None,
    after: str | None,
    cursors: Cursors,
) -> Connection[HoksRevision]:
    """Oldest first; a revision's cursor holds its number."""
    limit = page_size(first)
    start = 0
    if after is not None:
        [number] = _BY_NUMBER.decode(after, cursors)
        start = next((i for i, r in enumerate(revisions) if r.number > number), len(revisions))
    page = revisions[start : start + limit]
    edges = [
        Edge(cursor=_BY_NUMBER.encode((r.number,), cursors), node=HoksRevision.from_record(plan, r))
        for r in page
    ]
    total = len(revisions)

    async def count() -> int:
        return total

    return Connection(
        page_info=page_info(edges, has_next=start + limit < total, after=after), count=count, edges=edges
    )
