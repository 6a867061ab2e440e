"""Reading a plan's revisions (hoks_revisions), within the caller's scope.

The list of a plan's revisions carries no documents, only what the history and the approval
history show (the two approval fields are read out of each document inside PostgreSQL); a
revision's document is loaded on its own when a client asks for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, Text, and_, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import Hoks, HoksRevision
from hoks_gateway.graphql.loaders import group_by
from hoks_gateway.hoks.document import HoksDocument, load_stored_json


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    hoks_id: int
    number: int
    at: dt.datetime
    principal_kind: str
    principal_id: str
    organisation_oid: str | None
    operation: str
    source: str
    changed_paths: list[str]
    first_approved_on: str | None
    """ensikertainen-hyvaksyminen as the revision's document had it (YYYY-MM-DD)."""
    approved_at: str | None
    """hyvaksytty as the revision's document had it (an eHOKS instant)."""


_REVISION = (
    HoksRevision.hoks_id,
    HoksRevision.number,
    HoksRevision.at,
    HoksRevision.principal_kind,
    HoksRevision.principal_id,
    HoksRevision.organisation_oid,
    HoksRevision.operation,
    HoksRevision.source,
    HoksRevision.changed_paths,
    HoksRevision.document["ensikertainen-hyvaksyminen"].astext,
    HoksRevision.document["hyvaksytty"].astext,
)


_IDS = bindparam("ids", type_=ARRAY(BigInteger))
_NUMBERS = bindparam("numbers", type_=ARRAY(Integer))


async def revisions_of(
    reads: Reads, hoks_ids: Sequence[int], scope: Scope
) -> dict[int, list[RevisionRecord]]:
    """Every revision of each plan, oldest first."""
    rows = await reads.fetch(
        ("hoks_revisions.of", scope.kind),
        lambda: (
            select(*_REVISION)
            .join(Hoks, Hoks.id == HoksRevision.hoks_id)
            .where(HoksRevision.hoks_id == any_(_IDS), scope.hoks_visible())
            .order_by(HoksRevision.hoks_id, HoksRevision.number)
        ),
        ids=list(hoks_ids),
        **scope.parameters,
    )
    return group_by((RevisionRecord(*row) for row in rows), lambda r: r.hoks_id)


async def revision_documents(
    reads: Reads, keys: Sequence[tuple[int, int]], scope: Scope
) -> dict[tuple[int, int], HoksDocument]:
    """(plan id, revision number) -> the plan's document as that revision left it."""
    # (id, number) pairs as two arrays zipped by unnest: one statement for any number of keys.
    pairs = select(func.unnest(_IDS).label("hoks_id"), func.unnest(_NUMBERS).label("number")).subquery(
        "wanted"
    )
    rows = await reads.fetch(
        ("hoks_revisions.documents", scope.kind),
        lambda: (
            select(HoksRevision.hoks_id, HoksRevision.number, cast(HoksRevision.document, Text))
            .join(pairs, and_(pairs.c.hoks_id == HoksRevision.hoks_id, pairs.c.number == HoksRevision.number))
            .join(Hoks, Hoks.id == HoksRevision.hoks_id)
            .where(scope.hoks_visible())
        ),
        ids=[hoks_id for hoks_id, _ in keys],
        numbers=[number for _, number in keys],
        **scope.parameters,
    )
    return {(hoks_id, number): load_stored_json(text) for hoks_id, number, text in rows}


def as_of(revisions: Sequence[RevisionRecord], moment: dt.datetime) -> RevisionRecord | None:
    """The revision in force at `moment`: the last one written at or before it."""
    found = None
    for revision in revisions:
        if revision.at > moment:
            break
        found = revision
    return found


def parse_instant(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)
