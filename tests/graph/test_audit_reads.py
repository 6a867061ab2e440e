"""Every read of personal data leaves an audit event: who, whose, which organisation, when."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.db.sessions import Database
from hoks_gateway.identifiers import OPH_ROOT_OID
from tests.client import bearer, gateway, graphql
from tests.factories import Factory

STAFF_OID = "1.2.246.562.24.10000000008"


async def events(db: Database) -> list[tuple[str, str, str, str | None, int | None, str | None]]:
    async with db.read() as session:
        rows = await session.execute(
            text(
                "SELECT principal_kind, principal_id, operation, target_learner_oid, target_hoks_id, "
                "organisation_oid FROM audit_events ORDER BY id"
            )
        )
        return [tuple(row) for row in rows]


async def test_reads_of_personal_data_are_audited_once_per_plan(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Tredu")
    learner, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    staff = Principal(
        PrincipalKind.STAFF, "1.2.246.562.24.10000000008", {oppilaitos: frozenset({Privilege.READ})}
    )
    query = "query StudentView($oid: ID!) { learner(oid: $oid) { surname studyRights { hoks { id } } } }"
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(client, query, {"oid": learner}, headers=bearer(tmp_path, staff))
        assert body["data"]["learner"]["studyRights"][0]["hoks"]["id"] == str(plan)
        assert await events(db) == [
            ("STAFF", staff.id, "StudentView", learner, plan, oppilaitos),
        ]
        # Organisation data is public and is not personal: no event.
        await graphql(client, "query($oid: ID!) { organisation(oid: $oid) { oid } }", {"oid": OPH_ROOT_OID})
        assert len(await events(db)) == 1


async def test_nothing_seen_nothing_recorded(db: Database, database_url: str, tmp_path: Path) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Stadin ammattiopisto")
    learner, _right, _plan = await factory.learner_with_plan(toimija, oppilaitos)
    _other_toimija, other = await factory.provider("Varia")
    outsider = Principal(
        PrincipalKind.STAFF, "1.2.246.562.24.10000000008", {other: frozenset({Privilege.READ})}
    )
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(
            client,
            "query($oid: ID!) { learner(oid: $oid) { oid } }",
            {"oid": learner},
            headers=bearer(tmp_path, outsider),
        )
    assert body["data"]["learner"] is None
    assert await events(db) == []
