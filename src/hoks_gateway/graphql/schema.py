"""Schema assembly: the root types and the strawberry Schema."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from hoks_gateway.audit.extension import AuditReads
from hoks_gateway.auth.mutations import unlock_service_account
from hoks_gateway.auth.types import ServiceAccount, Viewer, viewer
from hoks_gateway.authz.rules import enforce_rules
from hoks_gateway.graphql.context import Info
from hoks_gateway.hoks.types import Hoks, load_hoks
from hoks_gateway.learners.types import Learner, StudyRight, load_learner, load_study_right
from hoks_gateway.organisations.types import Organisation, load_organisation


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

    @strawberry.field(description="HOKS by id; null when not visible to the caller.")
    async def hoks(self, info: Info, id: strawberry.ID) -> Hoks | None:
        return await load_hoks(info, str(id))


@strawberry.type(description="Entry points for changing the graph.")
class Mutation:
    unlock_service_account: ServiceAccount = strawberry.mutation(
        resolver=unlock_service_account,
        description="Avaa palvelukäyttäjän lukitus: clear a service account's lock and its count of "
        "failed sign-ins (ADMIN).",
    )


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry's default logs every error with its message; masking.py logs the
        # unexpected ones with an id instead, and client errors need no server log.
        return None


def build_schema() -> strawberry.Schema:
    enforce_rules(Query, Mutation)
    return GatewaySchema(query=Query, mutation=Mutation, extensions=[AuditReads])


schema = build_schema()
