"""upsertStudyRights: the registry sync (ADMIN), all or nothing, every problem at once."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.db.sessions import Database
from hoks_gateway.identifiers import make_oid
from tests.client import bearer, gateway, graphql
from tests.factories import Factory

UPSERT = """
mutation($v: [StudyRightInput!]!) {
  upsertStudyRights(input: $v) { created updated studyRights { oid status learner { oid } } }
}
"""


def entry(oid: str, learner: str, kt: str, ol: str, **extra: Any) -> dict[str, Any]:
    return {
        "oid": oid,
        "learner": {"oid": learner, "firstNames": "Aino Maria", "surname": "Virtanen"},
        "oppilaitosOid": ol,
        "koulutustoimijaOid": kt,
        "kind": "VOCATIONAL",
        "status": "lasna",
        "startedOn": "2024-08-01",
    } | extra


async def test_register_then_update(db: Database, database_url: str, tmp_path: Path) -> None:
    kt, ol = await Factory(db).provider("Omnia")
    rng = random.Random(5)
    right, learner = make_oid(15, rng), make_oid(24, rng)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        first = await graphql(client, UPSERT, {"v": [entry(right, learner, kt, ol)]}, bearer(tmp_path))
        assert "errors" not in first, first
        assert (
            first["data"]["upsertStudyRights"]["created"],
            first["data"]["upsertStudyRights"]["updated"],
        ) == (1, 0)
        again = await graphql(
            client, UPSERT, {"v": [entry(right, learner, kt, ol, status="valmistunut")]}, bearer(tmp_path)
        )
        payload = again["data"]["upsertStudyRights"]
        assert (payload["created"], payload["updated"]) == (0, 1)
        assert payload["studyRights"] == [
            {"oid": right, "status": "valmistunut", "learner": {"oid": learner}}
        ]


async def test_every_problem_at_once_and_nothing_stored(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    kt, ol = await Factory(db).provider("Omnia")
    rng = random.Random(6)
    good = entry(make_oid(15, rng), make_oid(24, rng), kt, ol)
    bad_oids = entry("1.2.246.562.15.12345678901", "1.2.246.562.24.12345678901", kt, ol)
    unknown_org = entry(make_oid(15, rng), make_oid(24, rng), kt, "1.2.246.562.10.99999999990")
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(client, UPSERT, {"v": [good, bad_oids]}, bearer(tmp_path))
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert sorted(v["path"] for v in error["extensions"]["violations"]) == ["[1].learner.oid", "[1].oid"]
        body = await graphql(client, UPSERT, {"v": [good, unknown_org]}, bearer(tmp_path))
        [error] = body["errors"]
        assert [(v["path"], v["rule"]) for v in error["extensions"]["violations"]] == [
            ("[1].oppilaitosOid", "organisation-not-found")
        ]
        staff = bearer(tmp_path, Principal(PrincipalKind.STAFF, "1.2.246.562.24.92634157188"))
        body = await graphql(client, UPSERT, {"v": [good]}, staff)
        assert body["errors"][0]["extensions"]["code"] == "WRONG_AUTHENTICATION_TYPE"
    async with db.read() as session:
        assert (await session.execute(text("SELECT count(*) FROM study_rights"))).scalar() == 0
        assert (await session.execute(text("SELECT count(*) FROM learners"))).scalar() == 0
