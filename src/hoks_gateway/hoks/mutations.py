"""The HOKS mutations (docs/API.md): transfers by service accounts, manual entry by staff.

`HoksInput` is the input type generated from the document model (hoks/graphql_parts.py), so
the typed mutations and the eHOKS codec accept exactly the same plans; it has no `id`, `eid` or
`manuaalisyotto`: the server fills those, and the plan a mutation changes is named by its `id`
argument alone. Violations name eHOKS paths (`hankittavat-ammat-tutkinnon-osat[0]...`), the same
whichever way the plan came in.

The eHOKS-format mutations (importEhoksDocument, replaceEhoksDocument, patchEhoksDocument) take
the same document as JSON and make the same service call as their typed twins (createHoks,
replaceHoks, updateHoks): one set of POST/PUT/PATCH rules, whichever way a plan arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.arguments import InputContext

from hoks_gateway.audit.events import AuditEvent, Outcome
from hoks_gateway.errors import BadUserInput, NotFound
from hoks_gateway.graphql.context import Info
from hoks_gateway.hoks import graphql_parts
from hoks_gateway.hoks.content import PARTS
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.ids import hoks_id
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.hoks.service import HoksWrites, Written
from hoks_gateway.hoks.types import Hoks
from hoks_gateway.idempotency.extension import audit_replay, pending_claim, replayed_operation

HoksInput = PARTS.input(
    HoksDocument,
    name="HoksInput",
    description="HOKS for a transfer or manual entry: the whole plan with all its parts, as the eHOKS "
    "POST/PUT body (the server fills id, eid and manuaalisyotto).",
)
HoksPatchInput = PARTS.input(
    HoksDocument,
    name="HoksPatchInput",
    description="The top-level fields of a HOKS to change (eHOKS PATCH); parts are changed by "
    "replaceHoks. Fields left out (or null) stay as they are.",
    top_level_only=True,
)


def _as_ehoks_document(cls: type, value: Mapping[str, Any], context: InputContext) -> dict[str, Any]:
    return graphql_parts.from_input(value, HoksDocument)


# The resolvers receive the plan as an eHOKS document, which is what the rules read anyway.
for _input in (HoksInput, HoksPatchInput):
    _input.__strawberry_definition__.from_input = _as_ehoks_document


@strawberry.type(description="The plan as the mutation left it.")
class HoksPayload:
    hoks: Hoks = strawberry.field(description="The HOKS.")

    @classmethod
    async def replayed(cls, info: Info, outcome: Mapping[str, Any], operation: str) -> HoksPayload:
        """A retry's answer: the plan as the first write left it (its content of that revision)."""
        record = HoksRecord.from_json(outcome["hoks"])
        await audit_replay(info, [plan_replayed(record, operation)])
        return cls(hoks=Hoks.from_record(record, info.context.authz))


def plan_replayed(record: HoksRecord, operation: str) -> AuditEvent:
    """The audit event of a plan's record answered again to a retry of `operation`."""
    return AuditEvent(
        replayed_operation(operation), Outcome.SUCCESS, record.learner_oid, record.id, record.organisation_oid
    )


def _writes(info: Info) -> HoksWrites:
    context = info.context
    return HoksWrites(
        context.db,
        context.authz,
        context.clock,
        context.today,
        context.request_id,
        pending_claim(),
        context.operation_id,
    )


def _payload(info: Info, written: Written) -> HoksPayload:
    if written.document is not None:
        # The payload's content fields read the document just written, not the database again.
        info.context.loaders.hoks_document.prime(
            (written.record.id, written.record.revision), written.document
        )
    return HoksPayload(hoks=Hoks.from_record(written.record, info.context.authz))


def _plan_id(value: strawberry.ID) -> int:
    number = hoks_id(str(value))
    if number is None:
        raise NotFound(f"No HOKS with id {value!r} is visible to you.")
    return number


async def create_hoks(info: Info, input: Any) -> HoksPayload:
    return _payload(info, await _writes(info).create(input, operation="createHoks"))


def _ehoks_body(document: JSON) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise BadUserInput("`document` must be a JSON object: one HOKS in the eHOKS transfer format.")
    return document


async def import_ehoks_document(info: Info, document: JSON) -> HoksPayload:
    body = _ehoks_body(document)
    return _payload(info, await _writes(info).create(body, operation="importEhoksDocument"))


async def replace_ehoks_document(
    info: Info, id: strawberry.ID, document: JSON, expected_revision: int | None = None
) -> HoksPayload:
    return await _ehoks_rewrite(info, id, document, expected_revision, "replaceEhoksDocument")


async def patch_ehoks_document(
    info: Info, id: strawberry.ID, document: JSON, expected_revision: int | None = None
) -> HoksPayload:
    return await _ehoks_rewrite(info, id, document, expected_revision, "patchEhoksDocument")


async def _ehoks_rewrite(
    info: Info, id: strawberry.ID, document: JSON, expected_revision: int | None, operation: str
) -> HoksPayload:
    writes = _writes(info)
    write = writes.replace if operation == "replaceEhoksDocument" else writes.update
    body = _ehoks_body(document)
    written = await write(_plan_id(id), body, expected_revision=expected_revision, operation=operation)
    return _payload(info, written)


async def update_hoks(
    info: Info, id: strawberry.ID, patch: Any, expected_revision: int | None = None
) -> HoksPayload:
    written = await _writes(info).update(_plan_id(id), patch, expected_revision=expected_revision)
    return _payload(info, written)


async def replace_hoks(
    info: Info, id: strawberry.ID, input: Any, expected_revision: int | None = None
) -> HoksPayload:
    written = await _writes(info).replace(_plan_id(id), input, expected_revision=expected_revision)
    return _payload(info, written)


async def delete_hoks(info: Info, id: strawberry.ID, expected_revision: int | None = None) -> HoksPayload:
    written = await _writes(info).delete(_plan_id(id), expected_revision=expected_revision)
    return _payload(info, written)


async def restore_hoks(info: Info, id: strawberry.ID, expected_revision: int | None = None) -> HoksPayload:
    written = await _writes(info).restore(_plan_id(id), expected_revision=expected_revision)
    return _payload(info, written)


# The generated input types are values, not classes mypy knows; strawberry reads the real ones here.
create_hoks.__annotations__["input"] = HoksInput
replace_hoks.__annotations__["input"] = HoksInput
update_hoks.__annotations__["patch"] = HoksPatchInput

_EXPECTED = "Optional: the revision you read; a stale one is refused with REVISION_CONFLICT (409)."


def _field(resolver: Any, description: str) -> Any:
    return strawberry.mutation(resolver=resolver, description=description)


create = _field(
    create_hoks,
    "Luo HOKS (POST /hoks): create a plan for a study right. Service accounts transfer (source "
    "TRANSFER; WRITE on the study right's oppilaitos, else NO_ACCESS_TO_STUDY_RIGHT); staff with WRITE "
    "and admins enter it by hand (MANUAL: a missing yksilöivä tunniste is filled in). One plan per "
    "study right, for ever: HOKS_ALREADY_EXISTS.",
)
import_ehoks = _field(
    import_ehoks_document,
    "Luo HOKS eHOKS-muodosta: createHoks with the plan in the eHOKS transfer format (kebab-case JSON), "
    "as provider systems already produce it.",
)
replace_ehoks = _field(
    replace_ehoks_document,
    "Korvaa HOKS eHOKS-muodosta (PUT): replaceHoks with the plan in the eHOKS transfer format, under "
    "eHOKS's PUT rules: every part is replaced (parts left out are removed, all get new module-ids); "
    "left-out optional top-level fields are cleared except puhelinnumero and tuva-opiskeluoikeus-oid; "
    "eid, manuaalisyotto and module-ids (which ehoksDocument shows) must be left out; `id` may be "
    "left out, and if sent must be this plan's. " + _EXPECTED,
)
patch_ehoks = _field(
    patch_ehoks_document,
    "Päivitä HOKS eHOKS-muodosta (PATCH): updateHoks with the fields in the eHOKS transfer format, "
    "under eHOKS's PATCH rules: the top-level keys sent change, the rest stays; parts, eid, "
    "manuaalisyotto and nulls are refused; the OIDs cannot change; `id` as for "
    "replaceEhoksDocument. " + _EXPECTED,
)
update = _field(
    update_hoks,
    "Päivitä HOKS (PATCH): change top-level fields only; parts are refused. The OIDs cannot change. "
    + _EXPECTED,
)
replace = _field(
    replace_hoks,
    "Korvaa HOKS (PUT): the whole plan; parts left out are removed. Left-out optional top-level fields "
    "are cleared, except puhelinnumero and tuva-opiskeluoikeus-oid, which are kept (as eHOKS). " + _EXPECTED,
)
delete = _field(
    delete_hoks,
    "Poista HOKS (soft delete): staff with DELETE on the oppilaitos, or admins, while the study right "
    "is active. The plan still blocks a new one for its study right. " + _EXPECTED,
)
restore = _field(restore_hoks, "Palauta HOKS: undo a soft delete (ADMIN). " + _EXPECTED)
