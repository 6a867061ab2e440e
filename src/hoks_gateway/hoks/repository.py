"""Reading HOKS plans within the caller's scope (top-level columns; the document is read by the
parts that need it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, String, Text, any_, bindparam, cast, select
from sqlalchemy.dialects.postgresql import ARRAY

from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Hoks
from hoks_gateway.hoks.document import HoksDocument, load_stored_json
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.hoks.history import revision_documents
from hoks_gateway.lru import Lru

MAX_PARSED_DOCUMENTS = 1024
"""Parsed plans kept per process (~60 KiB each as Python objects: ~60 MiB at most)."""

ParsedDocuments = Lru[tuple[uuid.UUID, int], HoksDocument]


@dataclass(frozen=True, slots=True)
class HoksRecord:
    id: int
    eid: uuid.UUID
    study_right_oid: str
    learner_oid: str
    organisation_oid: str
    first_approved_on: dt.date
    approved_at: dt.datetime | None
    updated_at: dt.datetime
    revision: int
    source: str
    deleted_at: dt.datetime | None
    progress_planned: int
    progress_completes_on: Sequence[dt.date | None]

    @property
    def progress(self) -> PlanProgress:
        """The plan's progress as its current document gives it (kept with the row)."""
        return PlanProgress(self.progress_planned, tuple(self.progress_completes_on))

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> HoksRecord:
        """The record from its JSON form (orjson's of the dataclass, as idempotency keys keep it)."""
        return cls(
            id=value["id"],
            eid=uuid.UUID(value["eid"]),
            study_right_oid=value["study_right_oid"],
            learner_oid=value["learner_oid"],
            organisation_oid=value["organisation_oid"],
            first_approved_on=dt.date.fromisoformat(value["first_approved_on"]),
            approved_at=_instant(value["approved_at"]),
            updated_at=dt.datetime.fromisoformat(value["updated_at"]),
            revision=value["revision"],
            source=value["source"],
            deleted_at=_instant(value["deleted_at"]),
            progress_planned=value["progress_planned"],
            progress_completes_on=[
                None if day is None else dt.date.fromisoformat(day) for day in value["progress_completes_on"]
            ],
        )


def _instant(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


HOKS_COLUMNS = tuple(getattr(Hoks, f.name) for f in dataclasses.fields(HoksRecord))
"""The columns of a HoksRecord, in its order."""


_IDS = bindparam("ids", type_=ARRAY(BigInteger))
_OIDS = bindparam("oids", type_=ARRAY(String(64)))


async def by_id(reads: Reads, ids: Sequence[int], scope: Scope) -> dict[int, HoksRecord]:
    rows = await reads.fetch(
        ("hoks.by_id", scope.kind),
        lambda: select(*HOKS_COLUMNS).where(
            Hoks.id == any_(_IDS), Hoks.deleted_at.is_(None), scope.hoks_visible()
        ),
        ids=list(ids),
        **scope.parameters,
    )
    return {row["id"]: HoksRecord(*row) for row in rows}


async def by_study_right(
    reads: Reads, study_right_oids: Sequence[str], scope: Scope
) -> dict[str, HoksRecord]:
    rows = await reads.fetch(
        ("hoks.by_study_right", scope.kind),
        lambda: select(*HOKS_COLUMNS).where(
            Hoks.study_right_oid == any_(_OIDS), Hoks.deleted_at.is_(None), scope.hoks_visible()
        ),
        oids=list(study_right_oids),
        **scope.parameters,
    )
    return {row["study_right_oid"]: HoksRecord(*row) for row in rows}


def parsed_documents(db: Database) -> ParsedDocuments:
    """The process's parsed plans of `db`, by (eid, revision).

    A stored revision never changes, so an entry can never be stale: a write makes a new revision
    and the old entry unreachable until it is evicted. The scope is still applied in SQL on every
    read; the cache only saves the parse of what the query returned. Entries are shared between
    requests and must not be modified (the read path never does; writes parse their own copies).
    """
    found = db.memo.get("parsed_hoks_documents")
    if not isinstance(found, Lru):
        found = Lru(MAX_PARSED_DOCUMENTS)
        db.memo["parsed_hoks_documents"] = found
    return found


def stored_document(eid: uuid.UUID, revision: int, text: str, parsed: ParsedDocuments | None) -> HoksDocument:
    """The plan's document as stored at `revision` (its JSON text), parsed once per process."""
    document = parsed.get((eid, revision)) if parsed is not None else None
    if document is None:
        document = load_stored_json(text)
        if parsed is not None:
            parsed.put((eid, revision), document)
    return document


async def documents_at(
    reads: Reads, keys: Sequence[tuple[int, int]], scope: Scope, parsed: ParsedDocuments | None = None
) -> dict[tuple[int, int], HoksDocument]:
    """(plan id, revision) -> the plan's content as that revision left it.

    The revision is the one the plan's record was read at (or the one shown `asOf` a moment), so
    a reader never gets one revision's record with another's content, even when a write commits
    between the two statements (docs/operations.md, "Consistent reads"). Usually the plan is still
    at that revision and its current document is read (parsed on the trusted path, or taken from
    `parsed`); a plan that has moved on since (or was deleted) is read from its revision history.
    """
    rows = await reads.fetch(
        ("hoks.documents", scope.kind),
        lambda: select(Hoks.id, Hoks.eid, Hoks.revision, cast(Hoks.document, Text)).where(
            Hoks.id == any_(_IDS), scope.hoks_visible()
        ),
        ids=list({plan_id for plan_id, _ in keys}),
        **scope.parameters,
    )
    found = {
        (id_, revision): stored_document(eid, revision, text, parsed) for id_, eid, revision, text in rows
    }
    moved_on = [key for key in keys if key not in found]
    if moved_on:
        found |= await revision_documents(reads, moved_on, scope)
    return found
