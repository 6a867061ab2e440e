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


async def test_the_staff_list_audits_the_plans_it_shows_and_only_those(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    # The list reads its rows' plans with its page when the operation asks for them
    # (learners/listing.py): asked, through fragments, left out by @skip, or not asked at all.
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Tredu")
    learner, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    staff = Principal(PrincipalKind.STAFF, STAFF_OID, {oppilaitos: frozenset({Privilege.READ})})
    rows = "query List($org: ID) { learners(organisationOid: $org) { %s } }"
    fragments = (
        "query List($org: ID) { learners(organisationOid: $org) { ...Rows } }"
        " fragment Rows on LearnerConnection { edges { ...Plans } }"
        " fragment Plans on LearnerEdge { studyRights { hoks { id } } }"
    )
    skipped = (
        "query List($org: ID, $no: Boolean!) { learners(organisationOid: $org) {"
        " edges { studyRights { oid hoks @skip(if: $no) { id } } } } }"
    )
    cases = [
        (rows % "edges { studyRights { hoks { id } } }", [{"hoks": {"id": str(plan)}}], plan),
        (fragments, [{"hoks": {"id": str(plan)}}], plan),
        (skipped, [{"oid": _right}], None),
        (rows % "edges { node { oid } }", None, None),
    ]
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        for query, rights, audited in cases:
            before = len(await events(db))
            body = await graphql(
                client, query, {"org": oppilaitos, "no": True}, headers=bearer(tmp_path, staff)
            )
            assert "errors" not in body, body
            [edge] = body["data"]["learners"]["edges"]
            assert edge.get("studyRights") == rights, query
            assert [(e[3], e[4]) for e in (await events(db))[before:]] == [(learner, audited)], query
