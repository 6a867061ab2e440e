"""The command line: study rights from a file, plans in and out in the eHOKS format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from tests.cli.test_configuration_errors import run_cli
from tests.corpus import corpus_dir
from tests.factories import Factory
from tests.hoks_document.test_document_corpus import _drop_identifiers, identifiers, in_content
from tests.transfers.test_ehoks_updates import module_ids, without
from tests.transfers.test_get_shape import get_shape_faults
from tests.transfers.world import (
    ALL,
    MANUAL_ONLY,
    TRANSFERABLE,
    corpus_entries,
    corpus_organisations,
    document,
)


async def register(db: Database, database_url: str, tmp_path: Path) -> None:
    koulutustoimija = await corpus_organisations(db, Factory(db))
    rights = tmp_path / "study-rights.json"
    rights.write_text(
        json.dumps([e.model_dump(mode="json", by_alias=True) for e in corpus_entries(koulutustoimija)])
    )
    result = run_cli("import-study-rights", str(rights), HOKS_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert "registered 8 study rights (8 new, 0 updated)" in result.stdout


async def test_import_and_export_round_trip(db: Database, database_url: str, tmp_path: Path) -> None:
    await register(db, database_url, tmp_path)
    files = [str(corpus_dir() / name) for name in ALL]
    imported = run_cli("import-ehoks", *files, HOKS_DATABASE_URL=database_url)
    assert imported.returncode == 0, imported.stderr
    assert len([line for line in imported.stdout.splitlines() if "stored as HOKS" in line]) == 8

    out = tmp_path / "export"
    exported = run_cli("export-ehoks", "--all", "--out", str(out), HOKS_DATABASE_URL=database_url)
    assert exported.returncode == 0, exported.stderr
    by_study_right = {}
    for path in sorted(out.glob("hoks-*.json")):
        plan = json.loads(path.read_text(encoding="utf-8"))
        assert plan["manuaalisyotto"] is True
        assert get_shape_faults(plan) == [], "as eHOKS's GET returns it"
        by_study_right[plan["opiskeluoikeus-oid"]] = {
            k: v for k, v in plan.items() if k not in ("id", "eid", "manuaalisyotto")
        }
    for name in ALL:
        sent = document(name)
        back = by_study_right[sent["opiskeluoikeus-oid"]]
        generated = {p: v for p, v in identifiers(back).items() if p not in identifiers(sent)}
        assert bool(generated) == (name in MANUAL_ONLY)
        assert in_content(_drop_identifiers(back, generated)) == in_content(sent), name


async def test_refused_files_are_reported_and_nothing_of_them_stored(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await register(db, database_url, tmp_path)
    add = run_cli(
        "service-account",
        "add",
        "sis-keuda",
        "--org",
        "1.2.246.562.10.12424158689:READ,WRITE",
        HOKS_DATABASE_URL=database_url,
    )
    assert add.returncode == 0, add.stderr
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(document(TRANSFERABLE[0]) | {"osaamisen-saavuttamisen-pvm": "2017-01-01", "x": 1})
    )
    files = [str(corpus_dir() / TRANSFERABLE[1]), str(corpus_dir() / MANUAL_ONLY[0]), str(broken)]
    result = run_cli("import-ehoks", "--transfer", "sis-keuda", *files, HOKS_DATABASE_URL=database_url)
    assert result.returncode == 1
    assert "[1/3]" in result.stdout and "stored as HOKS" in result.stdout and "(TRANSFER)" in result.stdout
    assert f"[2/3] {files[1]}: refused (BAD_USER_INPUT)" in result.stderr
    assert "workplace-period-identifier-required" in result.stderr
    assert (
        "osaamisen-saavuttamisen-pvm:" in result.stderr
        and "x: This key is not allowed here." in result.stderr
    )
    assert "testikayttaja@testi.fi" not in result.stderr + result.stdout, "no document content in the output"
    exported = run_cli("export-ehoks", "--all", HOKS_DATABASE_URL=database_url)
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == 1


async def test_export_of_an_unknown_plan_says_so(database_url: str) -> None:
    result = run_cli("export-ehoks", "--id", "404", HOKS_DATABASE_URL=database_url)
    assert result.returncode == 1 and "no HOKS with id 404" in result.stderr


async def test_study_rights_from_a_file_carry_the_fields_the_rules_read(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """import-study-rights registers the TELMA suoritus, the estimated end apart from the actual
    one, and any Koski kind (the registry fields of docs/reference/ehoks-backend.md §1.5)."""
    koulutustoimija = await corpus_organisations(db, Factory(db))
    telma, lukio, *_ = corpus_entries(koulutustoimija)
    rights = tmp_path / "study-rights.json"
    rights.write_text(
        json.dumps(
            [
                telma.model_dump(mode="json", by_alias=True)
                | {"telma": True, "endedOn": "2024-06-30", "plannedEndOn": "2025-05-31"},
                lukio.model_dump(mode="json", by_alias=True) | {"kind": "GENERAL_UPPER_SECONDARY"},
            ]
        )
    )
    result = run_cli("import-study-rights", str(rights), HOKS_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    async with db.read() as session:
        rows = {
            row.oid: tuple(row[1:])
            for row in await session.execute(
                text("SELECT oid, kind, telma, ended_on::text, planned_end_on::text FROM study_rights")
            )
        }
    assert rows == {
        telma.oid: ("VOCATIONAL", True, "2024-06-30", "2025-05-31"),
        lukio.oid: ("GENERAL_UPPER_SECONDARY", False, None, None),
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([lukio.model_dump(mode="json", by_alias=True) | {"kind": "lukiokoulutus"}]))
    refused = run_cli("import-study-rights", str(bad), HOKS_DATABASE_URL=database_url)
    assert refused.returncode == 1 and "[0].kind" in refused.stderr


def _exported(database_url: str, plan_id: str) -> dict[str, Any]:
    result = run_cli("export-ehoks", "--id", plan_id, HOKS_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    plan: dict[str, Any] = json.loads(result.stdout)
    return plan


async def _audited(db: Database, plan_id: str) -> list[str]:
    async with db.read() as session:
        rows = await session.execute(
            text(
                "SELECT operation || ':' || outcome FROM audit_events WHERE target_hoks_id = :id "
                "AND operation IN ('replace-ehoks', 'patch-ehoks') ORDER BY id"
            ),
            {"id": int(plan_id)},
        )
        return list(rows.scalars())


async def test_replace_and_patch_in_the_ehoks_format(db: Database, database_url: str, tmp_path: Path) -> None:
    """replace-ehoks and patch-ehoks: an export PUT back (without what eHOKS's PUT refuses) is
    the same plan with new module-ids; a PATCH file changes its keys and nothing else."""
    await register(db, database_url, tmp_path)
    imported = run_cli("import-ehoks", str(corpus_dir() / "hoksit.json"), HOKS_DATABASE_URL=database_url)
    assert imported.returncode == 0, imported.stderr
    plan_id = imported.stdout.split("stored as HOKS ")[1].split()[0]
    before = _exported(database_url, plan_id)
    put = tmp_path / "put.json"
    put.write_text(json.dumps(without(before, ("eid", "manuaalisyotto", "module-id"))))
    replaced = run_cli(
        "replace-ehoks", plan_id, str(put), "--expected-revision", "1", HOKS_DATABASE_URL=database_url
    )
    assert replaced.returncode == 0, replaced.stderr
    assert f"HOKS {plan_id} replaced, now at revision 2" in replaced.stdout
    after = _exported(database_url, plan_id)
    assert without(after, ("module-id",)) == without(before, ("module-id",))
    assert not set(module_ids(before).values()) & set(module_ids(after).values())

    patch = {"sahkoposti": "uusi.osoite@example.fi", "versio": 4}
    patch_file = tmp_path / "patch.json"
    patch_file.write_text(json.dumps(patch))
    patched = run_cli("patch-ehoks", plan_id, str(patch_file), HOKS_DATABASE_URL=database_url)
    assert patched.returncode == 0, patched.stderr
    assert f"HOKS {plan_id} patched, now at revision 3" in patched.stdout
    assert _exported(database_url, plan_id) == after | patch
    assert await _audited(db, plan_id) == ["replace-ehoks:SUCCESS", "patch-ehoks:SUCCESS"]


async def test_refused_replace_and_patch_list_every_violation(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await register(db, database_url, tmp_path)
    imported = run_cli("import-ehoks", str(corpus_dir() / "hoksit.json"), HOKS_DATABASE_URL=database_url)
    plan_id = imported.stdout.split("stored as HOKS ")[1].split()[0]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_exported(database_url, plan_id)))
    as_read = run_cli("replace-ehoks", plan_id, str(export), HOKS_DATABASE_URL=database_url)
    assert as_read.returncode == 1
    assert f"{export}: refused (BAD_USER_INPUT)" in as_read.stderr
    assert "    eid: Filled in by the server; leave it out. [read-only-field]" in as_read.stderr
    assert "    hankittavat-ammat-tutkinnon-osat[0].module-id: " in as_read.stderr
    assert "testikayttaja@testi.fi" not in as_read.stderr + as_read.stdout, "no document content"

    parts = tmp_path / "parts.json"
    parts.write_text(json.dumps({"oppimisen-tuki": [], "sahkoposti": None}))
    patched = run_cli("patch-ehoks", plan_id, str(parts), HOKS_DATABASE_URL=database_url)
    assert patched.returncode == 1
    assert "oppimisen-tuki: " in patched.stderr and "[part-not-allowed-in-patch]" in patched.stderr
    assert "sahkoposti: " in patched.stderr and "[null-not-allowed]" in patched.stderr

    email = tmp_path / "email.json"
    email.write_text(json.dumps({"sahkoposti": "a@b.fi"}))
    stale = run_cli(
        "patch-ehoks", plan_id, str(email), "--expected-revision", "7", HOKS_DATABASE_URL=database_url
    )
    assert stale.returncode == 1 and "refused (REVISION_CONFLICT)" in stale.stderr
    unknown = run_cli("patch-ehoks", "404404", str(email), HOKS_DATABASE_URL=database_url)
    assert unknown.returncode == 1 and "refused (NOT_FOUND)" in unknown.stderr
    not_json = run_cli("patch-ehoks", plan_id, str(tmp_path / "missing.json"), HOKS_DATABASE_URL=database_url)
    assert not_json.returncode == 1 and "unreadable" in not_json.stderr

    async with db.read() as session:
        query = text("SELECT revision FROM hoks WHERE id = :id")
        revision = (await session.execute(query, {"id": int(plan_id)})).scalar()
    assert revision == 1, "nothing refused was written"
    assert await _audited(db, plan_id) == [
        "replace-ehoks:FAILURE",
        "patch-ehoks:FAILURE",
        "patch-ehoks:FAILURE",
    ]


def test_replace_and_patch_say_their_rules() -> None:
    replace = run_cli("replace-ehoks", "--help")
    assert replace.returncode == 0 and "puhelinnumero" in replace.stdout and "module-ids" in replace.stdout
    patch = run_cli("patch-ehoks", "--help")
    assert patch.returncode == 0 and "parts" in patch.stdout and "nulls" in patch.stdout
