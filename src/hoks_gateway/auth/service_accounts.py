"""Service accounts (palvelukäyttäjät): client credentials and organisation privileges.

Sign-ins are checked by SignIns: every attempt is first counted per (client id, client address)
in the database (auth/throttle.py), then its secret is checked off the event loop
(auth/client_secrets.py). Wrong secrets never lock the account itself: whoever knows a client id
cannot keep its provider out, and the tokens it holds keep working.
Every "now" comes from the injected Clock, never from the database server, so tests can move it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, bindparam, func, select, true, update
from sqlalchemy.dialects.postgresql import insert

from hoks_gateway.auth.client_secrets import SecretChecker, hash_secret
from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.principal import Privileges, parse_privileges, privileges_as_json
from hoks_gateway.auth.throttle import SignInThrottle, ThrottlePolicy, every_address
from hoks_gateway.auth.tokens import InvalidToken
from hoks_gateway.authz.scope import OrganisationTree, organisations_at_or_below
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Organisation, ServiceAccount
from hoks_gateway.db.tables import SignInThrottle as Throttle
from hoks_gateway.errors import BadUserInput, NotFound, Unauthenticated
from hoks_gateway.idempotency import claims
from hoks_gateway.idempotency.claims import Claim


class InvalidClient(Unauthenticated):
    """Client authentication failed (RFC 6749 `invalid_client`); never says which half was wrong."""

    def __init__(self) -> None:
        super().__init__("Unknown client or wrong client secret.")


@dataclass(frozen=True, slots=True)
class ServiceAccountRecord:
    client_id: str
    privileges: Privileges
    failed_attempts: int
    """The most wrong secrets in a row from any one address, still counted (auth/throttle.py)."""
    locked_until: dt.datetime | None
    """Until when sign-ins from some address wait (None: from none)."""
    created_at: dt.datetime

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
_ACTIVE = _T.deleted_at.is_(None)
# Built once (every service-account request runs one): the values are given when it runs.
_TOKEN_CHECK = select(_T.privileges, _T.created_at).where(_T.client_id == bindparam("client_id"), _ACTIVE)
_TOKEN_CHECK_REACHING = _TOKEN_CHECK.add_columns(Organisation.oid, Organisation.ancestor_oids).outerjoin(
    Organisation, organisations_at_or_below(())
)
_KEY = func.encode(func.sha256(func.convert_to(_T.client_id, "UTF8")), "hex")


@dataclass(frozen=True, slots=True)
class ServiceAccounts:
    db: Database
    clock: Clock
    policy: ThrottlePolicy = field(default_factory=ThrottlePolicy)

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
            rows = await session.execute(self._records(_ACTIVE).order_by(_T.client_id))
            return [_record(*row) for row in rows]

    async def get(self, client_id: str) -> ServiceAccountRecord | None:
        async with self.db.read() as session:
            row = (await session.execute(self._records(_T.client_id == client_id, _ACTIVE))).first()
        return None if row is None else _record(*row)

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
        """Sign-ins of the account from every address start afresh (no waiting, no count), in one
        transaction with the mutation's idempotency claim."""
        async with self.db.write() as session:
            await claims.begin(session, claim)
            row = (
                await session.execute(
                    select(_T.client_id, _T.privileges, _T.created_at).where(
                        _T.client_id == client_id, _ACTIVE
                    )
                )
            ).first()
            if row is None:
                raise NotFound(f"No service account {client_id!r}.")
            await session.execute(every_address(client_id))
            account = _record(row.client_id, row.privileges, 0, None, row.created_at)
            await claims.finish(session, claim, {"account": account.as_json()})
        return account

    def _records(self, *conditions: ColumnElement[bool]) -> Select[Any]:
        """The accounts with their sign-in back-off summed over addresses."""
        now = self.clock()
        counted = Throttle.last_failure_at > now - self.policy.longest_backoff
        waiting = Throttle.blocked_until > now
        state = (
            select(
                func.coalesce(func.max(Throttle.failures).filter(counted), 0),
                func.max(Throttle.blocked_until).filter(waiting),
            )
            .where(Throttle.client_key == _KEY)
            .lateral()
        )
        columns = (_T.client_id, _T.privileges, *state.c, _T.created_at)
        return select(*columns).select_from(_T).join(state, true()).where(*conditions)

    # --- presented tokens -------------------------------------------------------------------

    async def check_token(self, client_id: str, issued_at: dt.datetime | None) -> Privileges:
        """A presented token's account must still exist and predate the token."""
        privileges, _ = await self.check_token_reaching(client_id, issued_at, ())
        return privileges

    async def check_token_reaching(
        self, client_id: str, issued_at: dt.datetime | None, organisations: Collection[str]
    ) -> tuple[Privileges, OrganisationTree]:
        """check_token, and the organisation tree at or below `organisations` (the token's), read
        in the same statement: a service account's request then needs no scope statement of its
        own (authz/scope.resolve_scope). Failed sign-ins never refuse a token: they may be
        anyone's."""
        statement = _TOKEN_CHECK_REACHING if organisations else _TOKEN_CHECK
        tree: list[tuple[str, list[str]]] = []
        values = {"client_id": client_id, "held": sorted(organisations)}
        # On the primary's asyncpg pool, compiled once: an ORM session cost every request of a
        # service account more CPU than the statement (bench/README.md, "A single create as one
        # statement"). The primary, because a removed account must stop at once.
        rows = await self.db.reads.fetch_primary(
            ("token_check", bool(organisations)), lambda: statement, values
        )
        if organisations:
            tree = [(row[2], row[3]) for row in rows if row[2] is not None]
        if not rows or issued_at is None or issued_at < rows[0][1].replace(microsecond=0):
            raise InvalidToken("The token's service account does not exist.")
        # jsonb comes as its text on that pool (the engine's own decoding is not there).
        return parse_privileges(orjson.loads(rows[0][0])), tree


@dataclass(frozen=True, slots=True)
class SignIns:
    """POST /auth/token's check of client credentials from one client address."""

    accounts: ServiceAccounts
    throttle: SignInThrottle
    checker: SecretChecker

    async def authenticate(self, client_id: str, secret: str, address: str) -> ServiceAccountRecord:
        """The account; InvalidClient (401), or SignInThrottled (429) while the pair waits.

        Known and unknown client ids take the same steps (a reservation, one Argon2 check against
        the account's hash or a decoy) and get the same answers, so none of them tells whether
        an id exists."""
        await self.throttle.reserve(client_id, address)
        async with self.accounts.db.read() as session:
            row = (
                await session.execute(
                    select(_T.secret_hash).where(_T.client_id == _storable(client_id), _ACTIVE)
                )
            ).first()
        if not await self.checker.matches(None if row is None else row[0], secret):
            raise InvalidClient()
        await self.throttle.forget(client_id, address)
        account = await self.accounts.get(client_id)
        if account is None:  # removed between the check and now
            raise InvalidClient()
        return account


def _storable(client_id: str) -> str:
    """The id to look up: one no account can have (ids are not empty) when PostgreSQL could not
    even compare it (NUL) or it is longer than any stored id."""
    return "" if "\x00" in client_id or len(client_id) > 128 else client_id


def _record(
    client_id: str,
    privileges: dict[str, list[str]],
    failed: int,
    locked_until: dt.datetime | None,
    created_at: dt.datetime,
) -> ServiceAccountRecord:
    return ServiceAccountRecord(client_id, parse_privileges(privileges), failed, locked_until, created_at)
