"""List cursors are sealed (graphql/cursors.py): their content cannot be read, forged or moved to
another list or another kind of caller, and any process with the same secret reads them."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from hoks_gateway.auth.principal import Principal
from tests.client import bearer, gateway, graphql
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, ANALYST, Ask, codes, cursor_content, staff

LIST = """
query($order: LearnerOrder, $first: Int, $after: String) {
  learners(orderBy: $order, first: $first, after: $after) {
    pageInfo { endCursor }
    edges { cursor node { oid } }
  }
}
"""
HOKSES = """
query($order: HoksOrder, $after: String) {
  hokses(orderBy: $order, first: 1, after: $after) { pageInfo { endCursor } nodes { firstApprovedOn } }
}
"""


def forged(payload: Any) -> str:
    """A cursor as a client could make one: base64 of JSON."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def edges(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["learners"]["edges"]
    return found


async def three_learners(factory: Factory) -> tuple[str, list[str]]:
    toimija, oppilaitos = await factory.provider("Keuda")
    learners = []
    for day in (1, 2, 3):
        learner = await factory.learner()
        right = await factory.study_right(learner, toimija, oppilaitos, started_on=dt.date(2024, 8, day))
        await factory.hoks(right, learner, oppilaitos)
        learners.append(learner)
    return oppilaitos, learners


async def test_an_analysts_cursors_hold_no_oid_and_no_sort_key(factory: Factory, ask: Ask) -> None:
    _, learners = await three_learners(factory)
    found = edges(await ask(ANALYST, LIST, first=2))
    assert [e["node"]["oid"] for e in found] and not {e["node"]["oid"] for e in found} & set(learners)
    for edge in found:
        content = cursor_content(edge["cursor"])
        for learner in learners:
            # Not the OID, nor its last arc (the part that tells learners apart).
            assert learner.rsplit(".", 1)[1].encode() not in content, content
        assert b"2024-08-0" not in content and b"STARTED" not in content, content


async def test_forged_cursors_cannot_bisect_a_learners_oid(factory: Factory, ask: Ask) -> None:
    """The attack: an analyst who sees a pseudonym forges `after` cursors (start date, a guessed
    OID) and watches whether that pseudonym comes first, halving the range each time."""
    _, learners = await three_learners(factory)
    newest = learners[2]
    [target] = edges(await ask(ANALYST, LIST, first=1))
    just_above = newest[:-1] + chr(ord(newest[-1]) + 1)
    for order_name in ("STARTED_DESC", "learners.STARTED_DESC"):
        body = await ask(ANALYST, LIST, first=1, after=forged([order_name, ["2024-08-03", just_above]]))
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert body["data"] is None or target["node"]["oid"] not in json.dumps(body["data"])
        assert "not a cursor this server issued" in body["errors"][0]["message"]


async def test_a_cursor_altered_in_one_character_is_refused(factory: Factory, ask: Ask) -> None:
    await three_learners(factory)
    cursor = edges(await ask(ADMIN, LIST, first=1))[0]["cursor"]
    assert len(edges(await ask(ADMIN, LIST, first=1, after=cursor))) == 1
    for position in (0, len(cursor) // 2, len(cursor) - 2):
        changed = "A" if cursor[position] != "A" else "B"
        altered = cursor[:position] + changed + cursor[position + 1 :]
        assert codes(await ask(ADMIN, LIST, first=1, after=altered)) == ["BAD_USER_INPUT"]
    assert codes(await ask(ADMIN, LIST, first=1, after=cursor[:-4])) == ["BAD_USER_INPUT"]


async def test_a_cursor_is_good_for_its_kind_of_caller_only(factory: Factory, ask: Ask) -> None:
    oppilaitos, _ = await three_learners(factory)
    reader = staff(oppilaitos)
    cursor = edges(await ask(reader, LIST, order="STARTED_DESC", first=1))[0]["cursor"]
    assert len(edges(await ask(reader, LIST, order="STARTED_DESC", first=1, after=cursor))) == 1
    # Another official of the same kind pages on with it; an admin or analyst does not.
    other_official = staff(oppilaitos, oid="1.2.246.562.24.10000000008")
    assert len(edges(await ask(other_official, LIST, order="STARTED_DESC", first=1, after=cursor))) == 1
    for principal in (ADMIN, ANALYST):
        body = await ask(principal, LIST, order="STARTED_DESC", first=1, after=cursor)
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert "issued to another kind of caller" in body["errors"][0]["message"], principal


async def test_a_cursor_is_good_for_its_list_and_ordering_only(factory: Factory, ask: Ask) -> None:
    await three_learners(factory)
    started = edges(await ask(ADMIN, LIST, order="FIRST_APPROVED_ASC", first=1))[0]["cursor"]
    # The same ordering's name on another list, and another ordering of the same list.
    assert codes(await ask(ADMIN, HOKSES, order="FIRST_APPROVED_ASC", after=started)) == ["BAD_USER_INPUT"]
    assert codes(await ask(ADMIN, LIST, order="FIRST_APPROVED_DESC", after=started)) == ["BAD_USER_INPUT"]
    plans = await ask(ADMIN, HOKSES, order="FIRST_APPROVED_ASC")
    cursor = plans["data"]["hokses"]["pageInfo"]["endCursor"]
    assert codes(await ask(ADMIN, HOKSES, order="FIRST_APPROVED_ASC", after=cursor)) == []
    assert codes(await ask(ADMIN, LIST, order="FIRST_APPROVED_ASC", after=cursor)) == ["BAD_USER_INPUT"]


async def test_every_process_with_the_secret_reads_the_cursors(
    factory: Factory, database_url: str, tmp_path: Path
) -> None:
    """Workers and replicas share the secret (here the demo secret under one data dir): a cursor
    from one is good on another; under another secret it is not."""
    await three_learners(factory)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    async def page(data_dir: Path, principal: Principal, after: str | None) -> dict[str, Any]:
        async with gateway(database_url, data_dir=data_dir, demo=True) as client:
            return await graphql(
                client, LIST, {"first": 1, "after": after}, headers=bearer(data_dir, principal)
            )

    cursor = edges(await page(tmp_path, ADMIN, None))[0]["cursor"]
    assert len(edges(await page(tmp_path, ADMIN, cursor))) == 1
    assert codes(await page(elsewhere, ADMIN, cursor)) == ["BAD_USER_INPUT"]
