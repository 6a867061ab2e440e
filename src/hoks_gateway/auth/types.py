"""GraphQL types for principals: the Viewer (`me`) and service accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from typing import Any

import strawberry

from hoks_gateway.audit.queries import AccessEvent, data_access_log
from hoks_gateway.auth.principal import Privilege as _Privilege
from hoks_gateway.auth.principal import Privileges
from hoks_gateway.auth.service_accounts import ServiceAccountRecord
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.pagination import Connection
from hoks_gateway.learners.types import Learner, load_learner
from hoks_gateway.organisations.types import Organisation, load_organisation


@strawberry.enum(description="Who is calling (docs/API.md, Principals).")
class PrincipalKind(Enum):
    LEARNER = strawberry.enum_value("LEARNER", description="Oppija: a learner, sees their own records.")
    STAFF = strawberry.enum_value(
        "STAFF", description="Virkailija: staff of an education provider, by organisation privileges."
    )
    SERVICE = strawberry.enum_value(
        "SERVICE", description="Palvelukäyttäjä: a provider system's service account (transfers)."
    )
    ADMIN = strawberry.enum_value("ADMIN", description="OPH pääkäyttäjä: everything.")
    ANALYST = strawberry.enum_value(
        "ANALYST", description="Analyst: statistics and plan content without personal data."
    )


@strawberry.enum(description="Oikeus: what a privilege on an organisation allows, there and below.")
class Privilege(Enum):
    READ = strawberry.enum_value("READ", description="Read plans and study rights (luku).")
    WRITE = strawberry.enum_value("WRITE", description="Create and change plans (kirjoitus, päivitys).")
    DELETE = strawberry.enum_value("DELETE", description="Soft-delete plans (HOKS_DELETE).")


@strawberry.type(description="Organisaatiokohtaiset oikeudet: privileges held on one organisation.")
class OrganisationPrivilege:
    organisation_oid: strawberry.ID = strawberry.field(description="Organisaatio-OID.")
    privileges: list[Privilege] = strawberry.field(description="Oikeudet, at this organisation and below.")

    @strawberry.field(description="The organisation (null if unknown to the gateway).")
    async def organisation(self, info: Info) -> Organisation | None:
        return await load_organisation(info, str(self.organisation_oid))


def _organisation_privileges(privileges: Privileges) -> list[OrganisationPrivilege]:
    order = list(_Privilege)
    return [
        OrganisationPrivilege(
            organisation_oid=strawberry.ID(oid),
            privileges=[Privilege(p.value) for p in sorted(held, key=order.index)],
        )
        for oid, held in sorted(privileges.items())
    ]


@strawberry.type(description="Who am I: the caller as the gateway sees them.")
class Viewer:
    kind: PrincipalKind = strawberry.field(description="Principal kind.")
    oid: strawberry.ID = strawberry.field(
        description="Learner or staff OID (henkilö-OID); a service account's client id."
    )
    privileges: list[OrganisationPrivilege] = strawberry.field(
        description="Organisation privileges (staff and service accounts; empty for others)."
    )

    @strawberry.field(description="Oppija: the learner's own record (null for other principal kinds).")
    async def learner(self, info: Info) -> Learner | None:
        if self.kind is not PrincipalKind.LEARNER:
            return None
        return await load_learner(info, str(self.oid))

    @strawberry.field(
        description="Omien tietojen käyttö: who read or changed the learner's data (which kind of user "
        "of which organisation, when, how), newest first; null for other principal kinds."
    )
    async def data_access_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AccessEvent] | None:
        if self.kind is not PrincipalKind.LEARNER:
            return None
        return await data_access_log(info, str(self.oid), first, after)


def viewer(info: Info) -> Viewer:
    principal = info.context.authz.principal
    assert principal is not None  # the field's rule admits no anonymous caller
    return Viewer(
        kind=PrincipalKind(principal.kind.value),
        oid=strawberry.ID(principal.id),
        privileges=_organisation_privileges(principal.privileges),
    )


@strawberry.type(description="Palvelukäyttäjä: a provider system's account for transfers.")
class ServiceAccount:
    client_id: str = strawberry.field(description="OAuth2 client id.")
    privileges: list[OrganisationPrivilege] = strawberry.field(description="Organisation privileges.")
    failed_attempts: int = strawberry.field(
        description="The most consecutive wrong secrets from any one client address, still counted."
    )
    locked_until: dt.datetime | None = strawberry.field(
        description="Until when sign-ins from some client address wait after repeated wrong secrets "
        "(null: from none). Sign-ins from other addresses, and issued tokens, are not affected."
    )

    @classmethod
    def from_record(cls, r: ServiceAccountRecord) -> ServiceAccount:
        return cls(
            client_id=r.client_id,
            privileges=_organisation_privileges(r.privileges),
            failed_attempts=r.failed_attempts,
            locked_until=r.locked_until,
        )

    @classmethod
    async def replayed(cls, info: Info, outcome: Mapping[str, Any], operation: str) -> ServiceAccount:
        """A retried unlock's answer: the account as the first unlock left it."""
        return cls.from_record(ServiceAccountRecord.from_json(outcome["account"]))
