"""Lists and reports narrowed to one organisation: the organisation and everything below it.

Organisation data is public, so an unknown OID is NOT_FOUND for everybody; a known one outside
the caller's READ reach is FORBIDDEN (docs/API.md: staff lacking the privilege), as eHOKS answers a
student list for an oppilaitos the user holds no privilege on.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from hoks_gateway.auth.principal import Privilege
from hoks_gateway.db.tables import Organisation
from hoks_gateway.errors import Forbidden, NotFound
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.pagination import Column


def at_or_below(column: Column, organisation_oid: str) -> ColumnElement[bool]:
    """`column` holds the OID of `organisation_oid` or of an organisation below it (GIN index)."""
    subtree = select(Organisation.oid).where(
        or_(Organisation.oid == organisation_oid, Organisation.ancestor_oids.contains([organisation_oid]))
    )
    return column.in_(subtree)


async def require_readable(info: Info, organisation_oid: str) -> None:
    """Pass when the caller may list the organisation's data, else NOT_FOUND / FORBIDDEN."""
    if await info.context.loaders.organisation.load(organisation_oid) is None:
        raise NotFound("No such organisation.")
    scope = info.context.authz
    if scope.everything or organisation_oid in scope.reachable(Privilege.READ):
        return
    raise Forbidden("READ privilege on the organisation (or one above it) is required.")
