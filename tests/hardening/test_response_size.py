"""Answers stay within bounds: a whole eHOKS document costs its size class in the cost limit, and an
answer larger than HOKS_MAX_RESPONSE_BYTES is replaced by an error, never truncated.

Fifty aliases of `hokses(first: 100) { nodes { ehoksDocument } }` were one 48 MB answer within the
cost limit, a document counting as one field (bench/abuse.py prints the figure)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from graphql import parse
from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.limits import SIZE_CLASSES, Limits, check_document, measure
from hoks_gateway.graphql.schema import schema
from hoks_gateway.settings import Settings
from tests.client import bearer, gateway
from tests.corpus import load
from tests.factories import Factory

DEFAULTS = Limits.from_settings(Settings())
PAGE = "hokses(first: 100) { nodes { ehoksDocument } }"
FIFTY = "{ " + " ".join(f"a{i}: {PAGE}" for i in range(50)) + " }"
GRAPHQL_RESPONSE = {"Accept": "application/graphql-response+json"}


def cost(query: str) -> int:
    return measure(schema._schema, parse(query), DEFAULTS).cost


def test_a_document_costs_its_size_class() -> None:
    document = SIZE_CLASSES["JSON"]
    # `first` multiplies the connection, `nodes` (a list) default_list_size more.
    assert cost(f"{{ {PAGE} }}") == 1 + 100 * (1 + DEFAULTS.default_list_size * document)
    assert cost("{ hokses(first: 100) { nodes { id } } }") == 1 + 100 * (1 + DEFAULTS.default_list_size * 1)


def test_a_page_of_documents_fits_and_fifty_do_not() -> None:
    assert check_document(schema._schema, parse(f"{{ {PAGE} }}"), {}, DEFAULTS) == []
    [error] = check_document(schema._schema, parse(FIFTY), {}, DEFAULTS)
    assert error.code == "QUERY_TOO_COSTLY" and error.extensions["cost"] > DEFAULTS.max_cost


async def _post(client: Any, query: str, headers: dict[str, str], **variables: Any) -> Any:
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def _plans(db: Database, count: int) -> list[int]:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Tampereen seudun ammattiopisto Tredu")
    document = load("anonymised-example-1.json")
    plans = []
    for _ in range(count):
        learner = await factory.learner()
        right = await factory.study_right(learner, toimija, oppilaitos)
        body = document | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
        plans.append(await factory.hoks(right, learner, oppilaitos, document=body))
    return plans


async def test_fifty_pages_of_documents_are_refused_before_any_sql(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await _plans(db, 3)
    async with gateway(database_url, demo=True, data_dir=tmp_path, debug_metrics=True) as client:
        response = await _post(client, FIFTY, bearer(tmp_path) | GRAPHQL_RESPONSE)
    body = response.json()
    assert response.status_code == 400 and "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"]
    assert body["extensions"]["metrics"]["sqlStatements"] == 0


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, {}], ids=["graphql-response+json", "legacy JSON"])
async def test_an_answer_over_the_cap_is_an_error_not_a_truncated_body(
    db: Database, database_url: str, tmp_path: Path, accept: dict[str, str]
) -> None:
    [plan, _] = await _plans(db, 2)
    one = "query($id: ID!) { hoks(id: $id) { ehoksDocument } }"
    both = "{ hokses(first: 2) { nodes { ehoksDocument } } }"
    async with gateway(database_url, demo=True, data_dir=tmp_path) as client:
        headers = bearer(tmp_path) | accept
        single = await _post(client, one, headers, id=str(plan))
        limit = len(single.content) + 100  # one plan's answer fits, two do not
    async with gateway(database_url, demo=True, data_dir=tmp_path, max_response_bytes=limit) as client:
        fits = await _post(client, one, headers, id=str(plan))
        over = await _post(client, both, headers)
    assert fits.json() == single.json() and "errors" not in fits.json()
    body = json.loads(over.content)  # the whole body is JSON: nothing was cut off
    assert over.status_code == 400 and "data" not in body
    assert over.headers["content-type"].startswith(
        "application/graphql-response+json" if accept else "application/json"
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE" and error["extensions"]["limit"] == limit
    size = error["extensions"]["bytes"]
    assert size > limit and error["message"].startswith(f"The answer is {size:,} bytes, more than the limit")


async def test_a_write_over_the_cap_is_made_and_the_answer_says_so(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Sataedu")
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos, started_on=dt.date(2019, 8, 1))
    document = load("hoks_yksi_tutkinnonosa.json") | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
    mutation = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { ehoksDocument } } }"
    async with gateway(database_url, demo=True, data_dir=tmp_path, max_response_bytes=500) as client:
        response = await _post(client, mutation, bearer(tmp_path) | GRAPHQL_RESPONSE, d=document)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert "A mutation in the request was carried out all the same" in error["message"]
    counted = text("SELECT count(*) FROM hoks WHERE study_right_oid = :sr")
    async with db.read() as session:
        written = await session.scalar(counted, {"sr": right})
    assert written == 1
