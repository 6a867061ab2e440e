"""`importEhoksDocuments`: a provider's nightly load, many plans in the eHOKS format at once.

Up to HOKS_IMPORT_BATCH_SIZE documents per request. Every document is judged as
importEhoksDocument judges it (the same rules in the same order, hoks/service.py); the accepted
ones are written together, each with its revision and audit event, and the refused ones audited
as refusals, in one transaction. One result per document, in the order sent: the plan's id and
revision, or why it was refused (the error its own importEhoksDocument would have got, with every
violation). A refused document never keeps the others from being stored. The rate limit counts
the documents, not the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.scalars import JSON

from hoks_gateway.errors import BadUserInput
from hoks_gateway.graphql.context import Info
from hoks_gateway.hoks.mutations import _writes, plan_replayed
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.idempotency.extension import audit_replay
from hoks_gateway.ratelimit.middleware import count_documents

OPERATION = "importEhoksDocuments"


@strawberry.type(description="A rule of the HOKS document that a document breaks.")
class DocumentViolation:
    path: str = strawberry.field(
        description="Where, in the document's own eHOKS keys (`hankittavat-ammat-tutkinnon-osat[0]."
        "osaamisen-hankkimistavat[1].alku`); empty: the document itself."
    )
    message: str = strawberry.field(description="What is wrong and what to send instead.")
    rule: str = strawberry.field(description="The rule's name (docs/reference/ehoks-backend.md).")


@strawberry.type(description="Why a document was not stored: the error its own importEhoksDocument gets.")
class DocumentError:
    code: str = strawberry.field(description="The error code (docs/API.md, Error model).")
    status: int = strawberry.field(description="The HTTP-like status eHOKS would answer.")
    message: str = strawberry.field(description="What happened.")
    violations: list[DocumentViolation] = strawberry.field(
        description="Every violation of the document rules (BAD_USER_INPUT); empty for other errors."
    )


@strawberry.type(description="What became of one document of a batch.")
class ImportedDocument:
    index: int = strawberry.field(description="The document's position in `documents`, from 0.")
    id: strawberry.ID | None = strawberry.field(description="HOKS-id of the plan stored; null if refused.")
    revision: int | None = strawberry.field(description="The plan's revision (1); null if refused.")
    error: DocumentError | None = strawberry.field(description="Why it was refused; null if stored.")


@strawberry.type(description="One result per document, in the order sent.")
class ImportEhoksDocumentsPayload:
    results: list[ImportedDocument] = strawberry.field(description="Per document, in the order sent.")
    stored: int = strawberry.field(description="Documents stored as new plans.")
    refused: int = strawberry.field(description="Documents refused (nothing of them stored).")

    @classmethod
    def of(cls, outcomes: Sequence[Mapping[str, Any]]) -> ImportEhoksDocumentsPayload:
        """The payload from the batch's outcomes (`{"hoks": HoksRecord}` or the `{"error": ...}` of
        service.Refused.as_json): fresh or replayed, the same answer."""
        results = [_result(index, outcome) for index, outcome in enumerate(outcomes)]
        refused = sum(1 for result in results if result.error is not None)
        return cls(results=results, stored=len(results) - refused, refused=refused)

    @classmethod
    async def replayed(
        cls, info: Info, outcome: Mapping[str, Any], operation: str
    ) -> ImportEhoksDocumentsPayload:
        """A retried batch's answer: its first results; each plan's answer audited as a read."""
        outcomes = [
            {"hoks": HoksRecord.from_json(one["hoks"])} if "hoks" in one else one
            for one in outcome["results"]
        ]
        await audit_replay(info, [plan_replayed(one["hoks"], operation) for one in outcomes if "hoks" in one])
        return cls.of(outcomes)


def _result(index: int, outcome: Mapping[str, Any]) -> ImportedDocument:
    plan: HoksRecord | None = outcome.get("hoks")
    if plan is not None:
        return ImportedDocument(
            index=index, id=strawberry.ID(str(plan.id)), revision=plan.revision, error=None
        )
    error = outcome["error"]
    extensions = error["extensions"]
    return ImportedDocument(
        index=index,
        id=None,
        revision=None,
        error=DocumentError(
            code=extensions["code"],
            status=extensions["status"],
            message=error["message"],
            violations=[DocumentViolation(**violation) for violation in extensions.get("violations", [])],
        ),
    )


async def import_ehoks_documents(info: Info, documents: list[JSON]) -> ImportEhoksDocumentsPayload:
    request = info.context.request
    if request is not None:
        settings = request.app.state.settings
        if len(documents) > settings.import_batch_size:
            raise BadUserInput(
                f"At most {settings.import_batch_size} documents per request (HOKS_IMPORT_BATCH_SIZE); "
                f"this one has {len(documents)}: send them in several batches."
            )
        await count_documents(request.scope, settings, len(documents))
    created = await _writes(info).create_batch(documents, operation=OPERATION)
    return ImportEhoksDocumentsPayload.of([one.as_json() for one in created])


import_ehoks_batch = strawberry.mutation(
    resolver=import_ehoks_documents,
    description="Luo HOKSit eHOKS-muodosta: importEhoksDocument for many plans at once (at most "
    "HOKS_IMPORT_BATCH_SIZE; each document counts against the rate limit). Each document is judged "
    "on its own and stored as its own plan, with its revision and audit event; a refused one is left "
    "out and the rest are stored. One result per document, in the order sent.",
)
