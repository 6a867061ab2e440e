"""The data every authorization test reads: two providers, learners inside and across them.

provider A: koulutustoimija KT_A > oppilaitos OL_A     provider B: KT_B > OL_B
L1 (the "own" learner): study right + HOKS at OL_A, and another at OL_B
L2: study right + HOKS at OL_B only ("other organisation")
L3: study right + HOKS at OL_A ("other learner" in the own organisation)
L4: study right + HOKS at OL_B whose training OL_A delivers (hankintakoulutus)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.sessions import Database
from tests.factories import Factory

SERVICE_ID = "sis-a"
STAFF_OID = "1.2.246.562.24.92634157188"
ADMIN_OID = "1.2.246.562.24.79405180789"
ANALYST_OID = "1.2.246.562.24.69366181772"


@dataclass(frozen=True)
class Plan:
    learner: str
    study_right: str
    hoks: int
    oppilaitos: str


@dataclass(frozen=True)
class World:
    kt_a: str
    ol_a: str
    kt_b: str
    ol_b: str
    own: Plan
    own_elsewhere: Plan
    other_org: Plan
    other_learner: Plan
    procured: Plan

    def principal(self, kind: PrincipalKind) -> Principal:
        everything = frozenset(Privilege)
        if kind is PrincipalKind.LEARNER:
            return Principal(kind, self.own.learner)
        if kind is PrincipalKind.STAFF:
            # Held on the koulutustoimija: reaches its oppilaitos through the hierarchy.
            return Principal(kind, STAFF_OID, {self.kt_a: everything})
        if kind is PrincipalKind.SERVICE:
            return Principal(kind, SERVICE_ID, {self.ol_a: frozenset({Privilege.READ, Privilege.WRITE})})
        return Principal(kind, ADMIN_OID if kind is PrincipalKind.ADMIN else ANALYST_OID)


async def _plan(factory: Factory, learner: str, kt: str, ol: str) -> Plan:
    right = await factory.study_right(learner, kt, ol)
    return Plan(learner, right, await factory.hoks(right, learner, ol), ol)


async def build_world(db: Database) -> World:
    factory = Factory(db)
    kt_a, ol_a = await factory.provider("Koulutuskeskus Salpaus")
    kt_b, ol_b = await factory.provider("Jyväskylän koulutuskuntayhtymä Gradia")
    l1, l2, l3, l4 = [await factory.learner(f"Oppija {n}", "Testinen") for n in "1234"]
    world = World(
        kt_a,
        ol_a,
        kt_b,
        ol_b,
        own=await _plan(factory, l1, kt_a, ol_a),
        own_elsewhere=await _plan(factory, l1, kt_b, ol_b),
        other_org=await _plan(factory, l2, kt_b, ol_b),
        other_learner=await _plan(factory, l3, kt_a, ol_a),
        procured=await _plan(factory, l4, kt_b, ol_b),
    )
    async with db.write() as session:
        await session.execute(
            text("UPDATE study_rights SET delivering_organisation_oid = :a WHERE oid = :sr"),
            {"a": ol_a, "sr": world.procured.study_right},
        )
    service = world.principal(PrincipalKind.SERVICE)
    await ServiceAccounts(db, system_clock).add(SERVICE_ID, service.privileges, "service-secret")
    return world
