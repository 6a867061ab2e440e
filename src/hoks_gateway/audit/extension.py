"""Writes the audit trail of each GraphQL request once it has been executed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from hoks_gateway.audit.events import record_reads


class AuditReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        trail = getattr(context, "audit", None)
        if trail is None:
            return
        if self.execution_context.operation_name:
            trail.operation = self.execution_context.operation_name
        events = trail.events()
        if not events:
            return
        # One INSERT of every event: atomic by itself, so it needs no transaction around it.
        await record_reads(context.db, context.actor, events)
