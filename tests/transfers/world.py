"""The data the transfer tests write into: the corpus's oppilaitos and study rights, a second
provider, and a token per kind of caller.

Corpus: koulutustoimija KT > oppilaitos 1.2.246.562.10.12424158689 (the eHOKS dev setup's),
with every study right the corpus documents name (registered through the registry sync).
Other: koulutustoimija KT_B > OL_B with one learner and study right of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from hoks_gateway.audit.events import Actor
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.graphql_parts import input_variables
from hoks_gateway.learners.registry import StudyRightEntry, upsert_study_rights
from hoks_gateway.seed import corpus_registry
from tests.client import bearer, gateway
from tests.corpus import load
from tests.factories import Factory

CORPUS_OPPILAITOS = corpus_registry.OPPILAITOS_OID
TRANSFERABLE = ["hoksit.json", "hoks_tuva.json", "anonymised-example-1.json", "anonymised-example-2.json"]
MANUAL_ONLY = [
    "hoks_ainoastaan_YTOja.json",
    "hoks_ainoastaan_ammatillisia.json",
    "hoks_ainoastaan_paikallisia.json",
    "hoks_yksi_tutkinnonosa.json",
]
ALL = TRANSFERABLE + MANUAL_ONLY
SERVICE_A = "sis-keuda"
SERVICE_B = "sis-gradia"
STAFF_OID = "1.2.246.562.24.92634157188"
ADMIN_OID = "1.2.246.562.24.79405180789"
ANALYST_OID = "1.2.246.562.24.69366181772"
TODAY = dt.date(2026, 11, 28)

WRITER = frozenset({Privilege.READ, Privilege.WRITE})
EVERYTHING = frozenset(Privilege)


@dataclass
class World:
    db: Database
    client: httpx.AsyncClient
    data_dir: Path
    koulutustoimija: str
    other_koulutustoimija: str
    other_oppilaitos: str
    other_learner: str
    other_study_right: str

    def token(self, principal: Principal) -> dict[str, str]:
        return bearer(self.data_dir, principal)

    @property
    def service(self) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.SERVICE, SERVICE_A, {self.koulutustoimija: WRITER}))

    @property
    def other_service(self) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.SERVICE, SERVICE_B, {self.other_koulutustoimija: WRITER}))

    @property
    def staff(self) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.STAFF, STAFF_OID, {self.koulutustoimija: EVERYTHING}))

    def staff_with(self, *privileges: Privilege) -> dict[str, str]:
        return self.token(
            Principal(PrincipalKind.STAFF, STAFF_OID, {self.koulutustoimija: frozenset(privileges)})
        )

    @property
    def other_staff(self) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.STAFF, STAFF_OID, {self.other_koulutustoimija: EVERYTHING}))

    @property
    def admin(self) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.ADMIN, ADMIN_OID))

    @property
    def analyst(self) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.ANALYST, ANALYST_OID))

    def learner(self, oid: str) -> dict[str, str]:
        return self.token(Principal(PrincipalKind.LEARNER, oid))

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.read() as session:
            return (await session.execute(text(sql), params)).scalar()


def corpus_entries(koulutustoimija: str) -> list[StudyRightEntry]:
    entries = []
    for study_right, learner in corpus_registry.STUDY_RIGHTS.items():
        entries.append(
            StudyRightEntry.model_validate(
                {
                    "oid": study_right,
                    "learner": {"oid": learner, "firstNames": "Testi Oppija", "surname": "Esimerkki"},
                    "oppilaitosOid": CORPUS_OPPILAITOS,
                    "koulutustoimijaOid": koulutustoimija,
                    "kind": corpus_registry.kind_of(study_right),
                    "status": corpus_registry.STATUS,
                    "startedOn": corpus_registry.STARTED_ON.isoformat(),
                }
            )
        )
    return entries


async def corpus_organisations(db: Database, factory: Factory) -> str:
    """The corpus's oppilaitos under a koulutustoimija of its own; returns the koulutustoimija."""
    root = await factory.root()
    koulutustoimija = await factory.organisation(
        "KOULUTUSTOIMIJA", root, "Keski-Uudenmaan koulutuskuntayhtymä"
    )
    async with db.write() as session:
        await session.execute(
            text(
                "INSERT INTO organisations (oid, parent_oid, ancestor_oids, type, name_fi) "
                "SELECT :oid, p.oid, p.ancestor_oids || p.oid, 'OPPILAITOS', 'Keuda' FROM organisations p "
                "WHERE p.oid = :parent"
            ),
            {"oid": CORPUS_OPPILAITOS, "parent": koulutustoimija},
        )
    return koulutustoimija


@asynccontextmanager
async def build_world(db: Database, database_url: str, data_dir: Path) -> AsyncIterator[World]:
    factory = Factory(db)
    koulutustoimija = await corpus_organisations(db, factory)
    await upsert_study_rights(db, Actor(Scope()), corpus_entries(koulutustoimija), operation="test")
    other_kt, other_ol = await factory.provider("Jyväskylän koulutuskuntayhtymä Gradia")
    other_learner = await factory.learner("Oona", "Muualta")
    other_right = await factory.study_right(other_learner, other_kt, other_ol)
    accounts = ServiceAccounts(db, system_clock)
    await accounts.add(SERVICE_A, {koulutustoimija: WRITER}, "secret-a")
    await accounts.add(SERVICE_B, {other_kt: WRITER}, "secret-b")
    async with gateway(database_url, data_dir=data_dir, demo=True) as client:
        yield World(db, client, data_dir, koulutustoimija, other_kt, other_ol, other_learner, other_right)


def document(name: str, **overrides: Any) -> dict[str, Any]:
    return load(name) | overrides


def as_input(value: dict[str, Any]) -> dict[str, Any]:
    """An eHOKS document as HoksInput variables."""
    return input_variables(value, HoksDocument)
