"""What the observability tests read and write: a provider, a learner with a study right and a
plan, a service account, and tokens signed with a key of the test's own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.config import token_issuer
from hoks_gateway.auth.keys import demo_signing_key
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.sessions import Database
from hoks_gateway.settings import Settings
from tests.factories import Factory

ADMIN = Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789")
CLIENT_ID = "observed-sis"
SECRET = "observed-secret-of-the-test"
FIRST_NAMES = "Ilmari Sakari"
SURNAME = "Observoitava"
LEARNER = """query($oid: ID!) { learner(oid: $oid) { oid firstNames surname
  studyRights { oid hoks { id revision } } } }"""


@dataclass(frozen=True)
class World:
    key_path: Path
    admin_token: str
    koulutustoimija: str
    oppilaitos: str
    learner: str
    study_right: str
    plan: int
    spare_learner: str
    spare_study_right: str
    """Has no plan yet: a mutation may create one."""

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}


async def make_world(database_url: str, directory: Path) -> World:
    key_path = directory / "signing-key.pem"
    demo_signing_key(key_path)
    issuer = token_issuer(Settings(token_signing_key_path=key_path), system_clock)
    assert issuer is not None
    db = Database.connect(database_url, pool_size=2, max_overflow=0)
    try:
        factory = Factory(db)
        toimija, oppilaitos = await factory.provider("Observoinnin ammattiopisto")
        learner = await factory.learner(FIRST_NAMES, SURNAME)
        right = await factory.study_right(learner, toimija, oppilaitos)
        plan = await factory.hoks(right, learner, oppilaitos)
        spare = await factory.learner()
        spare_right = await factory.study_right(spare, toimija, oppilaitos)
        await ServiceAccounts(db, system_clock).add(
            CLIENT_ID, {oppilaitos: frozenset({Privilege.READ, Privilege.WRITE})}, SECRET
        )
    finally:
        await db.dispose()
    return World(
        key_path, issuer.issue(ADMIN, 600), toimija, oppilaitos, learner, right, plan, spare, spare_right
    )
