"""Ready-made logins for demo mode: one token per principal kind, on the seeded data."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select

from hoks_gateway.auth.client_secrets import new_secret
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.config import gateway_signing_key, token_issuer
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.auth.tokens import TokenIssuer
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Hoks
from hoks_gateway.errors import ConfigurationError
from hoks_gateway.settings import Settings

DEMO_CLIENT_ID = "demo-service"
ALL_PRIVILEGES = frozenset(Privilege)

# Staff, admins and analysts are persons too (valid henkilö-OIDs on node 24); fixed so that tokens
# and audit rows from one demo session to the next name the same people.
STAFF_OID = "1.2.246.562.24.92634157188"
ADMIN_OID = "1.2.246.562.24.79405180789"
ANALYST_OID = "1.2.246.562.24.69366181772"


@dataclass(slots=True)
class DemoLogins:
    tokens: list[tuple[str, str]] = field(default_factory=list)
    """(who, bearer token)."""
    client_id: str | None = None
    client_secret: str | None = None
    notes: list[str] = field(default_factory=list)


def dev_token_issuer(settings: Settings) -> TokenIssuer:
    """The configured signing key, else the demo key under the data dir (never an IdP's)."""
    issuer = token_issuer(
        settings, system_clock, gateway_signing_key(settings.model_copy(update={"demo": True}))
    )
    if issuer is None:  # pragma: no cover - the demo key always exists once created
        raise ConfigurationError("no signing key: set HOKS_TOKEN_SIGNING_KEY_PATH")
    return issuer


def _demo_client_secret(path: Path) -> str:
    """Kept beside the demo database so every demo start can print the same secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_secret())
    return path.read_text().strip()


async def _busiest_oppilaitos_and_learner(db: Database) -> tuple[str, str] | None:
    async with db.read() as session:
        live = Hoks.deleted_at.is_(None)
        oppilaitos = await session.scalar(
            select(Hoks.organisation_oid)
            .where(live)
            .group_by(Hoks.organisation_oid)
            .order_by(func.count().desc(), Hoks.organisation_oid)
            .limit(1)
        )
        if oppilaitos is None:
            return None
        learner = await session.scalar(
            select(Hoks.learner_oid)
            .where(live, Hoks.organisation_oid == oppilaitos)
            .order_by(Hoks.id)
            .limit(1)
        )
    return (oppilaitos, learner) if learner is not None else None


async def prepare_demo_logins(settings: Settings, url: str) -> DemoLogins:
    issuer = dev_token_issuer(settings)
    ttl = settings.demo_token_ttl_s
    logins = DemoLogins()
    db = Database.connect(url, pool_size=1, max_overflow=0)
    try:
        found = await _busiest_oppilaitos_and_learner(db)
        if found is None:
            logins.notes.append(
                "No HOKS in the database yet: run `hoks-gateway seed` for learner and staff tokens."
            )
        else:
            oppilaitos, learner = found
            logins.tokens.append(("learner", issuer.issue(Principal(PrincipalKind.LEARNER, learner), ttl)))
            staff = Principal(PrincipalKind.STAFF, STAFF_OID, {oppilaitos: ALL_PRIVILEGES})
            logins.tokens.append((f"staff of {oppilaitos}", issuer.issue(staff, ttl)))
            secret = _demo_client_secret(settings.data_dir / "demo-service-account.secret")
            privileges = {oppilaitos: frozenset({Privilege.READ, Privilege.WRITE})}
            await ServiceAccounts(db, system_clock).add(DEMO_CLIENT_ID, privileges, secret, replace=True)
            service = Principal(PrincipalKind.SERVICE, DEMO_CLIENT_ID, privileges)
            logins.tokens.append((f"service account {DEMO_CLIENT_ID}", issuer.issue(service, ttl)))
            logins.client_id, logins.client_secret = DEMO_CLIENT_ID, secret
    finally:
        await db.dispose()
    logins.tokens.append(("admin", issuer.issue(Principal(PrincipalKind.ADMIN, ADMIN_OID), ttl)))
    logins.tokens.append(("analyst", issuer.issue(Principal(PrincipalKind.ANALYST, ANALYST_OID), ttl)))
    return logins


def graphiql_link(base: str, token: str) -> str:
    """GraphiQL opens with the Authorization header already filled in (its `headers` parameter)."""
    return f"{base}/graphql?headers=" + quote(json.dumps({"Authorization": f"Bearer {token}"}))
