"""`hoks` rows: one plan per chosen study right, as a provider's system or a staff member
created it, with revision 1.

The gateway's own timestamps follow the document's story: approved (hyvaksytty), last changed
at source (paivitetty), then stored by the gateway minutes to days later.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Any, NamedTuple

from hoks_gateway.hoks.document import with_module_ids
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.seed.documents import build_plan
from hoks_gateway.seed.population import Enrolment
from hoks_gateway.seed.timeline import AS_OF


class HoksRow(NamedTuple):
    id: int
    eid: uuid.UUID
    study_right_oid: str
    learner_oid: str
    organisation_oid: str
    first_approved_on: dt.date
    approved_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int
    source: str
    deleted_at: dt.datetime | None
    document: str  # JSON text: asyncpg's binary COPY encodes jsonb from text
    progress_planned: int
    progress_completes_on: tuple[dt.date | None, ...]


class RevisionAuthor(NamedTuple):
    """Who wrote revision 1; the rest of the revision row is copied from the hoks row."""

    hoks_id: int
    principal_kind: str
    principal_id: str


_END = dt.datetime.combine(AS_OF, dt.time(), tzinfo=dt.UTC)


def service_client_id(koulutustoimija_oid: str) -> str:
    """The client id of a provider's student information system (its palvelukäyttäjä)."""
    return f"sis-{koulutustoimija_oid}"


def plan_rows(
    hoks_id: int, enrolment: Enrolment, staff: tuple[str, ...], rng: random.Random
) -> tuple[HoksRow, RevisionAuthor]:
    plan = build_plan(enrolment, rng)
    sr = enrolment.study_right
    stored = plan.reported_updated_at + dt.timedelta(minutes=rng.randint(2, 3 * 24 * 60))
    if stored >= _END:
        stored = plan.reported_updated_at + dt.timedelta(minutes=2)
    if rng.random() < 0.88:
        source, author = (
            "TRANSFER",
            RevisionAuthor(hoks_id, "SERVICE", service_client_id(sr.koulutustoimija_oid)),
        )
    else:
        source, author = "MANUAL", RevisionAuthor(hoks_id, "STAFF", rng.choice(staff))
    progress = PlanProgress.of_stored(plan.document)
    row = HoksRow(
        hoks_id,
        uuid.UUID(int=rng.getrandbits(128), version=4),
        sr.oid,
        sr.learner_oid,
        sr.oppilaitos_oid,
        plan.first_approved_on,
        plan.approved_at,
        stored,
        stored,
        1,
        source,
        None,
        json.dumps(_as_stored(plan.document, rng), ensure_ascii=False, separators=(",", ":")),
        progress.planned,
        progress.completes_on,
    )
    return row, author


def _as_stored(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The plan as the gateway stores a transfer of it: with a module-id on every part."""
    with_module_ids(document, lambda: uuid.UUID(int=rng.getrandbits(128), version=4))
    return document
