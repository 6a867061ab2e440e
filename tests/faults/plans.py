"""Plans written through the gateway (so each has its revisions), for the fault tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from hoks_gateway.db.sessions import Database
from tests.factories import Factory

IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision } } }"
UPDATE = """
mutation($id: ID!, $patch: HoksPatchInput!, $rev: Int) {
  updateHoks(id: $id, patch: $patch, expectedRevision: $rev) { hoks { id revision } }
}"""
READ = "query($id: ID!) { hoks(id: $id) { id revision ehoksDocument } }"


def plan_document(learner: str, study_right: str, email: str = "oppija@example.fi") -> dict[str, Any]:
    return {
        "oppija-oid": learner,
        "opiskeluoikeus-oid": study_right,
        "ensikertainen-hyvaksyminen": "2024-09-01",
        "osaamisen-hankkimisen-tarve": True,
        "sahkoposti": email,
        "urasuunnitelma-koodi-uri": "urasuunnitelma_0001",
    }


@dataclass(frozen=True)
class Plan:
    id: int
    learner: str
    study_right: str


def code_of(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    code: str | None = errors[0].get("extensions", {}).get("code") if errors else None
    return code


async def study_rights(db: Database, count: int) -> list[tuple[str, str]]:
    """(learner OID, study right OID) pairs under one provider, without plans."""
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Vantaan ammattiopisto Varia")
    pairs = []
    for _ in range(count):
        learner = await factory.learner()
        pairs.append((learner, await factory.study_right(learner, toimija, oppilaitos)))
    return pairs


async def import_plans(
    client: httpx.AsyncClient, headers: dict[str, str], pairs: list[tuple[str, str]]
) -> list[Plan]:
    plans = []
    for learner, right in pairs:
        response = await client.post(
            "/graphql",
            json={"query": IMPORT, "variables": {"d": plan_document(learner, right)}},
            headers=headers,
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        plans.append(Plan(int(body["data"]["importEhoksDocument"]["hoks"]["id"]), learner, right))
    return plans
