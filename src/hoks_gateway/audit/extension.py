"""Writes the audit trail of each GraphQL request once it has been executed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from hoks_gateway.audit.events import record_reads


async def record_request_reads(context: Any, operation_name: str | None) -> None:
    """The reads of an executed request, as one INSERT of every event (atomic by itself, so it
    needs no transaction around it). `operation_name` is the client's name for the operation."""
    trail = getattr(context, "audit", None)
    if trail is None:
        return
    if trail.failure is not None:
        raise trail.failure
    if operation_name:
        trail.operation = operation_name
    events = trail.events()
    if not events:
        return
    await record_reads(context.db, context.actor, events)


class AuditReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        await record_request_reads(self.execution_context.context, self.execution_context.operation_name)
