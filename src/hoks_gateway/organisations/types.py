"""GraphQL types for organisations."""

from __future__ import annotations

from enum import Enum

import strawberry

from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.relay import Node
from hoks_gateway.organisations.repository import OrganisationRecord


@strawberry.enum(description="Organisaation tyyppi: where the organisation sits in the OPH tree.")
class OrganisationType(Enum):
    ROOT = strawberry.enum_value("ROOT", description="Opetushallitus (OPH), the root of the tree.")
    KOULUTUSTOIMIJA = strawberry.enum_value(
        "KOULUTUSTOIMIJA", description="Koulutustoimija: education provider."
    )
    OPPILAITOS = strawberry.enum_value("OPPILAITOS", description="Oppilaitos: educational institution.")
    TOIMIPISTE = strawberry.enum_value("TOIMIPISTE", description="Toimipiste: an institution's unit or site.")


@strawberry.type(description="Nimi: a name in Finnish, Swedish and English (any may be missing).")
class LocalizedName:
    fi: str | None
    sv: str | None
    en: str | None


@strawberry.type(description="Organisaatio: an organisation of the OPH tree. Organisation data is public.")
class Organisation(Node):
    oid: strawberry.ID = strawberry.field(description="Organisaatio-OID (1.2.246.562.10.x).")
    type: OrganisationType = strawberry.field(description="Organisaation tyyppi.")
    name: LocalizedName = strawberry.field(description="Nimi.")
    parent_oid: strawberry.Private[str | None]

    @classmethod
    def from_record(cls, record: OrganisationRecord) -> Organisation:
        return cls(
            oid=strawberry.ID(record.oid),
            type=OrganisationType(record.type),
            name=LocalizedName(fi=record.name_fi, sv=record.name_sv, en=record.name_en),
            parent_oid=record.parent_oid,
        )

    @strawberry.field(description="Global id (Node): the organisaatio-OID.")
    def id(self) -> strawberry.ID:
        return self.oid

    @strawberry.field(description="Yläorganisaatio: the organisation this one belongs to (null at the root).")
    async def parent(self, info: Info) -> Organisation | None:
        if self.parent_oid is None:
            return None
        return await load_organisation(info, self.parent_oid)

    @strawberry.field(description="Aliorganisaatiot: the organisations directly below this one.")
    async def children(self, info: Info) -> list[Organisation]:
        records = await info.context.loaders.organisation_children.load(str(self.oid))
        return [Organisation.from_record(r) for r in records]


async def load_organisation(info: Info, oid: str) -> Organisation | None:
    record = await info.context.loaders.organisation.load(oid)
    return None if record is None else Organisation.from_record(record)
