"""Schema assembly: the root types and the strawberry Schema."""

from __future__ import annotations

import datetime as dt

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hoks_gateway.audit import queries as audit_queries
from hoks_gateway.audit.extension import AuditReads
from hoks_gateway.audit.queries import AuditEvent
from hoks_gateway.auth.mutations import unlock_service_account
from hoks_gateway.auth.types import ServiceAccount, Viewer, viewer
from hoks_gateway.authz.rules import enforce_rules
from hoks_gateway.graphql import nodes
from hoks_gateway.graphql.compiled.executor import GatewayExecutor
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.document_cache import CachedParse, CachedValidation
from hoks_gateway.graphql.input_checks import InputChecks
from hoks_gateway.graphql.limits import GatewayLimits
from hoks_gateway.graphql.pagination import Connection
from hoks_gateway.graphql.relay import Node
from hoks_gateway.graphql.scalars import DATE_TIME
from hoks_gateway.hoks import batch as hoks_batch
from hoks_gateway.hoks import listing as hoks_listing
from hoks_gateway.hoks import mutations as hoks_mutations
from hoks_gateway.hoks.batch import ImportEhoksDocumentsPayload
from hoks_gateway.hoks.mutations import HoksPayload
from hoks_gateway.hoks.types import Hoks, load_hoks
from hoks_gateway.idempotency.extension import make_idempotent
from hoks_gateway.learners import listing as learner_listing
from hoks_gateway.learners import registry_mutations
from hoks_gateway.learners.listing import LearnerConnection
from hoks_gateway.learners.registry_mutations import UpsertStudyRightsPayload
from hoks_gateway.learners.types import Learner, StudyRight, load_learner, load_study_right
from hoks_gateway.organisations.types import Organisation, load_organisation
from hoks_gateway.reports import coverage, statistics
from hoks_gateway.reports.coverage import CoverageReport
from hoks_gateway.reports.statistics import TransferStatistics


@strawberry.type(description="Entry points for reading the graph.")
class Query:
    @strawberry.field(description="Who am I: the caller's kind, OID and privileges.")
    def me(self, info: Info) -> Viewer:
        return viewer(info)

    @strawberry.field(description="Organisaatio by OID. Organisation data is public.")
    async def organisation(self, info: Info, oid: strawberry.ID) -> Organisation | None:
        return await load_organisation(info, str(oid))

    @strawberry.field(
        description="Oppija by oppijanumero (learner OID); null when not visible to the caller."
    )
    async def learner(self, info: Info, oid: strawberry.ID) -> Learner | None:
        return await load_learner(info, str(oid))

    @strawberry.field(description="Opiskeluoikeus by OID; null when not visible to the caller.")
    async def study_right(self, info: Info, oid: strawberry.ID) -> StudyRight | None:
        return await load_study_right(info, str(oid))

    @strawberry.field(
        description="HOKS by id; null when not visible to the caller. With `asOf`, the plan as it "
        "stood at that moment (its version then; null before it was created)."
    )
    async def hoks(self, info: Info, id: strawberry.ID, as_of: dt.datetime | None = None) -> Hoks | None:
        return await load_hoks(info, str(id), as_of)

    # The read graph (issue 6): lists, reports, audit, node.
    node: Node | None = strawberry.field(
        resolver=nodes.node,
        description="Any object by its global id (an OID or a HOKS id); null when not visible to the caller.",
    )
    learners: LearnerConnection = strawberry.field(
        resolver=learner_listing.learners,
        description="Opiskelijat: the staff student list. Learners with a study right the caller may see "
        "(in `organisationOid` and below it, which needs READ there), matched by every word of `search` "
        "(name, qualification, HOKS id, learner or study right OID), in keyset pages.",
    )
    hokses: Connection[Hoks] = strawberry.field(
        resolver=hoks_listing.hokses,
        description="HOKS plans the caller may see, filtered and in keyset pages (providers' systems, "
        "analysts).",
    )
    transfer_statistics: TransferStatistics = strawberry.field(
        resolver=statistics.transfer_statistics,
        description="Siirtotilasto (ADMIN, ANALYST): plans in the service, providers started out of all, "
        "per provider and per month.",
    )
    transfer_coverage: CoverageReport = strawberry.field(
        resolver=coverage.transfer_coverage,
        description="Siirtokattavuus (ADMIN, ANALYST): the organisation's study rights whose HOKS must be "
        "in the service, and whether it is.",
    )
    audit_events: Connection[AuditEvent] = strawberry.field(
        resolver=audit_queries.audit_events,
        description="Audit events, newest first (ADMIN): who read or changed whose data, when.",
    )


@strawberry.type(description="Entry points for changing the graph.")
class Mutation:
    unlock_service_account: ServiceAccount = strawberry.mutation(
        resolver=unlock_service_account,
        description="Avaa palvelukäyttäjän lukitus: clear a service account's sign-in back-off and its "
        "count of wrong secrets, from every client address (ADMIN).",
    )
    create_hoks: HoksPayload = hoks_mutations.create
    update_hoks: HoksPayload = hoks_mutations.update
    replace_hoks: HoksPayload = hoks_mutations.replace
    import_ehoks_document: HoksPayload = hoks_mutations.import_ehoks
    replace_ehoks_document: HoksPayload = hoks_mutations.replace_ehoks
    patch_ehoks_document: HoksPayload = hoks_mutations.patch_ehoks
    import_ehoks_documents: ImportEhoksDocumentsPayload = hoks_batch.import_ehoks_batch
    delete_hoks: HoksPayload = hoks_mutations.delete
    restore_hoks: HoksPayload = hoks_mutations.restore
    upsert_study_rights: UpsertStudyRightsPayload = registry_mutations.upsert


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry's default logs every error with its message; masking.py logs the
        # unexpected ones with an id instead, and client errors need no server log.
        return None


def build_schema() -> strawberry.Schema:
    enforce_rules(Query, Mutation)
    make_idempotent(Mutation)
    # The document caches sit around the limits, which must see every request (document_cache.py).
    # Input checks first: they read variables the limits' remembered verdicts do not depend on.
    extensions = [CachedParse, InputChecks, GatewayLimits, CachedValidation, AuditReads]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        execution_context_class=GatewayExecutor,
        config=StrawberryConfig(scalar_map={dt.datetime: DATE_TIME}),
    )


schema = build_schema()
