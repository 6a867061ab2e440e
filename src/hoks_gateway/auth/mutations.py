"""Resolvers of the account mutations."""

from __future__ import annotations

from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.auth.types import ServiceAccount
from hoks_gateway.graphql.context import Info
from hoks_gateway.idempotency.extension import pending_claim


async def unlock_service_account(info: Info, client_id: str) -> ServiceAccount:
    accounts = ServiceAccounts(info.context.db, info.context.clock)
    return ServiceAccount.from_record(await accounts.unlock(client_id, pending_claim()))
