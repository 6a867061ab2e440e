"""GraphQL types for organisations."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types.field import StrawberryField

from hoks_gateway.graphql.context import Context, Info
from hoks_gateway.graphql.edges import NOT_KEPT, Loaded, edge
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


def _kept(context: Context, oid: str) -> OrganisationRecord | Any | None:
    cache = context.organisations
    return NOT_KEPT if cache is None else cache.peek(oid, NOT_KEPT)


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

    parent = edge(
        Loaded(
            lambda context: context.loaders.organisation,
            lambda organisation: organisation.parent_oid,
            lambda _, record, context: organisation_from(record),
            _kept,
        ),
        returns=Annotated["Organisation", strawberry.lazy("hoks_gateway.organisations.types")] | None,
        description="Yläorganisaatio: the organisation this one belongs to (null at the root).",
    )
    children = edge(
        Loaded(
            lambda context: context.loaders.organisation_children,
            lambda organisation: str(organisation.oid),
            lambda _, records, context: [Organisation.from_record(r) for r in records],
        ),
        returns=list[Annotated["Organisation", strawberry.lazy("hoks_gateway.organisations.types")]],
        description="Aliorganisaatiot: the organisations directly below this one.",
    )


def organisation_from(record: OrganisationRecord | None) -> Organisation | None:
    return None if record is None else Organisation.from_record(record)


def organisation_edge(oid: Callable[[Any], str | None], description: str) -> StrawberryField:
    """A field naming an organisation by the OID `oid` reads from its source (organisation data
    is public)."""
    return edge(
        Loaded(
            lambda context: context.loaders.organisation,
            oid,
            lambda _, record, context: organisation_from(record),
            _kept,
        ),
        returns=Organisation | None,
        description=description,
    )


async def load_organisation(info: Info, oid: str) -> Organisation | None:
    # A kept organisation, as the edges take it (Loaded.peek): no DataLoader made and dispatched.
    kept = _kept(info.context, oid)
    if kept is NOT_KEPT:
        kept = await info.context.loaders.organisation.load(oid)
    return organisation_from(kept)
