"""Service accounts (palvelukäyttäjät): client credentials, organisation privileges, lockout.

Lockout state lives in the database and changes only through single `UPDATE ... RETURNING`
statements, so N workers or replicas count one account's failures together (docs/ARCHITECTURE.md §8).
Every "now" comes from the injected Clock, never from the database server, so tests can move it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, literal, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hoks_gateway.auth.client_secrets import hash_secret, secret_matches
from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.principal import Privileges, parse_privileges, privileges_as_json
from hoks_gateway.auth.tokens import InvalidToken
from hoks_gateway.authz.scope import OrganisationTree, organisations_at_or_below
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Organisation, ServiceAccount
from hoks_gateway.errors import AccountLocked, BadUserInput, NotFound, Unauthenticated
from hoks_gateway.idempotency import claims
from hoks_gateway.idempotency.claims import Claim
from hoks_gateway.observability import prometheus


class InvalidClient(Unauthenticated):
    """Client authentication failed (RFC 6749 `invalid_client`); never says which half was wrong."""

    def __init__(self) -> None:
        super().__init__("Unknown client or wrong client secret.")


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    duration: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class ServiceAccountRecord:
    client_id: str
    privileges: Privileges
    failed_attempts: int
    locked_until: dt.datetime | None
    created_at: dt.datetime

    def locked_at(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "privileges": privileges_as_json(self.privileges),
            "failed_attempts": self.failed_attempts,
            "locked_until": None if self.locked_until is None else self.locked_until.isoformat(),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ServiceAccountRecord:
        locked_until = value["locked_until"]
        return _record(
            value["client_id"],
            value["privileges"],
            value["failed_attempts"],
            None if locked_until is None else dt.datetime.fromisoformat(locked_until),
            dt.datetime.fromisoformat(value["created_at"]),
        )


_T = ServiceAccount
_COLUMNS = (_T.client_id, _T.privileges, _T.failed_attempts, _T.locked_until, _T.created_at)
_ACTIVE = _T.deleted_at.is_(None)


def _record(
    client_id: str,
    privileges: dict[str, list[str]],
    failed: int,
    locked_until: dt.datetime | None,
    created_at: dt.datetime,
) -> ServiceAccountRecord:
    return ServiceAccountRecord(client_id, parse_privileges(privileges), failed, locked_until, created_at)


def locked_error(locked_until: dt.datetime, now: dt.datetime) -> AccountLocked:
    """The refusal of a locked account's sign-in or token (each one counted)."""
    prometheus.LOCKOUT_REFUSALS.inc()
    retry_after = max(1, math.ceil((locked_until - now).total_seconds()))
    return AccountLocked(
        "The service account is locked after repeated failed sign-ins; try again later or ask "
        "an administrator to unlock it.",
        retry_after_s=retry_after,
    )


@dataclass(frozen=True, slots=True)
class ServiceAccounts:
    db: Database
    clock: Clock
    policy: LockoutPolicy = LockoutPolicy()

    # --- administration (CLI, unlock mutation) ---------------------------------------------

    async def add(
        self, client_id: str, privileges: Privileges, secret: str, *, replace: bool = False
    ) -> None:
        """Create the account (or bring back a removed one). `replace` also overwrites a live one."""
        if not client_id.strip():
            raise BadUserInput("A client id may not be empty.")
        values = {
            "client_id": client_id,
            "secret_hash": hash_secret(secret),
            "privileges": privileges_as_json(privileges),
            "failed_attempts": 0,
            "locked_until": None,
            # Tokens issued before this moment belong to an earlier account of the same id.
            "created_at": self.clock(),
            "deleted_at": None,
        }
        insertion = insert(_T).values(values)
        upsert = insertion.on_conflict_do_update(
            index_elements=[_T.client_id],
            set_={k: insertion.excluded[k] for k in values if k != "client_id"},
            where=None if replace else _T.deleted_at.is_not(None),
        ).returning(_T.client_id)
        async with self.db.write() as session:
            if (await session.execute(upsert)).first() is None:
                raise BadUserInput(f"A service account {client_id!r} already exists.")

    async def list(self) -> list[ServiceAccountRecord]:
        async with self.db.read() as session:
            rows = await session.execute(select(*_COLUMNS).where(_ACTIVE).order_by(_T.client_id))
            return [_record(*row) for row in rows]

    async def get(self, client_id: str) -> ServiceAccountRecord | None:
        async with self.db.read() as session:
            return await _get(session, client_id)

    async def remove(self, client_id: str) -> None:
        """Soft delete: the row stays so that its tokens can be told apart from a re-added account's."""
        async with self.db.write() as session:
            result = await session.execute(
                update(_T)
                .where(_T.client_id == client_id, _ACTIVE)
                .values(deleted_at=self.clock())
                .returning(_T.client_id)
            )
            if result.first() is None:
                raise NotFound(f"No service account {client_id!r}.")

    async def unlock(self, client_id: str, claim: Claim | None = None) -> ServiceAccountRecord:
        async with self.db.write() as session:
            await claims.begin(session, claim)
            result = await session.execute(
                update(_T)
                .where(_T.client_id == client_id, _ACTIVE)
                .values(failed_attempts=0, locked_until=None)
                .returning(*_COLUMNS)
            )
            row = result.first()
            if row is None:
                raise NotFound(f"No service account {client_id!r}.")
            account = _record(*row)
            await claims.finish(session, claim, {"account": account.as_json()})
        return account

    # --- authentication ---------------------------------------------------------------------

    async def authenticate(self, client_id: str, secret: str) -> ServiceAccountRecord:
        """Client credentials -> the account; InvalidClient (401) or AccountLocked (423)."""
        now = self.clock()
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(_T.secret_hash, *_COLUMNS).where(_T.client_id == client_id, _ACTIVE)
                )
            ).first()
        if row is None:
            await secret_matches(None, secret)
            raise InvalidClient()
        secret_hash, account = row[0], _record(*row[1:])
        if account.locked_until is not None and account.locked_at(now):
            raise locked_error(account.locked_until, now)
        if not await secret_matches(secret_hash, secret):
            locked_until = await self._record_failure(client_id, now)
            if locked_until is not None and locked_until > now:
                raise locked_error(locked_until, now)
            raise InvalidClient()
        return await self._record_success(client_id, now)

    async def check_token(self, client_id: str, issued_at: dt.datetime | None) -> Privileges:
        """A presented token's account must still exist, be unlocked, and predate the token."""
        privileges, _ = await self.check_token_reaching(client_id, issued_at, ())
        return privileges

    async def check_token_reaching(
        self, client_id: str, issued_at: dt.datetime | None, organisations: Collection[str]
    ) -> tuple[Privileges, OrganisationTree]:
        """check_token, and the organisation tree at or below `organisations` (the token's), read
        in the same statement: a service account's request then needs no scope statement of its
        own (authz/scope.resolve_scope). The lock is still read on every request."""
        now = self.clock()
        statement = select(*_COLUMNS).where(_T.client_id == client_id, _ACTIVE)
        tree: list[tuple[str, list[str]]] = []
        if organisations:
            statement = statement.add_columns(Organisation.oid, Organisation.ancestor_oids).outerjoin(
                Organisation, organisations_at_or_below(organisations)
            )
        async with self.db.read() as session:
            rows: Sequence[Any] = (await session.execute(statement)).all()
        account = _record(*rows[0][:5]) if rows else None
        if organisations:
            tree = [(row[5], row[6]) for row in rows if row[5] is not None]
        if account is None or issued_at is None or issued_at < account.created_at.replace(microsecond=0):
            raise InvalidToken("The token's service account does not exist.")
        if account.locked_until is not None and account.locked_at(now):
            raise locked_error(account.locked_until, now)
        return account.privileges, tree

    async def _record_failure(self, client_id: str, now: dt.datetime) -> dt.datetime | None:
        lock_expired = and_(_T.locked_until.is_not(None), _T.locked_until <= now)
        failures = case((lock_expired, literal(1)), else_=_T.failed_attempts + 1)
        still_locked = and_(_T.locked_until.is_not(None), _T.locked_until > now)
        locked_until = case(
            (still_locked, _T.locked_until),
            (failures >= self.policy.max_failures, literal(now + self.policy.duration)),
            else_=null(),
        )
        async with self.db.write() as session:
            result = await session.execute(
                update(_T)
                .where(_T.client_id == client_id, _ACTIVE)
                .values(failed_attempts=failures, locked_until=locked_until)
                .returning(_T.locked_until)
            )
            row = result.first()
        return None if row is None else row[0]

    async def _record_success(self, client_id: str, now: dt.datetime) -> ServiceAccountRecord:
        async with self.db.write() as session:
            result = await session.execute(
                update(_T)
                .where(
                    _T.client_id == client_id,
                    _ACTIVE,
                    or_(_T.locked_until.is_(None), _T.locked_until <= now),
                )
                .values(failed_attempts=0, locked_until=None)
                .returning(*_COLUMNS)
            )
            row = result.first()
        if row is not None:
            return _record(*row)
        # Another worker locked or removed the account between our read and this write.
        account = await self.get(client_id)
        if account is not None and account.locked_until is not None and account.locked_at(now):
            raise locked_error(account.locked_until, now)
        raise InvalidClient()


async def _get(session: AsyncSession, client_id: str) -> ServiceAccountRecord | None:
    row = (await session.execute(select(*_COLUMNS).where(_T.client_id == client_id, _ACTIVE))).first()
    return None if row is None else _record(*row)
